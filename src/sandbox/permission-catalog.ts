import { ENDPOINT_PERMISSIONS } from "../cloudflare/endpoint-permissions";
import { KNOWN_PERMISSION_GROUPS, SCOPES, describeGroup, groupKey, type PermissionGroupRef } from "../cloudflare/permission-groups";
import { hexId } from "./fixture/ids";

export interface SandboxPermissionGroup extends PermissionGroupRef {
  /** Sandbox-only ID: never Cloudflare's, so nothing can come to depend on production IDs. */
  readonly id: string;
}

/** First 32 hex of sha256("cfct-sandbox:<scope>:<name>"): stable, and recognisably not a production ID. */
export function sandboxGroupId(group: PermissionGroupRef): string {
  return hexId(`cfct-sandbox:${group.scope}:${group.name}`);
}

/**
 * Every group the sandbox offers: the groups Cloudflare's permission tables document, plus the
 * groups the OpenAPI names in `x-api-token-group` but the tables omit (e.g. "Account API Tokens
 * Write"), because tokens must be able to carry every group an endpoint accepts.
 */
export class PermissionCatalog {
  readonly groups: readonly SandboxPermissionGroup[];
  private readonly byId: ReadonlyMap<string, SandboxPermissionGroup>;
  private readonly byKey: ReadonlyMap<string, SandboxPermissionGroup>;

  constructor() {
    const byKey = new Map<string, SandboxPermissionGroup>();
    for (const group of [...KNOWN_PERMISSION_GROUPS, ...ENDPOINT_PERMISSIONS.flatMap((row) => row.groups)]) {
      const key = groupKey(group);
      if (!byKey.has(key)) byKey.set(key, { id: sandboxGroupId(group), name: group.name, scope: group.scope });
    }
    this.byKey = byKey;
    this.groups = [...byKey.values()];
    this.byId = new Map(this.groups.map((g) => [g.id, g]));
  }

  findById(id: string): SandboxPermissionGroup | undefined {
    return this.byId.get(id);
  }

  find(group: PermissionGroupRef): SandboxPermissionGroup | undefined {
    return this.byKey.get(groupKey(group));
  }

  /** The group or an error naming it and the fix. */
  require(group: PermissionGroupRef): SandboxPermissionGroup {
    const found = this.find(group);
    if (!found) throw new Error(`permission group ${describeGroup(group)} is not in the sandbox catalog. Fix: use a name and scope listed by GET /user/tokens/permission_groups`);
    return found;
  }

  /** Account-owned tokens cannot carry user-scope groups, so their list leaves them out. */
  listFor(owner: "user" | "account"): readonly SandboxPermissionGroup[] {
    return owner === "user" ? this.groups : this.groups.filter((g) => g.scope !== SCOPES.user);
  }
}
