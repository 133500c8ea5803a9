import { rfc3339 } from "../clock";
import { effectiveStatus } from "../authz/token-validity";
import type { PermissionCatalog } from "../permission-catalog";
import type { SandboxToken } from "./token";

/**
 * A token as GET /user/tokens/{id} returns it (iam_token plus `last_used_on`, which the current
 * API documents). Permission groups are sorted by ID; resources keep the order they were sent in,
 * so a provider that compares them with its own JSON sees no false difference.
 */
export function tokenView(token: SandboxToken, catalog: PermissionCatalog, now: Date) {
  const condition =
    token.condition.in.length + token.condition.notIn.length > 0
      ? { request_ip: { ...(token.condition.in.length ? { in: token.condition.in } : {}), ...(token.condition.notIn.length ? { not_in: token.condition.notIn } : {}) } }
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
    policies: token.policies.map((policy) => ({
      id: policy.id,
      effect: policy.effect,
      resources: policy.resources,
      permission_groups: [...policy.permissionGroupIds]
        .sort()
        .map((id) => ({ id, name: catalog.findById(id)?.name ?? id })),
    })),
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
