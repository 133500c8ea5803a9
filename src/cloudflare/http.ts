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

/** Terminal escape sequences: CSI (colours, cursor moves), OSC (titles, hyperlinks) and two-byte escapes. */
// eslint-disable-next-line no-control-regex
const ANSI_ESCAPE = /\u001b(?:\[[0-?]*[ -/]*[@-~]|\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|[@-Z\\-_])/g;
/** C0 and C1 controls, DEL, zero-width and bidirectional overrides: nothing a reader should get from a remote party. */
// eslint-disable-next-line no-control-regex
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g;
/** How much of a remote party's words cfct shows or records by default: enough to diagnose, never a dump. */
export const REMOTE_TEXT_MAX = 200;
/**
 * Characters that make Markdown or HTML markup (tags, emphasis, code spans, links and images, table
 * cells), each replaced by a look-alike that is plain text everywhere: the quote reads the same to a
 * person, and neither a terminal, an evidence Markdown file, a PR comment nor an HTML report can be
 * made to render it as anything but text. Replaced rather than escaped, so the stored words are
 * inert in every renderer, and records already written render (and hash-verify) as before.
 */
const MARKUP_LOOKALIKES: Readonly<Record<string, string>> = { "<": "‹", ">": "›", "*": "∗", "`": "ʹ", "[": "⁅", "]": "⁆", "|": "¦" };

/**
 * What a remote party said (a Cloudflare error message, a webhook's, Drata's or Datadog's reply),
 * made fit to show and record: secrets removed, terminal escapes and control characters stripped,
 * markup characters replaced by look-alikes (MARKUP_LOOKALIKES), whitespace on one line, at most
 * `max` characters. The one helper for text from outside, applied where a reply is read.
 */
export function remoteText(text: string, secrets: readonly (string | null | undefined)[] = [], max = REMOTE_TEXT_MAX): string {
  const plain = redact(text, secrets).replace(ANSI_ESCAPE, "").replace(/\s+/g, " ").replace(INVISIBLE, "");
  const flat = redact(plain, secrets)
    .replace(/\[redacted\]|[<>*`[\]|]/g, (c) => MARKUP_LOOKALIKES[c] ?? c)
    .trim();
  return flat.length > max ? `${flat.slice(0, max - 3)}...` : flat;
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
