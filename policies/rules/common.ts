/**
 * Shared reading of token resources for the rules in this folder. Not a policy itself.
 *
 * What a rule may put in a message: resource names (the logical name, e.g. `drata-g1`), types,
 * permission-group names and scopes, resource keys (`com.cloudflare.api.account.<id>`), and numbers
 * it derived itself (days). Never a props value beyond those, and never `props` serialized:
 * CrossGuard hands policies secrets unwrapped, and a stack policy's props include the token value.
 *
 * Only `import type` from @pulumi/*: the rules load no Pulumi SDK at run time, so they behave the
 * same under Pulumi's loader (policies/node_modules) and under vitest (the root node_modules).
 */
import { RESOURCE_PREFIX } from "../../src/domain/resource-keys";
import { COMPLIANCE_TOKEN_TYPE, TOKEN_RESOURCE_TYPES } from "../../src/domain/resource-types";
import { DAY_MS } from "../../src/domain/time";
import { type PermissionGroupRef, SCOPES } from "../../src/domain/permission-group";

export type {
  Policies,
  PolicyResource,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";

/** The ComplianceToken type token, from src/domain/resource-types.ts, which loads no Pulumi (so the pack does not load @pulumi/pulumi twice; a test pins it). */
export { COMPLIANCE_TOKEN_TYPE };
export const API_TOKEN_TYPE = TOKEN_RESOURCE_TYPES.user;
export const ACCOUNT_TOKEN_TYPE = TOKEN_RESOURCE_TYPES.account;
export const PROVIDER_TOKEN_TYPES: readonly string[] = [API_TOKEN_TYPE, ACCOUNT_TOKEN_TYPE];

export type TokenKind = "component" | "api-token" | "account-token";

export function tokenKind(type: string): TokenKind | undefined {
  switch (type) {
    case COMPLIANCE_TOKEN_TYPE:
      return "component";
    case API_TOKEN_TYPE:
      return "api-token";
    case ACCOUNT_TOKEN_TYPE:
      return "account-token";
    default:
      return undefined;
  }
}

const KIND_LABEL: Record<TokenKind, string> = {
  component: "ComplianceToken",
  "api-token": "cloudflare.ApiToken",
  "account-token": "cloudflare.AccountToken",
};

/** `ComplianceToken "drata-g1"`: the resource's type and logical name, never a props value. */
export function label(kind: TokenKind, name: string): string {
  return `${KIND_LABEL[kind]} "${name}"`;
}

export function typeLabel(type: string): string {
  const kind = tokenKind(type);
  return kind ? KIND_LABEL[kind] : type;
}

/** The stack a URN belongs to: `urn:pulumi:<stack>::<project>::<type>::<name>`. */
export function stackOf(urn: string): string | undefined {
  return /^urn:pulumi:([^:]+)::/.exec(urn)?.[1];
}

/** The type of the resource a URN names: the last `$`-separated element of its type chain. */
export function typeOfUrn(urn: string): string | undefined {
  const chain = urn.split("::")[2];
  return chain?.split("$").pop();
}

/** The parent's type from a URN's type chain (`parent$child`); undefined when the parent is the stack. */
export function parentTypeFromUrn(urn: string): string | undefined {
  const chain = urn.split("::")[2]?.split("$") ?? [];
  return chain.length >= 2 ? chain[chain.length - 2] : undefined;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

export { matchesStack } from "../../src/domain/prod-stacks";

export type TokenOwner = { readonly kind: "user" } | { readonly kind: "account"; readonly accountId: string | undefined };

/** One policy of a token, read defensively: props are whatever the program (or a hand-rolled resource) sent. */
export interface PolicyView {
  readonly index: number;
  readonly effect: unknown;
  /** Group names by scope: the component carries them; provider resources carry only IDs. */
  readonly groups?: readonly PermissionGroupRef[];
  readonly resources?: Record<string, unknown>;
}

export interface TokenView {
  readonly kind: TokenKind;
  readonly label: string;
  readonly owner: TokenOwner;
  readonly policies: readonly PolicyView[];
  /** Shape problems that stop a rule from proving the token safe: reported, so rules fail closed. */
  readonly problems: readonly string[];
}

/**
 * Reads a ComplianceToken's inputs (describeToken: policies[{effect, permissionGroups[{name, scope}],
 * resources: object}], owner) or a provider token's inputs (policies[{effect, permissionGroups[{id}],
 * resources: JSON string}], accountId for AccountToken).
 */
export function readToken(kind: TokenKind, name: string, props: Record<string, unknown>): TokenView {
  const problems: string[] = [];
  const owner = readOwner(kind, props, problems);
  const rawPolicies = props["policies"];
  const policies: PolicyView[] = [];
  if (!Array.isArray(rawPolicies)) {
    problems.push(
      kind === "component"
        ? "has no policies input, so its permissions cannot be checked (is PULUMI_NODEJS_SKIP_COMPONENT_INPUTS set? the pack needs component inputs)"
        : "has no policies list",
    );
  } else {
    rawPolicies.forEach((raw, index) => {
      if (!isRecord(raw)) {
        problems.push(`policies[${index}] is not an object`);
        return;
      }
      policies.push({
        index,
        effect: raw["effect"],
        ...(kind === "component" ? { groups: readGroups(raw["permissionGroups"], index, problems) } : {}),
        ...readResources(kind, raw["resources"], index, problems),
      });
    });
  }
  return { kind, label: label(kind, name), owner, policies, problems };
}

function readOwner(kind: TokenKind, props: Record<string, unknown>, problems: string[]): TokenOwner {
  if (kind === "api-token") return { kind: "user" };
  if (kind === "account-token") {
    const accountId = props["accountId"];
    if (typeof accountId !== "string") problems.push("has no accountId");
    return { kind: "account", accountId: typeof accountId === "string" ? accountId : undefined };
  }
  const owner = props["owner"];
  if (isRecord(owner) && owner["kind"] === "user") return { kind: "user" };
  if (isRecord(owner) && owner["kind"] === "account") {
    const accountId = owner["accountId"];
    if (typeof accountId !== "string") problems.push("is account-owned but names no accountId");
    return { kind: "account", accountId: typeof accountId === "string" ? accountId : undefined };
  }
  problems.push('has no owner (expected {kind: "user"} or {kind: "account", accountId})');
  // Unknown owner: check as the narrower account case, so user resources are refused.
  return { kind: "account", accountId: undefined };
}

function readGroups(raw: unknown, index: number, problems: string[]): PermissionGroupRef[] {
  if (!Array.isArray(raw)) {
    problems.push(`policies[${index}] has no permissionGroups list`);
    return [];
  }
  return raw.flatMap((group, i) => {
    if (isRecord(group) && typeof group["name"] === "string" && typeof group["scope"] === "string") {
      return [{ name: group["name"], scope: group["scope"] as PermissionGroupRef["scope"] }];
    }
    problems.push(`policies[${index}].permissionGroups[${i}] has no name and scope`);
    return [];
  });
}

function readResources(kind: TokenKind, raw: unknown, index: number, problems: string[]): { resources?: Record<string, unknown> } {
  if (kind === "component") {
    if (isRecord(raw)) return { resources: raw };
    problems.push(`policies[${index}].resources is not an object`);
    return {};
  }
  if (typeof raw !== "string") {
    problems.push(`policies[${index}].resources is not a JSON string`);
    return {};
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    // Never echo the string: say what is wrong, not what it contains.
    problems.push(`policies[${index}].resources is not valid JSON`);
    return {};
  }
  if (!isRecord(parsed)) {
    problems.push(`policies[${index}].resources is not a JSON object`);
    return {};
  }
  return { resources: parsed };
}

export const KNOWN_SCOPES: readonly string[] = Object.values(SCOPES);

export const WILDCARD_ACCOUNT_KEY = `${RESOURCE_PREFIX.account}*`;
export const WILDCARD_USER_KEY = `${RESOURCE_PREFIX.user}*`;

/** Whole days from `now` until `at` (epoch ms), rounded up; negative when past. */
export function daysUntil(at: number, now: number): number {
  return Math.ceil((at - now) / DAY_MS);
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

export type IpFilterState = "filtered" | "missing" | "allow-all";

/**
 * A provider token's client-IP allow list (condition.requestIp.ins): present, and not a range that
 * admits every address (0.0.0.0/0, ::/0), which filters nothing.
 */
export function ipFilterState(props: Record<string, unknown>): IpFilterState {
  const condition = props["condition"];
  const requestIp = isRecord(condition) ? condition["requestIp"] : undefined;
  const ins = isRecord(requestIp) ? requestIp["ins"] : undefined;
  if (!Array.isArray(ins) || ins.length === 0) return "missing";
  return ins.some((cidr) => typeof cidr !== "string" || /\/0+$/.test(cidr.trim())) ? "allow-all" : "filtered";
}

export const IP_FILTER_PROBLEM: Record<Exclude<IpFilterState, "filtered">, string> = {
  missing: "has no client-IP filter",
  "allow-all": "has a client-IP filter that admits every address (a /0 range)",
};

/** A token's expiresOn as epoch ms, or why it has none. Only RFC 3339-looking strings count. */
export function parseExpiresOn(raw: unknown): number | "missing" | "invalid" {
  if (raw === undefined || raw === null || raw === "") return "missing";
  const ms = typeof raw === "string" && /^\d{4}-\d{2}-\d{2}T/.test(raw) ? Date.parse(raw) : Number.NaN;
  return Number.isNaN(ms) ? "invalid" : ms;
}

/**
 * The token key and generation in a ComplianceToken's logical name (`<key>-g<generation>`, see
 * logicalName in src/program/program.ts; a test pins the two together).
 */
export function parseLogicalName(name: string): { key: string; generation: number } | undefined {
  const match = /^(.+)-g(\d+)$/.exec(name);
  return match ? { key: match[1]!, generation: Number(match[2]) } : undefined;
}
