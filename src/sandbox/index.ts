/**
 * A Cloudflare v4 API sandbox: token lifecycle, identity and inventory, and one read-only probe per
 * permission group, with Cloudflare's authorization model and rate limit. See FIDELITY.md for what
 * is sourced from Cloudflare and what is assumed.
 */
export { PortInUseError, startSandbox, type RunningSandbox, type SandboxOptions } from "./server";
export { defaultFixture } from "./fixture/default-fixture";
export { FixtureError, loadFixtureFile, parseFixture } from "./fixture/load-fixture";
export type { Fixture, FixtureInput } from "./fixture/schema";
export { CLOUDFLARE_RATE_LIMIT, parseRateLimit, type RateLimitSettings } from "./rate-limit";
export {
  BEHAVIOURS,
  DEFAULT_BEHAVIOURS,
  nonDefaultBehaviourCases,
  parseBehaviourAssignment,
  type BehaviourName,
  type BehaviourOverrides,
  type Behaviours,
} from "./behaviours";
export type { StatsSnapshot } from "./stats";
export type { FaultSpec } from "./faults";
export { sandboxGroupId } from "./permission-catalog";
