import { CLOUDFLARE_API_BASE, CloudflareApiError, type CloudflareClient } from "../cloudflare/client";
import { isLoopbackHost } from "../cloudflare/http";
import { HEX32 } from "../domain/ids";
import type { VerifyMemo } from "./memo";
import type { Check } from "./types";

/**
 * Check 1, the ASCERA guide's "Invalid endpoint URL" row. Runs before the token goes anywhere:
 * first a static look at the URL (no request at all), then ONE request without any credential. Only
 * a base URL that answers like Cloudflare's v4 API is ever sent the token.
 */

const ID = "endpoint";
const CLOUDFLARE_HOST = new URL(CLOUDFLARE_API_BASE).hostname;

export const ENDPOINT_REMEDY = `Use exactly ${CLOUDFLARE_API_BASE} as the base URL (the platform's Base Endpoint URL field, and --api-base).`;
const ACCOUNT_ID_REMEDY = `Use exactly ${CLOUDFLARE_API_BASE} as the base URL: the Account ID goes into the lookup list's Accounts field, not the base URL (ASCERA: Lists > Lookup Lists > Configure > Input Configuration).`;

export interface EndpointResult {
  readonly check: Check;
  /** False: do not send the token to this base URL. */
  readonly usable: boolean;
}

const fail = (detail: string, remedy = ENDPOINT_REMEDY): EndpointResult => ({
  check: { id: ID, status: "fail", detail, remedy },
  usable: false,
});

/** Problems visible in the URL itself. Returns undefined when the URL may be probed. */
export function inspectBaseUrl(raw: string, accounts: readonly string[] = []): EndpointResult | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return fail(`"${raw}" is not an absolute URL`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:")
    return fail(`${url.protocol} is not a web protocol; the API is served over https`);
  if (url.username || url.password)
    return fail("the base URL carries credentials (user:password@); the token goes in the Authorization header, never in the URL");
  if (url.search || url.hash)
    return fail(
      `the base URL carries ${url.search ? `a query (${url.search})` : `a fragment (${url.hash})`}; a base URL ends at /client/v4`,
    );
  if (url.protocol === "http:" && !isLoopbackHost(url.hostname)) {
    return fail(`http://${url.host} would send the token unencrypted; only a local sandbox may use plain http`);
  }

  const segments = url.pathname.split("/").filter(Boolean);
  // An ID in any case: a pasted upper-case account ID is still one.
  const idSegment = segments.find((s) => HEX32.test(s.toLowerCase()));
  if (idSegment || segments.includes("accounts")) {
    const chosen = idSegment && accounts.includes(idSegment.toLowerCase()) ? " (one of the accounts you chose)" : "";
    const what = idSegment ? `an Account ID (${idSegment}${chosen})` : "an /accounts/ path";
    return fail(
      `the base URL ${redactPath(url)} contains ${what}; routes add it themselves, so every call would go to a wrong path`,
      ACCOUNT_ID_REMEDY,
    );
  }
  const versionAt = segments.findIndex((s, i) => segments[i - 1] === "client" && /^v\d+$/i.test(s));
  if (versionAt >= 0 && segments[versionAt]!.toLowerCase() !== "v4") {
    return fail(`the base URL ${redactPath(url)} names API version ${segments[versionAt]}; Cloudflare's API is /client/v4`);
  }
  if (versionAt >= 0 && versionAt < segments.length - 1) {
    return fail(
      `the base URL ${redactPath(url)} continues after /client/v4 (/${segments.slice(versionAt + 1).join("/")}); a base URL ends at /client/v4`,
    );
  }
  if (url.hostname === CLOUDFLARE_HOST && versionAt < 0) {
    return fail(`${redactPath(url)} has no /client/v4 path; Cloudflare's API lives under it`);
  }
  return undefined;
}

function redactPath(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

function isEnvelope(json: unknown): json is { success: boolean; errors: unknown[] } {
  return (
    !!json &&
    typeof json === "object" &&
    typeof (json as { success?: unknown }).success === "boolean" &&
    Array.isArray((json as { errors?: unknown }).errors)
  );
}

function errorCodes(json: { errors: unknown[] }): number[] {
  return json.errors.map((e) => Number((e as { code?: unknown })?.code)).filter((n) => !Number.isNaN(n));
}

/** "No route for the URI" / "Could not route to …": the message says it, whatever the code. */
function saysNoRoute(json: { errors: unknown[] }): boolean {
  return json.errors.some((e) => /no route|could not route/i.test(String((e as { message?: unknown })?.message ?? "")));
}

/**
 * Static inspection, then `GET <base>/user/tokens/verify` with no credential: Cloudflare answers
 * that with its JSON envelope (`success:false`, HTTP 400/401/403). Anything else is not the API.
 * With a memo, the request is made once per command and base URL; the static inspection, which
 * costs nothing, still runs for every token.
 */
export async function checkEndpoint(
  baseUrl: string,
  anonymous: CloudflareClient,
  accounts: readonly string[],
  memo?: VerifyMemo,
): Promise<EndpointResult> {
  const staticProblem = inspectBaseUrl(baseUrl, accounts);
  if (staticProblem) return staticProblem;
  if (!memo) return probeEndpoint(anonymous);
  const { answer, reused } = await memo.once(
    `endpoint ${anonymous.baseUrl}`,
    () => probeEndpoint(anonymous),
    (result) => result.usable,
  );
  return reused ? { ...answer, check: { ...answer.check, detail: `${answer.check.detail} (probed once for this command)` } } : answer;
}

async function probeEndpoint(anonymous: CloudflareClient): Promise<EndpointResult> {
  const shown = anonymous.baseUrl;
  let response;
  try {
    response = await anonymous.rawGet("/user/tokens/verify");
  } catch (error) {
    const reason = error instanceof CloudflareApiError ? error.message : String(error);
    return fail(`${reason}. The token was not sent`, `Check the host name, DNS, proxy and firewall, then retry. ${ENDPOINT_REMEDY}`);
  }
  const { status } = response;
  if (status >= 300 && status < 400) {
    return fail(
      `${shown} redirects (HTTP ${status}${response.location ? ` to ${response.location}` : ""}); the API never redirects, so the token was not sent`,
    );
  }
  if (response.json === undefined) {
    const sample = (response.text ?? "").replace(/\s+/g, " ").trim().slice(0, 60);
    return fail(
      `${shown} answers (HTTP ${status}) but not like an API: the body is not JSON${sample ? ` ("${sample}…")` : ""}. The token was not sent`,
    );
  }
  if (!isEnvelope(response.json)) {
    return fail(`${shown} answers JSON (HTTP ${status}) without Cloudflare's envelope (success, errors, result). The token was not sent`);
  }
  const codes = errorCodes(response.json);
  // Status and message decide, never a code alone (Cloudflare does not document its codes).
  if (status === 404 || (status === 400 && saysNoRoute(response.json))) {
    return fail(
      `${shown}/user/tokens/verify is not a route there (HTTP ${status}${codes.length ? `, code ${codes.join(",")}` : ""}): the path of the base URL is wrong. The token was not sent`,
    );
  }
  if (response.json.success) {
    return fail(`${shown} accepted a token check without any credential; Cloudflare's API never does. The token was not sent`);
  }
  if (status >= 500) {
    return fail(
      `${shown} answers with HTTP ${status} (a server error) even after retries. The token was not sent`,
      `Retry later; if it persists, check https://www.cloudflarestatus.com. ${ENDPOINT_REMEDY}`,
    );
  }
  const host = new URL(shown).hostname;
  const where = host === CLOUDFLARE_HOST ? "" : ` (not ${CLOUDFLARE_HOST}: a sandbox or proxy)`;
  return {
    check: {
      id: ID,
      status: "pass",
      detail: `${shown} answers like Cloudflare's v4 API${where}: HTTP ${status} envelope to a request without credential`,
    },
    usable: true,
  };
}
