import { createHash, randomBytes, randomInt } from "node:crypto";
import { SANDBOX_TOKEN_PREFIX, TOKEN_CHECKSUM_LENGTH, TOKEN_PREFIXES } from "../../cloudflare/token-format";
import type { Behaviours } from "../behaviours";
import type { TokenOwner } from "./token";

/** Recognisable in any log or leak scan; CFCT_SANDBOX_TOKEN_PREFIX overrides it (tests use a canary). */
export const DEFAULT_TOKEN_PREFIX = SANDBOX_TOKEN_PREFIX;

// Cloudflare's values are 40 characters of [A-Za-z0-9_-]; ours add the prefix and stay within the API's 40–80.
const RANDOM_CHARACTERS = 40;
const PREFIX_PATTERN = /^[A-Za-z0-9_-]{0,40}$/;
const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

export function checkTokenPrefix(prefix: string): string {
  if (!PREFIX_PATTERN.test(prefix)) {
    throw new RangeError(
      `token prefix "${prefix}" is not usable. Fix: use at most 40 characters of A-Z, a-z, 0-9, "_" and "-" (CFCT_SANDBOX_TOKEN_PREFIX)`,
    );
  }
  return prefix;
}

/**
 * A new value. `sandbox` (the default): the prefix + 40 random base64url characters, so a sandbox
 * value never looks like Cloudflare's. `cloudflare`: Cloudflare's scannable shape, `cfut_` for a user
 * token, `cfat_` for an account token, + 40 alphanumerics + an 8-hex checksum (the custom prefix does
 * not apply: the shape is the point). Cloudflare publishes neither the checksum's algorithm nor its
 * input; nothing checks it, so the sandbox fills it from a SHA-256 of the rest.
 */
export function newTokenValue(prefix: string, format: Behaviours["tokenValueFormat"], owner: TokenOwner["kind"]): string {
  if (format === "sandbox") return prefix + randomBytes((RANDOM_CHARACTERS * 3) / 4).toString("base64url");
  const body =
    (owner === "user" ? TOKEN_PREFIXES.user : TOKEN_PREFIXES.account) +
    Array.from({ length: RANDOM_CHARACTERS }, () => ALPHANUMERIC[randomInt(ALPHANUMERIC.length)]).join("");
  return body + createHash("sha256").update(body).digest("hex").slice(0, TOKEN_CHECKSUM_LENGTH);
}

/** Only this hash is stored, so nothing the sandbox keeps or prints can reveal a value. */
export function hashTokenValue(value: string): string {
  return createHash("sha256").update(value).digest("hex");
}
