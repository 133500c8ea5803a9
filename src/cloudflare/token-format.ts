/**
 * What a credential's value says about itself. Cloudflare's "API token formats" page (and its
 * changelog of 2026-04-10, "API tokens now detectable by secret scanning tools"): new values are a
 * prefix (`cfut_` user API token, `cfat_` account API token, `cfk_` Global API Key) + 40 characters +
 * a checksum; older values are unprefixed (tokens: 40 alphanumerics; Global API Key: 37–45 lowercase
 * hex) and keep working. The checksum's width (8 lowercase hex) is third-party (trufflehog's rule);
 * Cloudflare's DLP changelog of 2026-04-14 calls it a CRC32. Nothing here checks a checksum: the
 * shape only tells an owner kind, and whether a typed string may be a secret.
 */

export const TOKEN_PREFIXES = { user: "cfut_", account: "cfat_", globalKey: "cfk_" } as const;

/** The sandbox's own values (`cfsbx_` + 40 base64url characters), so a sandbox value never looks like Cloudflare's. */
export const SANDBOX_TOKEN_PREFIX = "cfsbx_";

const CHECKSUM_LENGTH = 8;
const PREFIXED = /^(cfut_|cfat_|cfk_)[A-Za-z0-9]{40}[0-9a-f]{8}$/;
const SANDBOX = /^cfsbx_[A-Za-z0-9_-]{40}$/;
const UNPREFIXED_TOKEN = /^[A-Za-z0-9_-]{40}$/;
const UNPREFIXED_GLOBAL_KEY = /^[0-9a-f]{37,45}$/;

export type TokenShape =
  | { readonly kind: "user-token" }
  | { readonly kind: "account-token" }
  | { readonly kind: "global-key" }
  | { readonly kind: "sandbox" }
  | { readonly kind: "unprefixed" }
  | { readonly kind: "unknown" };

/** The owner kind (or key) a value's prefix declares; `unprefixed` and `sandbox` declare none. */
export function tokenShape(value: string): TokenShape {
  const prefixed = PREFIXED.exec(value)?.[1];
  if (prefixed === TOKEN_PREFIXES.user) return { kind: "user-token" };
  if (prefixed === TOKEN_PREFIXES.account) return { kind: "account-token" };
  if (prefixed === TOKEN_PREFIXES.globalKey) return { kind: "global-key" };
  if (SANDBOX.test(value)) return { kind: "sandbox" };
  if (UNPREFIXED_GLOBAL_KEY.test(value)) return { kind: "global-key" };
  if (UNPREFIXED_TOKEN.test(value)) return { kind: "unprefixed" };
  return { kind: "unknown" };
}

/**
 * Could this typed string be a credential (any of the three shapes: Cloudflare's prefixed values,
 * older unprefixed ones, the sandbox's)? Used before echoing anything a user typed. A prefix with a
 * truncated or padded body still counts: a value pasted with a character missing is still a secret.
 */
export function looksLikeCredential(text: string): boolean {
  const value = text.trim();
  if (tokenShape(value).kind !== "unknown") return true;
  if (/^(cfut_|cfat_|cfk_|cfsbx_)[A-Za-z0-9_-]{20,}/.test(value)) return true;
  // An unprefixed token of 40 characters is indistinguishable from a long name: only mixed letters and digits count.
  return /^[A-Za-z0-9_-]{36,}$/.test(value) && /[0-9]/.test(value) && /[A-Za-z]/.test(value);
}

// In running text: a prefixed value (even cut short), or an unprefixed 40-character one mixing cases and digits (a git SHA is lowercase hex).
const PREFIXED_IN_TEXT = /(?:cfut_|cfat_|cfk_|cfsbx_)[A-Za-z0-9_-]{20,}/g;
const UNPREFIXED_IN_TEXT =
  /(?<![A-Za-z0-9_-])(?=[A-Za-z0-9_-]*[A-Z])(?=[A-Za-z0-9_-]*[a-z])(?=[A-Za-z0-9_-]*[0-9])[A-Za-z0-9_-]{40}(?![A-Za-z0-9_-])/g;

/**
 * Replaces every substring shaped like an API token (Cloudflare's prefixed values, older unprefixed
 * ones, the sandbox's) with "(not shown)". The last net under messages that echo what a user typed:
 * values cfct knows are redacted by value (cloudflare/http.ts); this catches a value it was never told.
 */
export function withoutCredentials(text: string): string {
  return text.replace(PREFIXED_IN_TEXT, "(not shown)").replace(UNPREFIXED_IN_TEXT, "(not shown)");
}

/** The checksum's width, for generating values of Cloudflare's shape (the sandbox). */
export const TOKEN_CHECKSUM_LENGTH = CHECKSUM_LENGTH;
