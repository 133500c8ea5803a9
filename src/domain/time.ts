/** One day in milliseconds: TTLs, "due within N days" and idle periods all count whole days. */
export const DAY_MS = 86_400_000;

/** RFC 3339 without fractional seconds, the form Cloudflare returns for expires_on. */
export function rfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}
