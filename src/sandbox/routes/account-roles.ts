import { hexId } from "../fixture/ids";

/**
 * Account roles as member and membership listings show them. The sandbox does not enforce roles:
 * every accepted membership lets the user grant anything on that account (see FIDELITY.md).
 */

const AREAS = [
  "analytics",
  "billing",
  "cache_purge",
  "dns",
  "dns_records",
  "lb",
  "logs",
  "organization",
  "ssl",
  "waf",
  "zone_settings",
  "zones",
] as const;

const DESCRIPTIONS: Readonly<Record<string, { readonly description: string; readonly canEdit: boolean }>> = {
  "Super Administrator - All Privileges": {
    description:
      "Can edit any Cloudflare setting, make purchases, update billing, and manage memberships. Super Administrators can revoke the access of other Super Administrators.",
    canEdit: true,
  },
  Administrator: { description: "Can access the full account, except for membership management and billing.", canEdit: true },
  "Administrator Read Only": { description: "Can access the full account in read-only mode.", canEdit: false },
  "Audit Logs Viewer": { description: "Can view Audit Logs.", canEdit: false },
};

function roleTraits(name: string) {
  return DESCRIPTIONS[name] ?? { description: `${name} (custom role)`, canEdit: false };
}

/** iam_role: {id, name, description, permissions: ["#zones:read", …]}. */
export function roleView(name: string) {
  const { description, canEdit } = roleTraits(name);
  return {
    id: hexId(`role:${name}`),
    name,
    description,
    permissions: AREAS.flatMap((area) => (canEdit ? [`#${area}:read`, `#${area}:edit`] : [`#${area}:read`])),
  };
}

/** iam_permissions of a membership: what its roles allow, per area. */
export function membershipPermissions(roles: readonly string[]) {
  const canEdit = roles.some((role) => roleTraits(role).canEdit);
  return Object.fromEntries(AREAS.map((area) => [area, { read: true, write: canEdit }]));
}
