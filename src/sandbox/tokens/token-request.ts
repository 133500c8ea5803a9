import { randomBytes } from "node:crypto";
import { z } from "zod";
import { isIpRange } from "../authz/request-ip";
import { parseResourceKey } from "../authz/policy-resources";
import { refuse } from "../http/refusals";
import type { Inventory } from "../inventory";
import type { PermissionCatalog } from "../permission-catalog";
import type { PolicyResources, StoredStatus, TokenOwner, TokenPolicy, TokenSpec } from "./token";
import { SCOPES, describeGroup } from "../../domain/permission-group";

/**
 * Reads a create (POST) or update (PUT) body into a TokenSpec, enforcing Cloudflare's token rules:
 * known permission groups, well-formed resources, no user-scope groups on account-owned tokens,
 * and nothing beyond what the owner itself can reach ("You cannot create a token that exceeds the
 * permission granted to you", troubleshooting.mdx@0c50ffa).
 */

const ipList = z.array(
  z.string().refine(isIpRange, { error: (issue) => `${JSON.stringify(issue.input)} is not a CIDR (e.g. 203.0.113.0/24) or an IP address` }),
);
const ipCondition = z.strictObject({ in: ipList.optional(), not_in: ipList.optional() });
const timestamp = z.iso.datetime({ offset: true, error: "must be an RFC 3339 UTC timestamp such as 2030-01-31T00:00:00Z" });

const body = z.object({
  name: z
    .string({ error: "name is required" })
    .min(1, { error: "name must not be empty" })
    .max(120, { error: "name must be at most 120 characters" }),
  policies: z
    .array(
      z.object({
        effect: z.enum(["allow", "deny"], { error: "effect must be allow or deny" }),
        permission_groups: z
          .array(z.object({ id: z.string({ error: "each permission group needs an id" }) }))
          .min(1, { error: "each policy needs at least one permission group" }),
        resources: z.record(z.string(), z.union([z.string(), z.record(z.string(), z.string())]), {
          error: "resources must be an object of resource keys",
        }),
      }),
      { error: "policies is required (a list of policies)" },
    )
    .min(1, { error: "policies must hold at least one policy" }),
  // The 2024 OpenAPI spells the key "request.ip"; the current API and SDK use "request_ip". Both are read.
  condition: z.object({ request_ip: ipCondition.optional(), "request.ip": ipCondition.optional() }).nullable().optional(),
  expires_on: timestamp.nullable().optional(),
  not_before: timestamp.nullable().optional(),
  // "expired" is derived from expires_on, never stored: sent back (e.g. echoed from a read), it changes nothing.
  status: z.enum(["active", "disabled", "expired"], { error: "status must be active or disabled" }).optional(),
});

type TokenBody = z.infer<typeof body>;

export interface TokenRequestContext {
  readonly owner: TokenOwner;
  readonly catalog: PermissionCatalog;
  readonly inventory: Inventory;
  /** What PUT keeps when the body leaves status out. */
  readonly currentStatus?: StoredStatus;
}

export function parseTokenRequest(input: unknown, context: TokenRequestContext): TokenSpec {
  const parsed = body.safeParse(input);
  if (!parsed.success)
    throw refuse.invalidRequest(
      parsed.error.issues.map((i) => (i.path.length ? `${i.path.join(".")}: ${i.message}` : i.message)).join("; "),
    );
  const request = parsed.data;
  const policies = request.policies.map((policy, index) => toPolicy(policy, index, context));
  const condition = request.condition?.request_ip ?? request.condition?.["request.ip"] ?? {};
  const notBefore = request.not_before ? new Date(request.not_before) : null;
  const expiresOn = request.expires_on ? new Date(request.expires_on) : null;
  if (notBefore && expiresOn && notBefore.getTime() >= expiresOn.getTime()) {
    throw refuse.invalidRequest("not_before must be earlier than expires_on");
  }
  return {
    name: request.name,
    policies,
    notBefore,
    expiresOn,
    condition: { in: condition.in ?? [], notIn: condition.not_in ?? [] },
    status: request.status === undefined || request.status === "expired" ? (context.currentStatus ?? "active") : request.status,
  };
}

function toPolicy(policy: TokenBody["policies"][number], index: number, context: TokenRequestContext): TokenPolicy {
  const where = `policies.${index}`;
  const unknownIds = policy.permission_groups.map((g) => g.id).filter((id) => !context.catalog.findById(id));
  if (unknownIds.length > 0) {
    const list =
      context.owner.kind === "account" ? "GET /accounts/{account_id}/tokens/permission_groups" : "GET /user/tokens/permission_groups";
    throw refuse.invalidRequest(`${where}: unknown permission group id(s) ${unknownIds.join(", ")}. Fix: use IDs listed by ${list}`);
  }
  const groups = policy.permission_groups.map((g) => context.catalog.findById(g.id)!);
  const userGroups = groups.filter((g) => g.scope === SCOPES.user);
  if (context.owner.kind === "account" && userGroups.length > 0) {
    throw refuse.invalidRequest(
      `${where}: account-owned tokens cannot carry user-scope permission groups: ${userGroups.map(describeGroup).join(", ")}. Fix: remove them, or create a user-owned token (POST /user/tokens)`,
    );
  }
  return {
    id: randomBytes(16).toString("hex"),
    effect: policy.effect,
    permissionGroupIds: [...new Set(groups.map((g) => g.id))],
    resources: checkResources(policy.resources, where, context),
  };
}

function checkResources(
  resources: Record<string, string | Record<string, string>>,
  where: string,
  context: TokenRequestContext,
): PolicyResources {
  const beyondOwner: string[] = [];
  for (const [key, value] of Object.entries(resources)) {
    const parsed = parseResourceKey(key);
    const nested = typeof value === "object" ? Object.entries(value) : [];
    const wellFormed =
      parsed !== undefined &&
      (value === "*" ||
        (parsed.kind === "account" && nested.length > 0 && nested.every(([k, v]) => parseResourceKey(k)?.kind === "zone" && v === "*")));
    if (!wellFormed) {
      throw refuse.invalidRequest(
        `${where}.resources: "${key}" is not a resource this API accepts. Fix: use com.cloudflare.api.account.<id>, com.cloudflare.api.account.zone.<id>, com.cloudflare.api.user.<id> (value "*"), or an account key whose value is {"com.cloudflare.api.account.zone.*": "*"}`,
      );
    }
    beyondOwner.push(...outsideOwner(key, context), ...nested.flatMap(([zoneKey]) => outsideOwner(zoneKey, context)));
  }
  if (beyondOwner.length > 0) {
    const owner = context.owner.kind === "account" ? `account ${context.owner.accountId}` : `user ${context.inventory.user.id}`;
    throw refuse.unauthorized(
      `${where}.resources grant more than ${owner} has: ${beyondOwner.join(", ")}. Fix: name only that owner's accounts, zones and user`,
    );
  }
  return resources as PolicyResources;
}

/** The resource key, described, when its owner cannot reach it; nothing when it can. */
function outsideOwner(key: string, context: TokenRequestContext): string[] {
  const parsed = parseResourceKey(key)!;
  const { owner, inventory } = context;
  const reachesAccount = (accountId: string) =>
    owner.kind === "user" ? inventory.isUserMemberOf(accountId) : owner.accountId === accountId;
  switch (parsed.kind) {
    case "user":
      return owner.kind === "user" && owner.userId === parsed.userId ? [] : [`user ${parsed.userId}`];
    case "account":
      return parsed.accountId === "*" || reachesAccount(parsed.accountId) ? [] : [`account ${parsed.accountId}`];
    case "zone": {
      if (parsed.zoneId === "*") return [];
      const zone = inventory.zone(parsed.zoneId);
      return zone && reachesAccount(zone.account_id) ? [] : [`zone ${parsed.zoneId}`];
    }
  }
}
