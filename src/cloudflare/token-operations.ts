import type Cloudflare from "cloudflare";
import { type TokenOwner } from "../domain/owner";
import { CloudflareApiError } from "./api-error";

/** A token as Cloudflare reads it back: everything but its value. */
export type TokenDetails = Cloudflare.Token;

/** What a token is made of (name, policies, expiry, IP condition): the body of a create or an update. */
export type TokenBody = Cloudflare.User.TokenCreateParams;

/** A token just created: the only answer that carries its value. */
export type CreatedToken = Cloudflare.User.TokenCreateResponse;

/**
 * "compromised": a token Cloudflare deactivated because its value was found exposed. The dashboard
 * shows "Compromised" (cloudflare-docs#29724); the API's value is undocumented, so it is our assumption.
 */
export type TokenStatus = "active" | "disabled" | "expired" | "compromised";

export interface TokenVerifyResult {
  readonly id: string;
  readonly status: TokenStatus;
  readonly expires_on?: string;
  readonly not_before?: string;
}

export interface LivePermissionGroup {
  readonly id: string;
  readonly name: string;
  readonly scopes: readonly string[];
}

/** The token routes of a user (`/user/tokens`) or an account (`/accounts/{id}/tokens`), picked by the owner. */
export interface TokenOperations {
  /** What Cloudflare says of the client's own credential, asked at the owner's verify route. */
  verifyToken(owner: TokenOwner): Promise<TokenVerifyResult>;
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
    verifyToken(owner) {
      return call(async () => {
        const result =
          owner.kind === "account" ? await sdk.accounts.tokens.verify({ account_id: owner.accountId }) : await sdk.user.tokens.verify();
        if (!result || typeof result !== "object" || typeof (result as { status?: unknown }).status !== "string") {
          throw new CloudflareApiError("client", "the token verify route did not answer with a token status", 200, []);
        }
        return result as TokenVerifyResult;
      });
    },
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
