import { createHash, randomBytes } from "node:crypto";

/** Recognisable in any log or leak scan; CFCT_SANDBOX_TOKEN_PREFIX overrides it (tests use a canary). */
export const DEFAULT_TOKEN_PREFIX = "cfsbx_";

// Cloudflare's values are 40 characters of [A-Za-z0-9_-]; ours add the prefix and stay within the API's 40–80.
const RANDOM_CHARACTERS = 40;
const PREFIX_PATTERN = /^[A-Za-z0-9_-]{0,40}$/;

export function checkTokenPrefix(prefix: string): string {
  if (!PREFIX_PATTERN.test(prefix)) {
    throw new RangeError(
      `token prefix "${prefix}" is not usable. Fix: use at most 40 characters of A-Z, a-z, 0-9, "_" and "-" (CFCT_SANDBOX_TOKEN_PREFIX)`,
    );
  }
  return prefix;
}

export function newTokenValue(prefix: string): string {
  // base64url of 30 random bytes is exactly 40 characters.
  return prefix + randomBytes((RANDOM_CHARACTERS * 3) / 4).toString("base64url");
}

/** Only this hash is stored, so nothing the sandbox keeps or prints can reveal a value. */
export function hashTokenValue(value: string): string {
  return createHash("sha256").update(value).digest("hex");
}
