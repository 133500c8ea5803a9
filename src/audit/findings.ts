import type { LivePermissionGroup, TokenDetails } from "../cloudflare/client";

import { isReadOnlyGroup } from "../cloudflare/permission-groups";
import { resourceAtoms } from "../verify/atoms";
import type { Check } from "../verify/types";
import type { Finding, TokenClass } from "../evidence/access-review";
import { DAY_MS } from "../domain/time";
import { SCOPES, type PermissionGroupRef, type Scope } from "../domain/permission-group";

/** Cloudflare's `last_used_on` older than this is a token nobody needs any more. */
export const UNUSED_AFTER_DAYS = 90;

/**
 * What the provisioner credential must hold to do its job (README "bootstrap"): not a finding on
 * the provisioner itself, and a finding anywhere else.
 */
const PROVISIONER_GROUPS = new Set(["API Tokens Write", "Account API Tokens Write"]);

export interface FindingInput {
  readonly token: TokenDetails;
  readonly class: TokenClass;
  /** The owner's permission groups, to name the token's group IDs. */
  readonly groups: readonly LivePermissionGroup[];
  readonly now: Date;
  /** For a managed token: exactness checks of the token against its plan (groups, resources, IP filter). */
  readonly planChecks?: readonly Check[];
}

/** The permission groups of a token by (name, scope), as the owner's group list names them. */
export function namedGroups(token: TokenDetails, groups: readonly LivePermissionGroup[]): PermissionGroupRef[] {
  const byId = new Map(groups.map((g) => [g.id, g]));
  const seen = new Map<string, PermissionGroupRef>();
  for (const policy of token.policies ?? []) {
    if (policy.effect === "deny") continue;
    for (const entry of policy.permission_groups ?? []) {
      const live = byId.get(entry.id);
      const name = live?.name ?? entry.name ?? entry.id;
      const scope = (live?.scopes[0] ?? SCOPES.account) as Scope;
      seen.set(`${name}|${scope}`, { name, scope });
    }
  }
  return [...seen.values()];
}

/** Severity rules of the access review: over-broad grants high, stale credentials medium, missing hardening low. */
export function findingsFor(input: FindingInput): Finding[] {
  const { token, now } = input;
  const findings: Finding[] = [];
  const writeGroups = namedGroups(token, input.groups).filter(
    (g) => !isReadOnlyGroup(g) && !(input.class === "provisioner" && PROVISIONER_GROUPS.has(g.name)),
  );
  if (writeGroups.length > 0) {
    findings.push({
      id: "write-access",
      severity: "high",
      detail: `grants non-read group(s) ${writeGroups.map((g) => `"${g.name}"`).join(", ")}`,
    });
  }
  const atoms = new Set(
    (token.policies ?? [])
      .filter((p) => p.effect !== "deny")
      .flatMap((p) => resourceAtoms(p.resources as Record<string, unknown>).map((a) => a.kind)),
  );
  if (atoms.has("all-accounts") || atoms.has("everything")) {
    findings.push({ id: "all-accounts", severity: "high", detail: "reaches every account the owner can (com.cloudflare.api.account.*)" });
  }
  if (atoms.has("all-zones")) {
    findings.push({ id: "all-zones", severity: "high", detail: "reaches every zone of every account (com.cloudflare.api.account.zone.*)" });
  }
  for (const check of input.planChecks ?? []) {
    if (check.status !== "pass")
      findings.push({
        id: "drift",
        severity: "high",
        detail: `differs from its plan (${check.id.replace("exactness:", "")}): ${check.detail}`,
      });
  }
  if (!token.expires_on) findings.push({ id: "no-expiry", severity: "medium", detail: "never expires" });
  const lastUse = token.last_used_on ? Date.parse(token.last_used_on) : undefined;
  const issued = token.issued_on ? Date.parse(token.issued_on) : undefined;
  const idleSince = lastUse ?? issued;
  if (idleSince !== undefined && now.getTime() - idleSince > UNUSED_AFTER_DAYS * DAY_MS) {
    findings.push({
      id: "unused",
      severity: "medium",
      detail:
        lastUse !== undefined
          ? `last used ${token.last_used_on}, more than ${UNUSED_AFTER_DAYS} days ago`
          : `never used since it was issued ${token.issued_on}, more than ${UNUSED_AFTER_DAYS} days ago`,
    });
  }
  if (token.status === "disabled")
    findings.push({ id: "disabled", severity: "medium", detail: "disabled but still present: delete it, or enable it if it is needed" });
  if (token.status === "expired" || (token.expires_on && Date.parse(token.expires_on) <= now.getTime())) {
    findings.push({ id: "expired", severity: "low", detail: `expired ${token.expires_on ?? ""} but still present: delete it`.trim() });
  }
  const ips = token.condition?.request_ip;
  if ((ips?.in?.length ?? 0) + (ips?.not_in?.length ?? 0) === 0)
    findings.push({ id: "no-ip-filter", severity: "low", detail: "no client-IP filter: the token works from any address" });
  return findings;
}
