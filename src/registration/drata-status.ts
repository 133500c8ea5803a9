import { z } from "zod";
import { displayUrl } from "../config/registration/fields";
import { DRATA_DEFAULT_BASE_URL, DRATA_HOST_RULE, type DrataStatusConfig } from "../config/registration/drata-status";
import { registrationHostRefusal } from "../config/registration/hosts";
import { parseRetryAfter, redact, remoteText } from "../cloudflare/http";
import { DEFAULT_RETRY, backoffDelay, describeExchange, exchange, type RetryPolicy } from "./http";
import { RegistrationConfigError, type PickupCheck, type PickupRequest, type PickupResult, type RegistrarContext } from "./types";

/**
 * The documented v1 connection object, loosely: only what is read here, and unknown fields pass.
 * `clientType` of a Cloudflare connection is not documented; CLOUDFLARE is in the enum of
 * `GET /user-identities/infrastructure`, so it is matched here (UNCERTAIN but likely; see
 * reference/compliance-platforms.md).
 */
const connectionSchema = z.looseObject({
  id: z.union([z.number(), z.string()]),
  clientType: z.string().nullish(),
  state: z.string().nullish(),
  connected: z.boolean().nullish(),
  connectedAt: z.string().nullish(),
  failedAt: z.string().nullish(),
  clientAlias: z.string().nullish(),
  deletedAt: z.string().nullish(),
});
const pageSchema = z.looseObject({
  data: z.array(connectionSchema),
  page: z.number().optional(),
  limit: z.number().optional(),
  total: z.number().optional(),
});

type DrataConnection = z.infer<typeof connectionSchema>;

const PAGE_LIMIT = 50; // the API's maximum
const MAX_PAGES = 20;
const TIMEOUT_MS = 10_000;
/** Drata allows 500 requests/minute per source IP; a pickup check costs one or two, so three attempts are plenty. */
const DRATA_RETRY: RetryPolicy = { ...DEFAULT_RETRY, maxAttempts: 3 };

export function isCloudflareConnection(connection: Pick<DrataConnection, "clientType">): boolean {
  return (connection.clientType ?? "").toUpperCase() === "CLOUDFLARE";
}

/**
 * Asks Drata (GET /public/connections, Bearer API key) whether its Cloudflare connection is
 * healthy. Drata's API cannot set or read the credential, so "picked up" means Drata reports the
 * connection ACTIVE and connected; it does not say which token generation it holds, which is why
 * rotation also watches the token's own last_used_on.
 */
export function createDrataStatusCheck(config: DrataStatusConfig, ctx: RegistrarContext & { readonly retry?: RetryPolicy }): PickupCheck {
  const base = (config.baseUrl ?? DRATA_DEFAULT_BASE_URL).replace(/\/+$/, "");
  const refusal = registrationHostRefusal(base, DRATA_HOST_RULE, ctx);
  if (refusal) throw new RegistrationConfigError(refusal);
  const apiKey = ctx.env[config.apiKeyEnv];
  if (!apiKey) {
    throw new RegistrationConfigError({
      summary: `the Drata status check needs an API key in the environment variable ${config.apiKeyEnv}, which is not set`,
      fix: `create a key with "Connections: List Connections" in Drata (Settings > API Keys) and export ${config.apiKeyEnv}=<key>, or remove registration.drataStatus`,
    });
  }
  const policy = ctx.retry ?? DRATA_RETRY;

  async function fetchPage(page: number): Promise<{ ok: z.infer<typeof pageSchema> } | { error: string }> {
    const url = `${base}/public/connections?page=${page}&limit=${PAGE_LIMIT}`;
    for (let attempt = 1; ; attempt++) {
      const result = await exchange(
        ctx,
        url,
        { method: "GET", headers: { Authorization: `Bearer ${apiKey}`, Accept: "application/json" } },
        TIMEOUT_MS,
      );
      const last = attempt >= policy.maxAttempts;
      if (result.kind === "response") {
        const { status } = result;
        if (status === 200) {
          let json: unknown;
          try {
            json = JSON.parse(result.body);
          } catch {
            return { error: `Drata answered ${displayUrl(url)} with something that is not JSON` };
          }
          const parsed = pageSchema.safeParse(json);
          if (!parsed.success)
            return {
              error: `Drata's answer from ${displayUrl(url)} is not a list of connections ({data: [...]}); the API may have changed`,
            };
          return { ok: parsed.data };
        }
        if (status === 401) {
          return {
            error: `Drata rejected the API key in ${config.apiKeyEnv} (HTTP 401). Fix: check the key, its expiry and its Allowed IP Addresses in Drata > Settings > API Keys`,
          };
        }
        if (status === 403) {
          return {
            error: `the Drata API key in ${config.apiKeyEnv} may not list connections (HTTP 403). Fix: give it the "Connections: List Connections" permission`,
          };
        }
        if (status === 402 || status === 412) {
          return {
            error: `Drata refused the request with HTTP ${status} (${status === 402 ? "the plan does not include the API" : "the API terms are not accepted"}). Fix: resolve it in Drata, or remove registration.drataStatus`,
          };
        }
        if (status === 429 || status >= 500) {
          const retryAfter = status === 429 ? parseRetryAfter(result.headers.get("retry-after"), ctx.now()) : undefined;
          if (last || (retryAfter !== undefined && retryAfter > policy.maxRetryAfterMs)) {
            return {
              error:
                status === 429
                  ? `Drata rate-limited the status check (HTTP 429; its limit is 500 requests/minute per source IP). Fix: run again in a minute`
                  : `Drata's API failed with HTTP ${status} after ${attempt} attempts. Fix: run again later`,
            };
          }
          await ctx.sleep(retryAfter ?? backoffDelay(policy, attempt, ctx.random));
          continue;
        }
        const text = remoteText(result.body, [apiKey]);
        return { error: `Drata answered HTTP ${status}${text ? `: ${text}` : ""}` };
      }
      if (last)
        return {
          error: `could not reach Drata at ${base} (${describeExchange(result)}) after ${attempt} attempts. Fix: check registration.drataStatus.baseUrl and the network`,
        };
      await ctx.sleep(backoffDelay(policy, attempt, ctx.random));
    }
  }

  return {
    kind: "drata-status",
    async confirmed(request: PickupRequest): Promise<PickupResult> {
      const connections: DrataConnection[] = [];
      for (let page = 1; page <= MAX_PAGES; page++) {
        const result = await fetchPage(page);
        if ("error" in result) return { pickedUp: false, state: "unavailable", detail: redact(result.error, [apiKey]) };
        connections.push(...result.ok.data);
        const total = result.ok.total ?? connections.length;
        if (result.ok.data.length === 0 || connections.length >= total) break;
      }
      return judge(connections, config.clientAlias, request);
    },
  };
}

/** A value from Drata's answer, as a message may show it. */
const quoted = (value: string) => remoteText(value, [], 80);

/** Pure: Drata's connections -> the pickup verdict for one token generation. */
export function judge(
  all: readonly DrataConnection[],
  clientAlias: string | undefined,
  request: Pick<PickupRequest, "generation" | "tokenKey">,
): PickupResult {
  const cloudflare = all.filter((c) => isCloudflareConnection(c) && !c.deletedAt);
  const candidates = clientAlias === undefined ? cloudflare : cloudflare.filter((c) => c.clientAlias === clientAlias);
  const what = `generation ${request.generation} of ${request.tokenKey}`;
  if (candidates.length === 0) {
    const scope =
      clientAlias === undefined
        ? "no Cloudflare connection"
        : `no Cloudflare connection with alias "${clientAlias}" (${cloudflare.length} other Cloudflare connection${cloudflare.length === 1 ? "" : "s"})`;
    return {
      pickedUp: false,
      state: "not-found",
      detail: `Drata has ${scope} among its ${all.length} connections. Fix: connect Cloudflare in Drata (Connections > Available Connections > Cloudflare) with the hand-off sheet of ${what}`,
    };
  }
  if (candidates.length > 1) {
    const aliases = candidates.map((c) => quoted(JSON.stringify(c.clientAlias ?? null))).join(", ");
    return {
      pickedUp: false,
      state: "ambiguous",
      detail: `Drata has ${candidates.length} Cloudflare connections (aliases ${aliases}). Fix: set registration.drataStatus.clientAlias to the one that holds this token`,
    };
  }
  const connection = candidates[0]!;
  const label = `Drata's Cloudflare connection ${quoted(String(connection.id))}${connection.clientAlias ? ` ("${quoted(connection.clientAlias)}")` : ""}`;
  const state = quoted(connection.state ?? "UNKNOWN").toUpperCase();
  if (state === "ACTIVE" && connection.connected !== false) {
    return {
      pickedUp: true,
      state: "connected",
      detail: `${label} is ACTIVE${connection.connectedAt ? ` (connected at ${quoted(connection.connectedAt)})` : ""}. Drata does not say which token it holds`,
    };
  }
  if (state === "MISCONFIGURED") {
    return {
      pickedUp: false,
      state: "misconfigured",
      detail: `${label} is MISCONFIGURED${connection.failedAt ? ` (failed at ${quoted(connection.failedAt)})` : ""}. Fix: in Drata > Connections, edit the Cloudflare connection and paste ${what} from its hand-off sheet`,
    };
  }
  return {
    pickedUp: false,
    state: "pending",
    detail: `${label} is ${state}${connection.connected === false ? ", not connected" : ""}; waiting for Drata to finish connecting`,
  };
}
