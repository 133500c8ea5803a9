import { KNOWN_PERMISSION_GROUPS, unknownGroupMessage } from "../cloudflare/permission-groups";
import { hexId } from "./fixture/ids";
import { SCOPES, groupKey, type PermissionGroupRef } from "../domain/permission-group";

export interface SandboxPermissionGroup extends PermissionGroupRef {
  /** Sandbox-only ID: never Cloudflare's, so nothing can come to depend on production IDs. */
  readonly id: string;
}

/** First 32 hex of sha256("cfct-sandbox:<scope>:<name>"): stable, and recognisably not a production ID. */
export function sandboxGroupId(group: PermissionGroupRef): string {
  return hexId(`cfct-sandbox:${group.scope}:${group.name}`);
}

/**
 * Every group the sandbox offers: exactly the project's catalog, which is Cloudflare's own list, so a
 * name the real API would not resolve fails in rehearsal too. (A test keeps every group the
 * endpoint table names inside it.)
 *
 * Cloudflare renames groups over time, keeping their IDs. `rename` models that: the API's lists and
 * token views show the new name, while `find`/`require` keep answering the catalog names the
 * sandbox's own tables (endpoint table, fixture) are written in, so what a group grants is unchanged.
 */
export class PermissionCatalog {
  groups: readonly SandboxPermissionGroup[];
  private byId: ReadonlyMap<string, SandboxPermissionGroup>;
  private readonly byKey: ReadonlyMap<string, SandboxPermissionGroup>;

  constructor() {
    const byKey = new Map<string, SandboxPermissionGroup>();
    for (const group of KNOWN_PERMISSION_GROUPS) {
      byKey.set(groupKey(group), { id: sandboxGroupId(group), name: group.name, scope: group.scope });
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
    if (!found) throw new Error(unknownGroupMessage(group));
    return found;
  }

  /** Renames the group currently offered as `from` in `scope`; the renamed group, or undefined when there is none. */
  rename(scope: string, from: string, to: string): SandboxPermissionGroup | undefined {
    const group = this.groups.find((g) => g.scope === scope && g.name === from);
    if (!group) return undefined;
    const renamed = { ...group, name: to };
    this.groups = this.groups.map((g) => (g === group ? renamed : g));
    this.byId = new Map(this.groups.map((g) => [g.id, g]));
    return renamed;
  }

  /** Account-owned tokens cannot carry user-scope groups, so their list leaves them out. */
  listFor(owner: "user" | "account"): readonly SandboxPermissionGroup[] {
    return owner === "user" ? this.groups : this.groups.filter((g) => g.scope !== SCOPES.user);
  }
}
