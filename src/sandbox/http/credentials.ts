import { refuse } from "./refusals";

// RFC 6750 b64token: what may follow "Bearer ". Cloudflare rejects other shapes with 6003/6111.
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/;
// Cloudflare's token values are 40 characters; shorter bearer values (e.g. a 37-character global API key) are refused as malformed.
const MIN_TOKEN_LENGTH = 40;

export interface RequestHeaders {
  get(name: string): string | undefined | null;
}

/** The bearer value, or the refusal Cloudflare gives for a missing or malformed credential. */
export function bearerToken(headers: RequestHeaders): string {
  const authorization = headers.get("authorization");
  if (authorization === undefined || authorization === null || authorization === "") {
    if (headers.get("x-auth-key") || headers.get("x-auth-email")) throw refuse.apiKeyNotSupported();
    throw refuse.missingCredentials();
  }
  const value = BEARER.exec(authorization)?.[1];
  if (value === undefined || value.length < MIN_TOKEN_LENGTH) throw refuse.malformedAuthorization();
  return value;
}
