/**
 * HTTP helpers shared by the Cloudflare client, verify and the registrars (webhook, Drata status).
 * Pure functions with no dependencies, so any layer can import them.
 */

/** Secrets shorter than this are not searched for: a one- to three-character "secret" would blank unrelated text. */
const SECRET_MIN_LENGTH = 4;

/** Replaces every occurrence of each secret (of 4+ characters) in `text` with `[redacted]`. */
export function redact(text: string, secrets: readonly (string | null | undefined)[]): string {
  let out = text;
  for (const secret of secrets) if (secret && secret.length >= SECRET_MIN_LENGTH) out = out.split(secret).join("[redacted]");
  return out;
}

/**
 * A Retry-After header in milliseconds: delta-seconds or an HTTP-date (RFC 9110 10.2.3), the date
 * measured from `now`. Undefined if absent or unreadable.
 */
export function parseRetryAfter(header: string | null | undefined, now: Date): number | undefined {
  const text = header?.trim();
  if (!text) return undefined;
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now.getTime());
}

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

/** localhost, 127.x.x.x or [::1] (a URL's hostname): the only hosts plain http may go to. */
export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK.test(hostname);
}
