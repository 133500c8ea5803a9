import { type TokenOwner } from "../domain/owner";
import { TOKEN_RESOURCE_TYPES } from "../domain/resource-types";
import { exportedStackSchema } from "./stack-state";
import type { CleanedUpToken } from "./engine";

/** Finds and deletes Cloudflare tokens by name: how tokens created by a killed `pulumi up` are cleaned up. */
export interface OrphanTokens {
  /** The owner's tokens, narrowed by Cloudflare's name filter where it honours it (callers compare names). */
  list(owner: TokenOwner, name: string): Promise<readonly { readonly id: string; readonly name: string }[]>;
  remove(owner: TokenOwner, id: string): Promise<void>;
}

/** A token create that Pulumi started but never recorded the end of (the run was killed). */
export interface PendingTokenCreate {
  readonly urn: string;
  /** The token's planned name in Cloudflare, from the create's inputs. */
  readonly name: string;
  readonly owner: TokenOwner;
}

/** The token creates still pending in an exported stack state (`pulumi stack export`). */
export function pendingTokenCreates(state: unknown): { pending: PendingTokenCreate[]; knownIds: Set<string> } {
  const { deployment } = exportedStackSchema.parse(state);
  const tokenTypes: readonly string[] = Object.values(TOKEN_RESOURCE_TYPES);
  const pending = (deployment.pending_operations ?? [])
    .filter((operation) => operation.type === "creating" && tokenTypes.includes(operation.resource.type))
    .flatMap(({ resource }): PendingTokenCreate[] => {
      const name = resource.inputs?.["name"];
      const accountId = resource.inputs?.["accountId"];
      if (typeof name !== "string") return [];
      const owner: TokenOwner =
        resource.type === TOKEN_RESOURCE_TYPES.account && typeof accountId === "string" ? { kind: "account", accountId } : { kind: "user" };
      return [{ urn: resource.urn, name, owner }];
    });
  // An account token's resource ID is `<account id>/<token id>`.
  const knownIds = new Set(
    (deployment.resources ?? []).flatMap((r) => (r.id && tokenTypes.includes(r.type) ? [r.id.split("/").pop()!] : [])),
  );
  return { pending, knownIds };
}

/**
 * Deletes the Cloudflare tokens a killed run created but never recorded: same planned name, not a
 * token the state knows. They cannot be adopted — Cloudflare shows a token's value only in the
 * create response, which died with the run — and the next up creates them again.
 */
export async function deleteOrphans(
  pending: readonly PendingTokenCreate[],
  knownIds: ReadonlySet<string>,
  tokens: OrphanTokens,
): Promise<CleanedUpToken[]> {
  const deleted: CleanedUpToken[] = [];
  for (const create of pending) {
    for (const token of await tokens.list(create.owner, create.name)) {
      if (token.name !== create.name || knownIds.has(token.id)) continue;
      await tokens.remove(create.owner, token.id);
      deleted.push({ id: token.id, name: token.name, owner: create.owner });
    }
  }
  return deleted;
}
