import { DATADOG_HOST_RULE, datadogApiBase, type DatadogConfig } from "../config/registration/datadog";
import { registrationHostRefusal } from "../config/registration/hosts";
import { redact, remoteText } from "../cloudflare/http";
import { createCloudflareAccountsClient, type CloudflareAccounts } from "./datadog-client";
import { DEFAULT_RETRY, backoffDelay, networkReason, plural, type RetryPolicy } from "./http";
import {
  RegistrationConfigError,
  type DeregistrationOutcome,
  type Registrar,
  type RegistrarContext,
  type RegistrationOutcome,
  type RegistrationRequest,
} from "./types";

const ACCOUNTS_PATH = "/api/v2/integrations/cloudflare/accounts";
const ACCOUNT_TYPE = "cloudflare-accounts";
const TIMEOUT_MS = 30_000;
/** A registration is a handful of calls; three attempts ride out a blip without holding a rotation up for long. */
const DATADOG_RETRY: RetryPolicy = { ...DEFAULT_RETRY, maxAttempts: 3 };

/** Why a call to Datadog did not succeed: its HTTP status and error strings, or no answer at all. */
interface Failure {
  readonly ok: false;
  readonly status?: number;
  readonly errors: readonly string[];
  readonly network?: string;
  readonly attempts: number;
}
type Attempt<T> = { readonly ok: true; readonly value: T } | Failure;

/**
 * Registers each token generation with Datadog's Cloudflare integration through Datadog's API and
 * official client: the account named `registration.name` (default: the connection's name) is
 * created with the token as its key, or, when Datadog already has it (made by hand, or by an earlier
 * run), its key is replaced. Datadog checks a key against Cloudflare before it accepts it, so
 * `registered` means Datadog took this very token. Datadog never returns the key and has no health
 * status, so rotation confirms pickup the usual way: the new token's own last_used_on.
 */
export function createDatadogRegistrar(config: DatadogConfig, ctx: RegistrarContext & { readonly retry?: RetryPolicy }): Registrar {
  const base = datadogApiBase(config);
  const host = new URL(base).host;
  const refusal = registrationHostRefusal(base, DATADOG_HOST_RULE, ctx);
  if (refusal) throw new RegistrationConfigError(refusal);
  const apiKey = requiredKey(ctx, "apiKeyEnv", config.apiKeyEnv, `a Datadog API key of ${config.site} (Organization Settings > API Keys)`);
  const appKey = requiredKey(ctx, "appKeyEnv", config.appKeyEnv, "a Datadog application key with the manage_integrations permission");
  const policy = ctx.retry ?? DATADOG_RETRY;
  const site = `Datadog (${host})`;

  let calls = 0;
  let client: CloudflareAccounts | undefined;
  const accounts = (): CloudflareAccounts =>
    (client ??= createCloudflareAccountsClient({
      baseUrl: base,
      apiKey,
      appKey,
      // A request carrying a token is never re-sent to wherever a redirect points.
      fetch: (url, init) => ((calls += 1), ctx.fetch(url, { ...init, redirect: "manual", signal: AbortSignal.timeout(TIMEOUT_MS) })),
    }));

  async function attempt<T>(run: () => Promise<T>): Promise<Attempt<T>> {
    for (let n = 1; ; n++) {
      let failure: Failure;
      try {
        return { ok: true, value: await run() };
      } catch (error) {
        failure = failureOf(error, n);
      }
      const status = failure.status ?? 0;
      const retryable = failure.network !== undefined || status === 429 || status >= 500;
      if (!retryable || n >= policy.maxAttempts) return failure;
      await ctx.sleep(backoffDelay(policy, n, ctx.random));
    }
  }

  /** What went wrong, in Datadog's words (shortened, secrets removed), and the fix. */
  function problem(
    failure: Failure,
    doing: string,
    secrets: readonly string[],
    request?: Pick<RegistrationRequest, "unlistedZones">,
  ): string {
    const said = failure.errors.length > 0 ? `: ${remoteText(failure.errors.join("; "), secrets)}` : "";
    const status = failure.status;
    if (status === undefined) {
      return `could not reach ${site} to ${doing} (${failure.network}) after ${plural(failure.attempts, "attempt")}. Fix: check registration.site and the network, then run again`;
    }
    if (status >= 300 && status < 400) {
      return `${site} answered the request to ${doing} with HTTP ${status} (a redirect); cfct does not re-send a token to another URL. Fix: check registration.site`;
    }
    if (status === 403) {
      const permission = doing.startsWith("list") ? "integrations_read" : "manage_integrations";
      const lacks = failure.errors.some((e) => /permission/i.test(e));
      return (
        `${site} answered 403 Forbidden to the request to ${doing}${said}. ` +
        (lacks
          ? `The application key in ${config.appKeyEnv} lacks the ${permission} permission. Fix: give the key's owner (a service account is best) a role with ${permission}, or add it to the key's scopes`
          : `Datadog refused the keys: the application key in ${config.appKeyEnv} lacks the ${permission} permission, or a key is invalid or of another site. Fix: give that application key ${permission}, and check that ${config.apiKeyEnv} and ${config.appKeyEnv} hold keys of ${config.site}`)
      );
    }
    if (status === 400) {
      const zones = request?.unlistedZones
        ? ` This token holds ${plural(request.unlistedZones.length, "specific zone")} and cannot list zones (Cloudflare answers GET /zones with 403), while Datadog checks a token by getting the account's zones. Fix: give this datadog connection zones: all`
        : ` Datadog checks a token by listing its zones, and Cloudflare lists zones only to a token that holds all zones of every account its owner can reach. Fix: give this datadog connection zones: all and every account of its service account (or use a service account that reaches only these accounts); cfct verify shows what the token can do`;
      return `${site} refused the request to ${doing} with HTTP 400${said}.${zones}`;
    }
    if (status === 429 || status >= 500) {
      return `${site} answered the request to ${doing} with HTTP ${status}${said} after ${plural(failure.attempts, "attempt")}. Fix: run again later`;
    }
    return `${site} answered the request to ${doing} with HTTP ${status}${said}. Fix: check registration.site and the keys`;
  }

  const location = (id: string) => `${base}${ACCOUNTS_PATH}/${id}`;
  const resources = config.resources ? { resources: [...config.resources] } : {};

  /** The account of this name, if Datadog has one; Datadog's account ID is a hash of the name, so there is at most one. */
  async function find(name: string): Promise<Attempt<string | undefined>> {
    const listed = await attempt(() => accounts().listCloudflareAccounts());
    if (!listed.ok) return listed;
    return { ok: true, value: (listed.value.data ?? []).find((account) => account.attributes.name === name)?.id };
  }

  return {
    kind: "datadog",
    async register(request): Promise<RegistrationOutcome> {
      calls = 0;
      const secrets = [request.value, apiKey, appKey];
      const name = config.name ?? request.connection;
      const what = `generation ${request.generation} of ${request.tokenKey}`;
      const done = (status: RegistrationOutcome["status"], detail: string, id?: string): RegistrationOutcome => ({
        registrar: "datadog",
        status,
        detail: redact(detail, secrets),
        ...(id ? { location: location(id) } : {}),
        attempts: calls,
        at: ctx.now().toISOString(),
      });

      const found = await find(name);
      if (!found.ok) return done("failed", problem(found, "list the Cloudflare accounts", secrets));
      let recreated = "";
      if (found.value !== undefined) {
        const id = found.value;
        const updated = await attempt(() =>
          accounts().updateCloudflareAccount({
            accountId: id,
            body: { data: { type: ACCOUNT_TYPE, attributes: { apiKey: request.value, ...resources } } },
          }),
        );
        if (updated.ok) {
          return done(
            "registered",
            `${site} account "${name}" (${id}) now holds ${what}: its key was replaced, after Datadog checked the token with Cloudflare (${plural(calls, "API call")})`,
            id,
          );
        }
        if (updated.status !== 404) return done("failed", problem(updated, `update the key of account "${name}"`, secrets, request));
        recreated = `; Datadog answered 404 to the update (the account was deleted in Datadog meanwhile), so it was created again`;
      }
      const created = await attempt(() =>
        accounts().createCloudflareAccount({
          body: { data: { type: ACCOUNT_TYPE, attributes: { name, apiKey: request.value, ...resources } } },
        }),
      );
      if (!created.ok) return done("failed", problem(created, `create account "${name}"`, secrets, request));
      const id = created.value.data?.id;
      if (!id)
        return done("failed", `${site} answered the request to create account "${name}" without the account. Fix: check registration.site`);
      return done(
        "registered",
        `${site} account "${name}" (${id}) created with ${what}, after Datadog checked the token with Cloudflare${recreated} (${plural(calls, "API call")})`,
        id,
      );
    },

    async deregister(request): Promise<DeregistrationOutcome> {
      calls = 0;
      const name = config.name ?? request.connection;
      const done = (status: DeregistrationOutcome["status"], detail: string): DeregistrationOutcome => ({
        registrar: "datadog",
        status,
        detail: redact(detail, [apiKey, appKey]),
        attempts: calls,
        at: ctx.now().toISOString(),
      });
      if (!config.deleteOnDestroy) return done("kept", keptOnDestroy(config, request.connection));
      const found = await find(name);
      if (!found.ok) return done("failed", problem(found, "list the Cloudflare accounts", [apiKey, appKey]));
      if (found.value === undefined) return done("absent", `${site} has no account "${name}": nothing to delete`);
      const id = found.value;
      const deleted = await attempt(() => accounts().deleteCloudflareAccount({ accountId: id }));
      if (deleted.ok) return done("deleted", `${site} account "${name}" (${id}) deleted`);
      if (deleted.status === 404) return done("absent", `${site} account "${name}" was already gone`);
      return done("failed", problem(deleted, `delete account "${name}"`, [apiKey, appKey]));
    },
  };
}

/** What `cfct destroy` leaves in Datadog when the config does not ask it to delete the account. */
export function keptOnDestroy(config: DatadogConfig, connection: string): string {
  return (
    `Datadog (${new URL(datadogApiBase(config)).host}) account "${config.name ?? connection}" kept (registration.deleteOnDestroy is not set); it holds a revoked token now. ` +
    "Fix: delete it in Datadog (Integrations > Cloudflare), or set deleteOnDestroy: true before destroying"
  );
}

function requiredKey(ctx: RegistrarContext, key: "apiKeyEnv" | "appKeyEnv", name: string, what: string): string {
  const value = ctx.env[name];
  if (!value) {
    throw new RegistrationConfigError({
      summary: `Datadog registration needs ${what} in the environment variable ${name} (registration.${key}), which is not set`,
      fix: `export ${name}=<key>, or name the variable that holds it in registration.${key}`,
    });
  }
  return value;
}

/** The official client throws ApiException (code, body) for an answer, and fetch's errors for no answer. */
function failureOf(error: unknown, attempts: number): Failure {
  const answered = error as { code?: unknown; body?: unknown } | undefined;
  if (typeof answered?.code === "number") {
    const body = answered.body as { errors?: unknown } | string | undefined;
    const errors =
      typeof body === "object" && body !== null && Array.isArray(body.errors)
        ? body.errors.map(String)
        : typeof body === "string"
          ? [body]
          : [];
    return { ok: false, status: answered.code, errors, attempts };
  }
  const name = (error as { name?: unknown } | undefined)?.name;
  if (name === "TimeoutError" || name === "AbortError")
    return { ok: false, errors: [], network: `no answer within ${TIMEOUT_MS / 1000} s`, attempts };
  if (error instanceof TypeError) return { ok: false, errors: [], network: networkReason(error), attempts };
  // The client could not read a 2xx answer (not Datadog's JSON:API shape).
  return { ok: false, status: 200, errors: ["an answer that is not Datadog's Cloudflare account format"], attempts };
}
