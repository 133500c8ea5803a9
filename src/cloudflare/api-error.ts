import { APIConnectionError, APIConnectionTimeoutError, APIError } from "cloudflare";
import { parseRetryAfter, redact, remoteText } from "./http";
import { CfctError } from "../domain/cfct-error";

/**
 * How the client's errors are told apart: by HTTP status first (Cloudflare does not document its
 * error codes), with every secret the client knows scrubbed from their text.
 */

export type CloudflareErrorKind =
  | "unauthorized" // 401
  | "forbidden" // 403
  | "not_found" // 404
  | "rate_limited" // 429 after the bounded retries
  | "server" // 5xx after the bounded retries
  | "client" // any other 4xx
  | "redirect" // 3xx: the API never redirects, and we never follow one with a credential
  | "unreachable" // DNS, refused, TLS …
  | "timeout";

export interface ApiErrorDetail {
  readonly code: number;
  readonly message: string;
  /** On a 403: the denied endpoint's API documentation, which lists the roles and groups it accepts (changelog 2026-08-20). */
  readonly documentation_url?: string;
}

/** Cloudflare's documentation host: a documentation_url elsewhere is not shown (a wrong API base must not put links in cfct's output). */
const DOCUMENTATION_HOST = "developers.cloudflare.com";

export class CloudflareApiError extends CfctError {
  override name = "CloudflareApiError";
  constructor(
    readonly kind: CloudflareErrorKind,
    message: string,
    readonly status: number | undefined,
    /** `errors[]` of Cloudflare's envelope, when the response had one. */
    readonly errors: readonly ApiErrorDetail[],
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }

  /**
   * True when some `errors[].message`, or the error's own message, matches. There is deliberately no
   * way to ask for a code: Cloudflare's codes are undocumented and differ between reports (a missing
   * permission is 9109 or 10000), so callers decide on `kind` (the HTTP status) and the message.
   */
  mentions(pattern: RegExp): boolean {
    return this.errors.some((e) => pattern.test(e.message)) || pattern.test(this.message);
  }

  /** The first `documentation_url` of the answer that is an https link into Cloudflare's documentation. */
  override get docs(): string | undefined {
    for (const { documentation_url: link } of this.errors) {
      if (!link) continue;
      try {
        const url = new URL(link);
        if (url.protocol === "https:" && url.hostname === DOCUMENTATION_HOST) return url.href;
      } catch {
        // Not a URL: nothing to show.
      }
    }
    return undefined;
  }
}

/** " (Cloudflare's documentation of this endpoint, with the roles and groups it accepts: <url>)" when the answer named one. */
export function documentationHint(error: unknown): string {
  const link = error instanceof CloudflareApiError ? error.docs : undefined;
  return link ? ` (Cloudflare's documentation of this endpoint, with the roles and groups it accepts: ${link})` : "";
}

/** The SDK's retry-after-ms if given, else Retry-After; in seconds. */
export function retryAfterSeconds(headers: Headers | undefined): number | undefined {
  const ms = headers?.get("retry-after-ms");
  if (ms && !Number.isNaN(Number(ms))) return Number(ms) / 1000;
  const wait = parseRetryAfter(headers?.get("retry-after"), new Date());
  return wait === undefined ? undefined : wait / 1000;
}

function kindForStatus(status: number): CloudflareErrorKind {
  if (status === 401) return "unauthorized";
  if (status === 403) return "forbidden";
  if (status === 404) return "not_found";
  if (status === 429) return "rate_limited";
  if (status >= 500) return "server";
  if (status >= 300 && status < 400) return "redirect";
  return "client";
}

function envelopeErrors(body: unknown): ApiErrorDetail[] {
  const errors = (body as { errors?: unknown } | null | undefined)?.errors;
  if (!Array.isArray(errors)) return [];
  return errors.flatMap((e) => {
    if (!e || typeof e !== "object") return [];
    const link = (e as { documentation_url?: unknown }).documentation_url;
    return [
      {
        code: Number((e as { code?: unknown }).code ?? 0),
        message: String((e as { message?: unknown }).message ?? ""),
        ...(typeof link === "string" ? { documentation_url: link } : {}),
      },
    ];
  });
}

/** Any error of a request to `baseUrl` as a CloudflareApiError, its text scrubbed of `secrets`. */
export function classifyError(error: unknown, baseUrl: string, secrets: readonly (string | null)[]): CloudflareApiError {
  if (error instanceof CloudflareApiError) return error;
  if (error instanceof APIConnectionTimeoutError)
    return new CloudflareApiError("timeout", `no answer from ${baseUrl} in time`, undefined, []);
  if (error instanceof APIConnectionError) {
    const cause = (error as { cause?: { cause?: { code?: string; message?: string }; message?: string } }).cause;
    const reason = cause?.cause?.code ?? cause?.cause?.message ?? cause?.message ?? error.message;
    return new CloudflareApiError(
      "unreachable",
      redact(`cannot connect to ${baseUrl} (${unreachableBecause(reason, baseUrl)})`, secrets),
      undefined,
      [],
    );
  }
  if (error instanceof APIError && typeof error.status === "number") {
    // Cloudflare's words (or a proxy's pretending to be Cloudflare) are shown and recorded: made inert and short here.
    const errors = envelopeErrors(error.error).map((e) => ({ ...e, message: remoteText(e.message, secrets) }));
    const text =
      errors.length > 0
        ? remoteText(errors.map((e) => `${e.code} ${e.message}`).join("; "), [], 600)
        : remoteText(String(error.message), secrets, 300);
    return new CloudflareApiError(
      kindForStatus(error.status),
      `HTTP ${error.status}: ${text}`,
      error.status,
      errors,
      retryAfterSeconds(error.headers),
    );
  }
  const message = error instanceof Error ? error.message : String(error);
  return new CloudflareApiError("client", redact(message, secrets), undefined, []);
}

/**
 * What a connection failure's code means, and what to check: every message that says "cannot
 * connect" names the cause and the fix, whichever command it reaches.
 */
function unreachableBecause(reason: string, baseUrl: string): string {
  let host = baseUrl;
  try {
    host = new URL(baseUrl).host;
  } catch {
    // Not a URL: the base itself is named.
  }
  switch (reason) {
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return `${reason}: the host name ${host} does not resolve; check the API base URL (--api-base, CLOUDFLARE_BASE_URL) and this machine's DNS and network access`;
    case "ECONNREFUSED":
      return `${reason}: nothing listens at ${host}; check the API base URL, or start the service (a sandbox: \`cfct sandbox\`)`;
    case "ECONNRESET":
    case "ETIMEDOUT":
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return `${reason}: the network path to ${host} failed; check proxy, firewall and network, then retry`;
    default:
      return reason;
  }
}
