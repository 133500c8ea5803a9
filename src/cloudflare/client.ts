import Cloudflare, { APIError } from "cloudflare";
import { redact, remoteText } from "./http";
import { BudgetSpentError, RateBudget, REAL_CLOCK, type Permit } from "./pacing";
import { CloudflareApiError, classifyError, retryAfterSeconds, type ApiErrorDetail } from "./api-error";
import { tokenOperations, type TokenOperations } from "./token-operations";

export { CloudflareApiError, documentationHint, type ApiErrorDetail } from "./api-error";
export type { LivePermissionGroup, TokenBody, TokenDetails, TokenStatus, TokenVerifyResult } from "./token-operations";

/**
 * The runtime Cloudflare client: the official `cloudflare` SDK with five guarantees added, and the
 * only module that reaches the SDK (token routes in token-operations.ts, errors in api-error.ts).
 *  1. Every HTTP request actually sent is counted (retries included), so callers can report cost.
 *  2. A credential only ever travels to the configured base URL: relative paths only, no redirects
 *     followed, and no credential picked up from CLOUDFLARE_API_KEY/EMAIL or the like.
 *  3. Retries are bounded: the SDK retries 429/5xx/connection errors `maxRetries` times, honouring
 *     `retry-after`; a 429 asking for a longer wait than `maxRetryAfterSeconds` is not waited on but
 *     surfaced as `rate_limited` with its retry-after.
 *  4. Errors are `CloudflareApiError`s classified by HTTP status first (Cloudflare does not document
 *     its error codes), with every secret the client knows scrubbed from their text (api-error.ts).
 *  5. Requests are paced by the principal's budget (pacing.ts): a request is sent only when our own
 *     count, and what Cloudflare's headers say, leave room, so none is refused. A 429 blocks the
 *     principal until its `retry-after`. With `waitOutRefusals`, a 429 that still happens is waited
 *     out and sent again instead of surfacing (fleet runs).
 */

export const CLOUDFLARE_API_BASE = "https://api.cloudflare.com/client/v4";

/** waitOutRefusals gives up on a request Cloudflare refuses this often in a row: something else is spending the budget. */
const MAX_REFUSALS_IN_A_ROW = 5;
/** Marks the answer that stands for our own budget's refusal (never sent: it only ever comes from pacedFetch). */
const BUDGET_SPENT_HEADER = "x-cfct-budget-spent";

/** Counts HTTP requests; share one between clients to total a whole operation. */
export class ApiCallCounter {
  #total = 0;
  record(): void {
    this.#total += 1;
  }
  get total(): number {
    return this.#total;
  }
}

export interface ResultInfo {
  readonly page?: number;
  readonly per_page?: number;
  readonly count?: number;
  readonly total_count?: number;
  readonly total_pages?: number;
}

/** Cloudflare's response envelope. */
export interface ApiEnvelope<T> {
  readonly success: boolean;
  readonly errors: readonly ApiErrorDetail[];
  readonly messages: readonly ApiErrorDetail[];
  readonly result: T;
  readonly result_info?: ResultInfo;
}

/** An answer whose HTTP status is data (sandbox-parity records refusals as observations). */
export interface RawAnswer {
  readonly status: number;
  /** The parsed body. */
  readonly json?: unknown;
  readonly headers?: Headers;
}

/** What an unauthenticated request saw, for telling an API from something else. Never throws on HTTP status. */
export interface RawResponse {
  readonly status: number;
  /** The parsed body when it was JSON. */
  readonly json?: unknown;
  /** The body when it was not JSON (first 2 000 characters). */
  readonly text?: string;
  readonly location?: string;
}

export interface ZoneSummary {
  readonly id: string;
  readonly name: string;
  readonly accountId: string;
}

export interface ZonePage {
  readonly zones: readonly ZoneSummary[];
  readonly totalCount?: number;
  readonly totalPages?: number;
}

export interface ZoneQuery {
  readonly accountId?: string;
  readonly name?: string;
  readonly page?: number;
  /** 5..50, Cloudflare's limits; default 50. */
  readonly perPage?: number;
}

export type Query = Record<string, string | number | undefined>;

export interface CloudflareClientOptions {
  /** The bearer token; `null` sends no credential at all (used to probe an endpoint safely). */
  readonly apiToken: string | null;
  /** Default https://api.cloudflare.com/client/v4. */
  readonly baseUrl?: string;
  /** Retries per request for 429, 5xx and connection errors. Default 3. */
  readonly maxRetries?: number;
  /** A 429 asking to wait longer than this is surfaced, not waited on. Default 60. */
  readonly maxRetryAfterSeconds?: number;
  /** Per-request timeout. Default 30 000 ms. */
  readonly timeoutMs?: number;
  /** Share one counter between clients to total an operation's calls. */
  readonly counter?: ApiCallCounter;
  /** Other secrets to scrub from error text besides `apiToken`. */
  readonly secrets?: readonly string[];
  readonly fetch?: typeof globalThis.fetch;
  /** The credential's principal's budget, shared with every client that spends it; a budget of its own when absent. */
  readonly budget?: RateBudget;
  /**
   * Wait out 429s and send again (a fleet must not stop), as long as each wait is at most
   * `maxRefusalWaitSeconds` and a request is refused at most 5 times in a row. Default false: bounded retries.
   */
  readonly waitOutRefusals?: boolean;
  /** The longest wait for budget or after a 429 that waitOutRefusals accepts. Default 600: Cloudflare blocks for 5 minutes. */
  readonly maxRefusalWaitSeconds?: number;
}

export interface CloudflareClient extends TokenOperations {
  /** Normalised (no trailing slash). */
  readonly baseUrl: string;
  /** HTTP requests sent through the counter (all clients sharing it). */
  apiCalls(): number;
  /** Any error as this client's own: classified and scrubbed (a CloudflareApiError of this client passes through). */
  explain(error: unknown): CloudflareApiError;
  /** The text with every secret this client knows (its credential, `secrets`) scrubbed: for answers a caller records as they came. */
  scrub(text: string): string;
  /** GET a path relative to the base URL; the whole envelope. */
  get<T = unknown>(path: string, query?: Query): Promise<ApiEnvelope<T>>;
  /** One GET whose HTTP status is data, not an error (connection failures still throw). */
  rawGet(path: string): Promise<RawResponse>;
  /**
   * One request whose HTTP status is data, with the client's retries (connection failures still
   * throw, classified): for recording how an API answers, refusals included.
   */
  request(method: "GET" | "POST" | "PUT" | "DELETE", path: string, body?: unknown): Promise<RawAnswer>;
  /** Every item of a page-numbered list (50 a page, all pages). */
  allPages<T>(path: string, query?: Query): Promise<T[]>;
  zonesPage(query: ZoneQuery): Promise<ZonePage>;
  /** Every zone of that name the credential can see. */
  zonesNamed(name: string): Promise<ZoneSummary[]>;
  currentUser(): Promise<{ readonly id: string; readonly email?: string }>;
}

/** A client for a credential a run learns as it goes (a token it created), built where every client is (src/cli). */
export type CloudflareClientFactory = (apiToken: string) => CloudflareClient;

/** A base URL without trailing slashes: the one spelling a client keeps and base URLs are compared in. */
export function normalizeBaseUrl(baseUrl: string): string {
  return baseUrl.replace(/\/+$/, "");
}

export function createCloudflareClient(options: CloudflareClientOptions): CloudflareClient {
  const baseUrl = normalizeBaseUrl(options.baseUrl ?? CLOUDFLARE_API_BASE);
  const counter = options.counter ?? new ApiCallCounter();
  const secrets = [options.apiToken, ...(options.secrets ?? [])];
  const maxRetryAfter = options.maxRetryAfterSeconds ?? 60;
  const baseFetch = options.fetch ?? globalThis.fetch;
  const timeoutMs = options.timeoutMs ?? 30_000;
  // A request without a credential spends no principal's budget.
  const budget = options.apiToken === null ? undefined : (options.budget ?? new RateBudget("this client", REAL_CLOCK));

  /** One request, sent when the budget has room; its answer teaches the budget. */
  // Longer waits are reported, not slept through: a 429 asking for an hour is not a rate-limit window.
  const maxWaitSeconds = options.waitOutRefusals ? (options.maxRefusalWaitSeconds ?? 600) : maxRetryAfter;
  const waitable = (response: Response) => options.waitOutRefusals === true && (retryAfterSeconds(response.headers) ?? 0) <= maxWaitSeconds;
  // A spent budget is answered, not thrown: the SDK retries an error thrown by fetch (sleeping its
  // backoff each time), but never an answer marked x-should-retry: false. The answer carries the
  // key of the refusal it stands for, which the caller gets back instead of an HTTP 429.
  const spentBudget = new Map<string, CloudflareApiError>();
  let refusals = 0;
  const ownRefusal = (error: unknown): CloudflareApiError | undefined => {
    const key = error instanceof APIError ? error.headers?.get(BUDGET_SPENT_HEADER) : undefined;
    const refusal = key ? spentBudget.get(key) : undefined;
    if (key) spentBudget.delete(key);
    return refusal;
  };
  const pacedFetch = async (input: Parameters<typeof fetch>[0], init: RequestInit): Promise<Response> => {
    let permit: Permit | undefined;
    try {
      permit = await budget?.acquire(maxWaitSeconds * 1000);
    } catch (error) {
      if (!(error instanceof BudgetSpentError)) throw error;
      const key = String((refusals += 1));
      spentBudget.set(key, new CloudflareApiError("rate_limited", error.message, undefined, [], error.waitSeconds));
      return new Response(null, { status: 429, headers: { "x-should-retry": "false", [BUDGET_SPENT_HEADER]: key } });
    }
    counter.record();
    // The SDK's timeout started before the wait for budget; this one counts from the send.
    const { signal: _sdkTimeout, ...rest } = init;
    let response: Response | undefined;
    try {
      response = await baseFetch(input, { ...rest, redirect: "manual", signal: AbortSignal.timeout(timeoutMs) });
      return response;
    } finally {
      // A 429 blocks the principal for every caller, waited out here or not (Cloudflare blocks it whoever asks).
      if (permit) budget!.settle(permit, response);
    }
  };

  const guardedFetch: typeof globalThis.fetch = async (input, init) => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    if (url !== baseUrl && !url.startsWith(`${baseUrl}/`) && !url.startsWith(`${baseUrl}?`)) {
      // The SDK would send an absolute path's URL with our credential: refuse, whatever the caller asked.
      throw new Error(`refusing to send a request outside the configured base URL ${baseUrl}`);
    }
    let response = await pacedFetch(input, init ?? {});
    const cloudflareRefused = (answer: Response) => answer.status === 429 && !answer.headers.has(BUDGET_SPENT_HEADER);
    for (let refused = 1; cloudflareRefused(response) && budget && waitable(response) && refused <= MAX_REFUSALS_IN_A_ROW; refused += 1) {
      // The budget now waits until Cloudflare said; the same request goes again then.
      await response.arrayBuffer().catch(() => undefined);
      response = await pacedFetch(input, init ?? {});
    }
    if (response.status === 429) {
      const wait = retryAfterSeconds(response.headers);
      if (wait !== undefined && wait > maxRetryAfter) {
        const headers = new Headers(response.headers);
        headers.set("x-should-retry", "false");
        return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
      }
    }
    return response;
  };

  const sdk = new Cloudflare({
    baseURL: baseUrl,
    apiToken: options.apiToken,
    // Never let the SDK pick credentials from the environment: this client sends one credential or none.
    apiKey: null,
    apiEmail: null,
    userServiceKey: null,
    maxRetries: options.maxRetries ?? 3,
    timeout: timeoutMs,
    fetch: guardedFetch,
    logLevel: "off",
    ...(options.apiToken === null ? { defaultHeaders: { Authorization: null } } : {}),
  });

  const toError = (error: unknown): CloudflareApiError => ownRefusal(error) ?? classifyError(error, baseUrl, secrets);

  const call = async <T>(run: () => PromiseLike<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      throw toError(error);
    }
  };

  const assertRelative = (path: string) => {
    if (!path.startsWith("/") || path.startsWith("//"))
      throw new Error(`API paths are relative to the base URL and start with one "/": ${path}`);
  };

  const get = <T>(path: string, query?: Query): Promise<ApiEnvelope<T>> => {
    assertRelative(path);
    return call(async () => {
      const body = await sdk.get<unknown>(path, { query: query ?? {} });
      if (!body || typeof body !== "object" || !("success" in body)) {
        throw new CloudflareApiError("client", `GET ${path} did not answer with Cloudflare's JSON envelope`, 200, []);
      }
      return body as ApiEnvelope<T>;
    });
  };

  const allPages = async <T>(path: string, query: Query = {}): Promise<T[]> => {
    const items: T[] = [];
    for (let page = 1; ; page += 1) {
      const envelope = await get<T[]>(path, { ...query, page, per_page: 50 });
      items.push(...(envelope.result ?? []));
      if (!hasMorePages(envelope.result_info, page, (envelope.result ?? []).length, 50)) return items;
    }
  };

  const zoneSummary = (zone: { id: string; name: string; account?: { id?: string } }): ZoneSummary => ({
    id: zone.id,
    name: zone.name,
    accountId: zone.account?.id ?? "",
  });

  return {
    ...tokenOperations({ sdk, call, allPages }),
    baseUrl,
    apiCalls: () => counter.total,
    explain: toError,
    scrub: (text) => redact(text, secrets),
    get,
    async rawGet(path) {
      assertRelative(path);
      try {
        const { data, response } = await sdk.get<unknown>(path, { maxRetries: 1 }).withResponse();
        return typeof data === "string" ? { status: response.status, text: data.slice(0, 2000) } : { status: response.status, json: data };
      } catch (error) {
        const refusal = ownRefusal(error);
        if (refusal) throw refusal;
        if (error instanceof APIError && typeof error.status === "number") {
          const location = error.headers?.get("location") ?? undefined;
          return error.error !== undefined
            ? { status: error.status, json: error.error, ...(location ? { location } : {}) }
            : { status: error.status, text: remoteText(String(error.message), secrets, 2000), ...(location ? { location } : {}) };
        }
        throw toError(error);
      }
    },
    async request(method, path, body) {
      assertRelative(path);
      try {
        const sent =
          method === "GET"
            ? sdk.get(path)
            : method === "POST"
              ? sdk.post(path, { body })
              : method === "PUT"
                ? sdk.put(path, { body })
                : sdk.delete(path);
        const { data, response } = await sent.withResponse();
        return { status: response.status, json: data, headers: response.headers };
      } catch (error) {
        const refusal = ownRefusal(error);
        if (refusal) throw refusal;
        if (error instanceof APIError && typeof error.status === "number")
          return { status: error.status, json: error.error, ...(error.headers ? { headers: error.headers } : {}) };
        throw toError(error);
      }
    },
    allPages,
    zonesPage(query) {
      const perPage = query.perPage ?? 50;
      const page = query.page ?? 1;
      return call(async () => {
        // One page at a time: the SDK's auto-pagination asks for one empty page past the end.
        const result = await sdk.zones.list({
          per_page: perPage,
          page,
          ...(query.accountId ? { account: { id: query.accountId } } : {}),
          ...(query.name ? { name: query.name } : {}),
        });
        const info = (result as unknown as { result_info?: ResultInfo }).result_info ?? {};
        return {
          zones: result.getPaginatedItems().map(zoneSummary),
          ...(info.total_count !== undefined ? { totalCount: info.total_count } : {}),
          ...(info.total_pages !== undefined ? { totalPages: info.total_pages } : {}),
        };
      });
    },
    zonesNamed(name) {
      return call(async () => {
        // The SDK's auto-pagination, as the rehearsal engine has always read names: a request count its faults and tests follow.
        const zones: ZoneSummary[] = [];
        for await (const zone of sdk.zones.list({ name, per_page: 50 })) zones.push(zoneSummary(zone));
        return zones;
      });
    },
    currentUser() {
      return call(async () => {
        const user = (await sdk.user.get()) as { id?: string; email?: string };
        if (!user?.id) throw new CloudflareApiError("client", "GET /user returned no user id", 200, []);
        return { id: user.id, ...(user.email ? { email: user.email } : {}) };
      });
    },
  };
}

/** Page-number pagination: is there a page after `page`? Uses total_pages/total_count, else a short page ends it. */
export function hasMorePages(info: ResultInfo | undefined, page: number, itemsOnPage: number, perPage: number): boolean {
  if (info?.total_pages !== undefined) return page < info.total_pages;
  if (info?.total_count !== undefined) return page * perPage < info.total_count;
  return itemsOnPage >= perPage;
}
