import { ALL_ZONES_KEY, RESOURCE_PREFIX } from "../../src/domain/resource-keys";
import { HEX32 } from "../../src/domain/ids";
import {
  WILDCARD_ACCOUNT_KEY,
  WILDCARD_USER_KEY,
  isRecord,
  readToken,
  tokenKind,
  type ResourceValidationPolicy,
  type TokenView,
} from "./common";
import { SCOPES } from "../../src/domain/permission-group";

/**
 * Rule 2. Every allow policy names its accounts, zones and user: no wildcard account, no
 * top-level "all zones of every account", user resources only on user-owned tokens, and an
 * account-owned token only ever references its own account. Checked twice on purpose: on the
 * component's resources object and on the JSON string the provider sends to Cloudflare, which are
 * produced separately (resources vs resourcesJson), and on hand-rolled tokens too.
 */
export const scopedResources: ResourceValidationPolicy = {
  name: "scoped-resources",
  description:
    "Token policies name their accounts, zones and user: no wildcard account, no all-zones-of-every-account, user resources only on user-owned tokens, account-owned tokens only in their own account.",
  enforcementLevel: "mandatory",
  severity: "critical",
  remediationSteps:
    "List accounts and zones in the connection's stack config (zones: all means all zones of the listed accounts, which is allowed).",
  validateResource: (args, reportViolation) => {
    const kind = tokenKind(args.type);
    if (!kind) return args.notApplicable("only checks ComplianceToken, cloudflare.ApiToken and cloudflare.AccountToken");
    const token = readToken(kind, args.name, args.props);
    for (const problem of token.problems) reportViolation(`${token.label} ${problem}: cannot prove it scoped.`);
    for (const message of scopeProblems(token)) reportViolation(message);
  },
};

/** Every scope problem of a token, one message each, naming the token, the policy and the key. */
export function scopeProblems(token: TokenView): string[] {
  const problems: string[] = [];
  const at = (index: number) => `${token.label}: policies[${index}]`;
  const ownAccount = token.owner.kind === "account" ? token.owner.accountId : undefined;

  if (token.owner.kind === "account") {
    for (const policy of token.policies) {
      for (const group of policy.groups ?? []) {
        if (policy.effect === "allow" && group.scope === SCOPES.user) {
          problems.push(
            `${at(policy.index)} grants user-scope group "${group.name}", but the token is account-owned: only user-owned tokens can carry user permissions.`,
          );
        }
      }
    }
  }

  const checkAccountKey = (index: number, key: string) => {
    const id = key.slice(RESOURCE_PREFIX.account.length);
    if (key === WILDCARD_ACCOUNT_KEY) {
      problems.push(`${at(index)} uses the wildcard account "${key}" (every account the owner can reach). Fix: list the accounts.`);
    } else if (!HEX32.test(id)) {
      problems.push(`${at(index)} has account key "${key}", which is not a resolved account ID.`);
    } else if (token.owner.kind === "account" && ownAccount !== undefined && id !== ownAccount) {
      problems.push(
        `${at(index)} references account "${key}", but the token is owned by account ${ownAccount}: an account-owned token may only reference its own account.`,
      );
    } else if (token.owner.kind === "account" && ownAccount === undefined) {
      problems.push(`${at(index)} references account "${key}", but the token's owning account is unknown.`);
    }
  };

  const checkZoneKey = (index: number, key: string, nested: boolean) => {
    if (key === ALL_ZONES_KEY) {
      // Nested under one account it means "all zones of that account" (zones: all), which is scoped.
      if (!nested)
        problems.push(
          `${at(index)} grants "${key}" at the top level: every zone of every account. Fix: list zones, or nest all zones under one account (zones: all).`,
        );
    } else if (!HEX32.test(key.slice(RESOURCE_PREFIX.zone.length))) {
      problems.push(`${at(index)} has zone key "${key}", which is not a resolved zone ID.`);
    }
  };

  for (const policy of token.policies) {
    if (policy.effect !== "allow" || !policy.resources) continue; // deny only subtracts
    for (const [key, value] of Object.entries(policy.resources)) {
      if (key.startsWith(RESOURCE_PREFIX.zone)) {
        checkZoneKey(policy.index, key, false);
        if (value !== "*") problems.push(`${at(policy.index)}: zone key "${key}" must map to "*".`);
      } else if (key.startsWith(RESOURCE_PREFIX.account)) {
        checkAccountKey(policy.index, key);
        if (isRecord(value)) {
          for (const [inner, innerValue] of Object.entries(value)) {
            if (inner.startsWith(RESOURCE_PREFIX.zone)) checkZoneKey(policy.index, inner, true);
            else problems.push(`${at(policy.index)}: account "${key}" nests "${inner}", which is not a zone key.`);
            if (innerValue !== "*") problems.push(`${at(policy.index)}: nested key "${inner}" must map to "*".`);
          }
        } else if (value !== "*") {
          problems.push(`${at(policy.index)}: account key "${key}" must map to "*" or to nested zone keys.`);
        }
      } else if (key.startsWith(RESOURCE_PREFIX.user)) {
        if (token.owner.kind !== "user") {
          problems.push(
            `${at(policy.index)} references user resource "${key}", but the token is account-owned: user resources belong only on user-owned tokens.`,
          );
        } else if (key === WILDCARD_USER_KEY || !HEX32.test(key.slice(RESOURCE_PREFIX.user.length))) {
          problems.push(`${at(policy.index)} has user key "${key}", which is not one resolved user ID.`);
        }
        if (value !== "*") problems.push(`${at(policy.index)}: user key "${key}" must map to "*".`);
      } else {
        problems.push(`${at(policy.index)} has resource key "${key}", which is not an account, zone or user key.`);
      }
    }
  }
  return problems;
}
