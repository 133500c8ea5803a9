import { findKnownGroup, unknownGroupMessage } from "../cloudflare/permission-groups";
import { type PermissionGroupRef } from "../domain/permission-group";

/** Who owns the token Cloudflare issues: a user (My Profile > API Tokens) or one account (Manage Account > Account API Tokens). */
export type TokenOwnerKind = "user" | "account";

export interface PlatformProfile {
  /** One sentence: what this profile grants and why. */
  readonly description: string;
  /** Permission groups, each identified by (name, scope): names alone are ambiguous. */
  readonly groups: readonly PermissionGroupRef[];
}

/** A field the platform's UI asks for when the token is registered by hand. */
export interface HandoffField {
  readonly label: string;
  /** Where the value comes from; `token` is the secret and only ever goes to a 0600 hand-off sheet or a registrar. */
  readonly source: "token" | "apiBaseUrl" | "accountId" | "connectorName" | "expiresOn";
  readonly hint?: string;
}

export interface PlatformHandoff {
  /** Where in the platform's UI the values go, step by step (from the platform's own guide). */
  readonly steps: readonly string[];
  readonly fields: readonly HandoffField[];
}

export interface PlatformDefinition {
  /** Catalog key used in stack config (`platform: drata`). */
  readonly key: string;
  readonly displayName: string;
  readonly owner: TokenOwnerKind;
  /** Account-owned tokens belong to one account, so such platforms get one token per account. */
  readonly tokenPerAccount: boolean;
  readonly verifyRoute: "/user/tokens/verify" | "/accounts/{account_id}/tokens/verify";
  readonly defaultProfile: string;
  readonly profiles: Readonly<Record<string, PlatformProfile>>;
  readonly handoff: PlatformHandoff;
  /** The documented source of every fact above. */
  readonly source: { readonly seed?: string; readonly url: string };
}

type PlatformInput = Omit<PlatformDefinition, "tokenPerAccount" | "verifyRoute">;

/**
 * Derives what follows from the owner kind, so an entry cannot contradict itself, and refuses a
 * profile naming a group Cloudflare's list does not have (it would fail at deploy on real Cloudflare).
 */
export function definePlatform(input: PlatformInput): PlatformDefinition {
  if (!(input.defaultProfile in input.profiles)) {
    throw new Error(`platform ${input.key}: defaultProfile "${input.defaultProfile}" is not one of its profiles`);
  }
  const unknown = Object.entries(input.profiles).flatMap(([profile, def]) =>
    def.groups
      .filter((group) => !findKnownGroup(group))
      .map((group) => `platform ${input.key}, profile ${profile}: ${unknownGroupMessage(group)}`),
  );
  if (unknown.length > 0) throw new Error(unknown.join("\n"));
  return {
    ...input,
    tokenPerAccount: input.owner === "account",
    verifyRoute: input.owner === "account" ? "/accounts/{account_id}/tokens/verify" : "/user/tokens/verify",
  };
}
