import { daysUntil, isRecord, label, parseExpiresOn, plural, stackOf, tokenKind, type ResourceValidationPolicy } from "./common";
import { DAY_MS } from "../../src/domain/time";

export interface ExpiryConfig {
  /** Longest allowed lifetime, counted from now, for stacks not listed in maxTtlDaysByStack. */
  readonly maxTtlDays?: number;
  /** Per-stack overrides by stack name, e.g. {"prod": 30}. */
  readonly maxTtlDaysByStack?: Readonly<Record<string, number>>;
}

/**
 * 90 days matches the kit's default ttlDays (src/config/schema.ts) and the dev stack; prod is
 * rotated by the scheduled job and runs with 30. Both are configurable per pack config.
 */
export const EXPIRY_DEFAULTS = { maxTtlDays: 90, maxTtlDaysByStack: { prod: 30 } } as const;

/** A first deploy anchors expiry at plan time, a moment before the policy runs; one minute absorbs that and nothing more. */
const GRACE_MS = 60_000;

export function maxTtlDaysFor(stack: string | undefined, config: ExpiryConfig): number {
  const byStack = { ...EXPIRY_DEFAULTS.maxTtlDaysByStack, ...config.maxTtlDaysByStack } as Record<string, number>;
  return (stack !== undefined ? byStack[stack] : undefined) ?? config.maxTtlDays ?? EXPIRY_DEFAULTS.maxTtlDays;
}

/**
 * Rule 3. Every Cloudflare token expires, and not too far out. Checked on the provider resources
 * (what Cloudflare enforces, hand-rolled tokens included) before they are created; ComplianceToken
 * sets their expiresOn from the plan. "Not already expired" is the stack policy not-expired: it
 * must see every generation of a token, so the deploy that rotates an expired token is not blocked.
 */
export const expiry: ResourceValidationPolicy = {
  name: "expiry",
  description: "Every Cloudflare token has an expiresOn at most maxTtlDays away (per stack).",
  enforcementLevel: "mandatory",
  severity: "high",
  remediationSteps:
    "Set cf-compliance-tokens:token.ttlDays at or below the stack's maxTtlDays; an existing generation keeps its expiry until `npx cfct rotate --stack <stack>`.",
  configSchema: {
    properties: {
      maxTtlDays: {
        type: "integer",
        minimum: 1,
        maximum: 365,
        default: EXPIRY_DEFAULTS.maxTtlDays,
        description: "Longest allowed token lifetime in days, counted from the preview, for stacks not in maxTtlDaysByStack.",
      },
      maxTtlDaysByStack: {
        type: "object",
        additionalProperties: { type: "integer", minimum: 1, maximum: 365 },
        default: EXPIRY_DEFAULTS.maxTtlDaysByStack,
        description: 'Per-stack maximum lifetime in days, keyed by stack name, e.g. {"prod": 30}.',
      },
    },
  },
  validateResource: (args, reportViolation) => {
    const kind = tokenKind(args.type);
    if (kind !== "api-token" && kind !== "account-token")
      return args.notApplicable("only checks cloudflare.ApiToken and cloudflare.AccountToken");
    const stack = stackOf(args.urn);
    const rotate = `npx cfct rotate --stack ${stack ?? "<stack>"}`;
    const expires = parseExpiresOn(args.props["expiresOn"]);
    if (expires === "missing") {
      reportViolation(
        `${label(kind, args.name)} has no expiresOn: it would never expire. Fix: create tokens through ComplianceToken, which always sets one from ttlDays.`,
      );
      return;
    }
    if (expires === "invalid") {
      reportViolation(`${label(kind, args.name)}: expiresOn is not an RFC 3339 timestamp.`);
      return;
    }
    const now = Date.now();
    const config = args.getConfig<ExpiryConfig>();
    const maxDays = maxTtlDaysFor(stack, isRecord(config) ? config : {});
    // An expiry in the past is not-expired's business: it must let a rotation's deploy through.
    if (expires - now > maxDays * DAY_MS + GRACE_MS) {
      reportViolation(
        `${label(kind, args.name)} expires in ${plural(daysUntil(expires, now), "day")}, more than maxTtlDays ${maxDays} for stack "${stack ?? "?"}". ` +
          `Fix: set token.ttlDays to ${maxDays} or less in stacks/Pulumi.${stack ?? "<stack>"}.yaml; an existing generation keeps its expiry until ${rotate}.`,
      );
    }
  },
};
