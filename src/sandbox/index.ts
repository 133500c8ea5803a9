/**
 * A Cloudflare v4 API sandbox: token lifecycle, identity and inventory, and one read-only probe per
 * permission group, with Cloudflare's authorization model and rate limit. See FIDELITY.md for what
 * is sourced from Cloudflare and what is assumed.
 */
export { PortInUseError, startSandbox, type RunningSandbox, type SandboxOptions } from "./server";
export { defaultFixture } from "./fixture/default-fixture";
export { FixtureError, parseFixture } from "./fixture/load-fixture";
export type { Fixture } from "./fixture/schema";
export { parseRateLimit, type RateLimitSettings } from "./rate-limit";
export {
  BEHAVIOURS,
  DEFAULT_BEHAVIOURS,
  nonDefaultBehaviourCases,
  parseBehaviourAssignment,
  type BehaviourName,
  type BehaviourOverrides,
  type Behaviours,
} from "./behaviours";
export { sandboxGroupId } from "./permission-catalog";
