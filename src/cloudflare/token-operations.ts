import type Cloudflare from "cloudflare";
import { type TokenOwner } from "../domain/owner";

/** A token as Cloudflare reads it back: everything but its value. */
export type TokenDetails = Cloudflare.Token;

/** What a token is made of (name, policies, expiry, IP condition): the body of a create or an update. */
export type TokenBody = Cloudflare.User.TokenCreateParams;

/** A token just created: the only answer that carries its value. */
export type CreatedToken = Cloudflare.User.TokenCreateResponse;

export interface LivePermissionGroup {
  readonly id: string;
  readonly name: string;
  readonly scopes: readonly string[];
}

/** The token routes of a user (`/user/tokens`) or an account (`/accounts/{id}/tokens`), picked by the owner. */
export interface TokenOperations {
  getToken(owner: TokenOwner, tokenId: string): Promise<TokenDetails>;
  /**
   * Every token of the owner (all pages), expired ones included; with `name`, Cloudflare's name
   * filter narrows the list where it is honoured. It may match more (or ignore it): callers compare names.
   */
  listTokens(owner: TokenOwner, filter?: { readonly name?: string }): Promise<TokenDetails[]>;
  createToken(owner: TokenOwner, body: TokenBody): Promise<CreatedToken>;
  /** Replaces the token's name, policies, expiry and condition; its value stays. */
  updateToken(owner: TokenOwner, tokenId: string, body: TokenBody): Promise<TokenDetails>;
  /** A token already gone is Cloudflare's 404, a `not_found` error: callers decide whether that is what they wanted. */
  deleteToken(owner: TokenOwner, tokenId: string): Promise<void>;
  permissionGroups(owner: TokenOwner): Promise<LivePermissionGroup[]>;
}

/** How the client sends: `call` classifies and scrubs errors, `allPages` reads a page-numbered list to its end. */
export interface ClientTransport {
  readonly sdk: Cloudflare;
  call<T>(run: () => PromiseLike<T>): Promise<T>;
  allPages<T>(path: string, query: Record<string, string>): Promise<T[]>;
}

/** The token operations over the client's transport, so each is paced, counted and classified like every other request. */
export function tokenOperations({ sdk, call, allPages }: ClientTransport): TokenOperations {
  return {
    getToken(owner, tokenId) {
      return call(() =>
        owner.kind === "account" ? sdk.accounts.tokens.get(tokenId, { account_id: owner.accountId }) : sdk.user.tokens.get(tokenId),
      );
    },
    listTokens(owner, filter) {
      // Without include_expired Cloudflare leaves expired tokens out (OpenAPI; the SDK's TokenListParams).
      // `name`: "API token search" (changelog 2026-06-25); the SDK has no parameter for it yet.
      return allPages<TokenDetails>(owner.kind === "account" ? `/accounts/${owner.accountId}/tokens` : "/user/tokens", {
        include_expired: "true",
        ...(filter?.name ? { name: filter.name } : {}),
      });
    },
    createToken(owner, body) {
      return call(() =>
        owner.kind === "account" ? sdk.accounts.tokens.create({ account_id: owner.accountId, ...body }) : sdk.user.tokens.create(body),
      );
    },
    updateToken(owner, tokenId, body) {
      return call(() =>
        owner.kind === "account"
          ? sdk.accounts.tokens.update(tokenId, { account_id: owner.accountId, ...body })
          : sdk.user.tokens.update(tokenId, body),
      );
    },
    async deleteToken(owner, tokenId) {
      await call(() =>
        owner.kind === "account" ? sdk.accounts.tokens.delete(tokenId, { account_id: owner.accountId }) : sdk.user.tokens.delete(tokenId),
      );
    },
    permissionGroups(owner) {
      return call(async () => {
        const page =
          owner.kind === "account"
            ? await sdk.accounts.tokens.permissionGroups.list({ account_id: owner.accountId })
            : await sdk.user.tokens.permissionGroups.list();
        return page
          .getPaginatedItems()
          .map((g) => ({ id: String(g.id), name: String(g.name), scopes: [...((g as { scopes?: string[] }).scopes ?? [])] }));
      });
    },
  };
}
