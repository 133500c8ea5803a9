/**
 * A request path safe to echo in an error or a log line: segments longer than any Cloudflare ID
 * (32 characters) become "[redacted]", so a token value pasted into a URL goes no further.
 */
export function redactPath(path: string): string {
  return path
    .split("/")
    .map((segment) => (segment.length > 32 ? "[redacted]" : segment))
    .join("/");
}
