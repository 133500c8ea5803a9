import { effectiveStatus } from "../authz/token-validity";
import type { Behaviours } from "../behaviours";
import type { PermissionCatalog } from "../permission-catalog";
import type { SandboxToken } from "./token";
import { rfc3339 } from "../../domain/time";

/**
 * Policies as a read gives them back. Under policyReadBackOrder "reordered" (the default), the
 * policies come back in another order (here: reversed) and each policy's groups sorted by ID, as
 * terraform-provider-cloudflare#7094 reports; "as-written" keeps the order they were sent in.
 * Resources keep their order either way.
 */
function readBackPolicies(token: SandboxToken, catalog: PermissionCatalog, order: Behaviours["policyReadBackOrder"]) {
  const policies = token.policies.map((policy) => ({
    id: policy.id,
    effect: policy.effect,
    resources: policy.resources,
    permission_groups: (order === "reordered" ? [...policy.permissionGroupIds].sort() : policy.permissionGroupIds).map((id) => ({
      id,
      name: catalog.findById(id)?.name ?? id,
    })),
  }));
  return order === "reordered" ? policies.reverse() : policies;
}

/** A token as GET /user/tokens/{id} returns it (iam_token plus `last_used_on`, which the current API documents). */
export function tokenView(token: SandboxToken, catalog: PermissionCatalog, now: Date, behaviours: Pick<Behaviours, "policyReadBackOrder">) {
  const condition =
    token.condition.in.length + token.condition.notIn.length > 0
      ? {
          request_ip: {
            ...(token.condition.in.length ? { in: token.condition.in } : {}),
            ...(token.condition.notIn.length ? { not_in: token.condition.notIn } : {}),
          },
        }
      : {};
  return {
    id: token.id,
    name: token.name,
    status: effectiveStatus(token, now),
    issued_on: rfc3339(token.issuedOn),
    modified_on: rfc3339(token.modifiedOn),
    ...(token.lastUsedOn ? { last_used_on: rfc3339(token.lastUsedOn) } : {}),
    ...(token.notBefore ? { not_before: rfc3339(token.notBefore) } : {}),
    ...(token.expiresOn ? { expires_on: rfc3339(token.expiresOn) } : {}),
    policies: readBackPolicies(token, catalog, behaviours.policyReadBackOrder),
    condition,
  };
}

/** GET …/tokens/verify: the token's own ID and status, and its validity window. */
export function verifyView(token: SandboxToken, now: Date) {
  return {
    id: token.id,
    status: effectiveStatus(token, now),
    ...(token.expiresOn ? { expires_on: rfc3339(token.expiresOn) } : {}),
    ...(token.notBefore ? { not_before: rfc3339(token.notBefore) } : {}),
  };
}
