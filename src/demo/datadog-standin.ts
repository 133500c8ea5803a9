import { createHash } from "node:crypto";
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { serve } from "@hono/node-server";
import { Hono, type Context } from "hono";

/**
 * A stand-in for Datadog's Cloudflare integration API on loopback, for the tests and the demo: the
 * four operations cfct uses, shaped as Datadog's OpenAPI and its recorded answers have them. Each
 * behaviour and its source:
 *
 * - Paths, methods and status codes: GET/POST /api/v2/integrations/cloudflare/accounts (200/201),
 *   PATCH/DELETE …/accounts/{account_id} (200/204); errors 400, 403, 404, 429 with the JSON:API
 *   error body {"errors": [string]} — Datadog's v2 OpenAPI as generated into
 *   @datadog/datadog-api-client 1.64.0 (CloudflareIntegrationApi) and
 *   docs.datadoghq.com/api/latest/cloudflare-integration (read 2026-12-07).
 * - Bodies: {"data": {"type": "cloudflare-accounts", "id", "attributes": {name, email, resources,
 *   zones}}}; the key is write-only (never in an answer); the account ID is the MD5 of its name —
 *   the docs ("a hash of the account name") and the client repository's recorded cassettes
 *   (cassettes/v2/Cloudflare-Integration_*: every recorded ID is md5(name)).
 * - Both headers checked: a missing or wrong DD-API-KEY or DD-APPLICATION-KEY answers 403
 *   {"errors":["Forbidden"]}; an application key without manage_integrations answers 403
 *   {"errors":["Forbidden","Failed permission authorization checks"]} to a write (public issue
 *   reports quoting Datadog: DataDog/datadog-sync-cli#301, cloudposse/terraform-aws-datadog-integration#83).
 *   Listing needs integrations_read; writes need manage_integrations (the API reference).
 * - Create and update check the key with Cloudflare before answering: an unusable key answers 400
 *   "Invalid account. Your Cloudflare configuration is invalid. Impossible to get zones for the
 *   account <name>: …" (recorded cassettes). The stand-in checks by listing zones with the key at
 *   `cloudflareApiBase` when one is given (the cassettes' wording says Datadog gets the account's zones).
 * - A Global API key (37 hex characters) without `email` answers 400 "Email address is required if
 *   providing an api key and not an api token." (recorded cassettes); a token needs no email.
 * - NOT documented, assumed: creating a second account with an existing name answers 409 (its ID
 *   would collide); cfct lists first and never sends one.
 */
export interface DatadogStandIn {
  /** The base URL to configure as `registration.site`. */
  readonly url: string;
  /** Every request, without secrets: which auth headers it carried, not their values. */
  readonly requests: readonly StandInRequest[];
  /** The key Datadog holds for an account name (what cfct registered), or undefined. */
  keyOf(name: string): string | undefined;
  accountNames(): string[];
  /** Adds an account as if someone had set it up in Datadog's UI. */
  seed(account: { name: string; apiKey: string; resources?: string[] }): string;
  /** The next request of this operation fails like this; "delete-account" removes the account first (so an update answers 404). */
  inject(operation: StandInOperation, fault: { status: number; errors?: string[] } | "delete-account"): void;
  /** Datadog's periodic collection: every account's key lists zones at Cloudflare once. Resolves with how many keys worked. */
  poll(): Promise<number>;
  close(): Promise<void>;
}

export type StandInOperation = "list" | "create" | "update" | "delete";

export interface StandInRequest {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly apiKeyHeader: boolean;
  readonly appKeyHeader: boolean;
}

export interface DatadogStandInOptions {
  readonly apiKey: string;
  readonly appKey: string;
  /** The application key's permissions (default both). */
  readonly appKeyPermissions?: readonly ("integrations_read" | "manage_integrations")[];
  /** When set, create and update check the key by listing zones there (e.g. the Cloudflare sandbox's baseUrl). */
  readonly cloudflareApiBase?: string;
}

interface Account {
  name: string;
  apiKey: string;
  email: string;
  resources: string[];
  zones: string[];
}

const PATH = "/api/v2/integrations/cloudflare/accounts";
const TYPE = "cloudflare-accounts";
const GLOBAL_API_KEY = /^[0-9a-f]{37}$/;

const accountId = (name: string) => createHash("md5").update(name).digest("hex");

function resource(id: string, account: Account) {
  return {
    type: TYPE,
    id,
    attributes: { name: account.name, email: account.email, resources: account.resources, zones: account.zones },
  };
}

export async function startDatadogStandIn(options: DatadogStandInOptions): Promise<DatadogStandIn> {
  const permissions = options.appKeyPermissions ?? ["integrations_read", "manage_integrations"];
  const accounts = new Map<string, Account>();
  const requests: StandInRequest[] = [];
  const faults = new Map<StandInOperation, { status: number; errors?: string[] } | "delete-account">();
  const app = new Hono();

  const errors = (c: Context, status: 400 | 403 | 404 | 409 | 429 | 500, messages: string[]) =>
    c.json({ errors: messages }, status as never);

  app.use("*", async (c, next) => {
    await next();
    requests.push({
      method: c.req.method,
      path: new URL(c.req.url).pathname,
      status: c.res.status,
      apiKeyHeader: c.req.header("DD-API-KEY") !== undefined,
      appKeyHeader: c.req.header("DD-APPLICATION-KEY") !== undefined,
    });
  });

  /** Both keys, then the permission the operation needs, then any injected fault. */
  function guard(c: Context, operation: StandInOperation): Response | undefined {
    if (c.req.header("DD-API-KEY") !== options.apiKey || c.req.header("DD-APPLICATION-KEY") !== options.appKey) {
      return errors(c, 403, ["Forbidden"]);
    }
    const needs = operation === "list" ? "integrations_read" : "manage_integrations";
    if (!permissions.includes(needs)) return errors(c, 403, ["Forbidden", "Failed permission authorization checks"]);
    const fault = faults.get(operation);
    if (fault === undefined) return undefined;
    faults.delete(operation);
    if (fault === "delete-account") {
      accounts.delete(c.req.param("id") ?? "");
      return undefined;
    }
    return errors(c, fault.status as never, fault.errors ?? [`injected HTTP ${fault.status}`]);
  }

  async function attributesOf(c: Context): Promise<Record<string, unknown> | Response> {
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      return errors(c, 400, ["Invalid JSON"]);
    }
    const data = (body as { data?: { type?: unknown; attributes?: unknown } } | null)?.data;
    if (!data || data.type !== TYPE || typeof data.attributes !== "object" || data.attributes === null) {
      return errors(c, 400, [`{'data': ['a "${TYPE}" object with attributes is required.']}`]);
    }
    return data.attributes as Record<string, unknown>;
  }

  /** Datadog checks the key with Cloudflare before it stores it. */
  async function keyProblem(name: string, apiKey: string, email: unknown): Promise<string | undefined> {
    if (GLOBAL_API_KEY.test(apiKey) && !email) {
      return "{'_schema': ['Email address is required if providing an api key and not an api token.']}";
    }
    if (!options.cloudflareApiBase) return undefined;
    const zones = await listZones(apiKey);
    if (zones === "ok") return undefined;
    const why = zones === 401 || zones === 400 ? "API key or email is unknown." : `Cloudflare answered HTTP ${zones}.`;
    return `Invalid account. Your Cloudflare configuration is invalid. Impossible to get zones for the account ${name}: ${why}`;
  }

  async function listZones(apiKey: string): Promise<"ok" | number> {
    const response = await fetch(`${options.cloudflareApiBase}/zones?per_page=5`, { headers: { Authorization: `Bearer ${apiKey}` } });
    await response.arrayBuffer();
    return response.ok ? "ok" : response.status;
  }

  const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : []);

  app.get(PATH, (c) => guard(c, "list") ?? c.json({ data: [...accounts].map(([id, account]) => resource(id, account)) }, 200));

  app.post(PATH, async (c) => {
    const refused = guard(c, "create");
    if (refused) return refused;
    const attributes = await attributesOf(c);
    if (attributes instanceof Response) return attributes;
    const { name, api_key: apiKey, email } = attributes;
    if (typeof name !== "string" || !name || typeof apiKey !== "string" || !apiKey) {
      return errors(c, 400, ["{'name': ['Missing data for required field.'], 'api_key': ['Missing data for required field.']}"]);
    }
    const id = accountId(name);
    if (accounts.has(id)) return errors(c, 409, [`A Cloudflare account named ${name} already exists.`]);
    const problem = await keyProblem(name, apiKey, email);
    if (problem) return errors(c, 400, [problem]);
    const account = {
      name,
      apiKey,
      email: typeof email === "string" ? email : "",
      resources: strings(attributes.resources),
      zones: strings(attributes.zones),
    };
    accounts.set(id, account);
    return c.json({ data: resource(id, account) }, 201);
  });

  app.patch(`${PATH}/:id`, async (c) => {
    const refused = guard(c, "update");
    if (refused) return refused;
    const attributes = await attributesOf(c);
    if (attributes instanceof Response) return attributes;
    const account = accounts.get(c.req.param("id"));
    if (!account) return errors(c, 404, ["Not Found"]);
    const { api_key: apiKey, email } = attributes;
    if (typeof apiKey === "string") {
      const problem = await keyProblem(account.name, apiKey, email ?? account.email);
      if (problem) return errors(c, 400, [problem]);
      account.apiKey = apiKey;
    }
    if (typeof email === "string") account.email = email;
    if (attributes.resources !== undefined) account.resources = strings(attributes.resources);
    if (attributes.zones !== undefined) account.zones = strings(attributes.zones);
    return c.json({ data: resource(c.req.param("id"), account) }, 200);
  });

  app.delete(`${PATH}/:id`, (c) => {
    const refused = guard(c, "delete");
    if (refused) return refused;
    if (!accounts.delete(c.req.param("id"))) return errors(c, 404, ["Not Found"]);
    return c.body(null, 204);
  });

  app.notFound((c) => errors(c, 404, ["Not Found"]));

  const server = await new Promise<Server>((resolve, reject) => {
    const started = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }) as Server;
    started.once("listening", () => resolve(started));
    started.once("error", reject);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    keyOf: (name) => accounts.get(accountId(name))?.apiKey,
    accountNames: () => [...accounts.values()].map((a) => a.name),
    seed(account) {
      const id = accountId(account.name);
      accounts.set(id, { name: account.name, apiKey: account.apiKey, email: "", resources: account.resources ?? [], zones: [] });
      return id;
    },
    inject: (operation, fault) => void faults.set(operation, fault),
    async poll() {
      let worked = 0;
      if (!options.cloudflareApiBase) throw new Error("poll() needs cloudflareApiBase: the Cloudflare API the keys are used against");
      for (const account of accounts.values()) if ((await listZones(account.apiKey)) === "ok") worked += 1;
      return worked;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}
