import type { HttpBindings } from "@hono/node-server";
import { Hono, type Context } from "hono";
import { ipPermitted } from "../authz/request-ip";
import { unusableBecause } from "../authz/token-validity";
import type { Fault, FaultQueue } from "../faults";
import type { RateLimiter, RateLimitRouteKind } from "../rate-limit";
import type { SandboxState } from "../state";
import type { RequestStats } from "../stats";
import type { SandboxToken } from "../tokens/token";
import { bearerToken } from "./credentials";
import { ApiError, failureEnvelope, successEnvelope } from "./envelope";
import { redactPath } from "./redact-path";
import { refuse } from "./refusals";
import type { Route, RouteContext } from "./route";

export const API_PREFIX = "/client/v4";

export interface ApiAppDependencies {
  readonly state: SandboxState;
  readonly routes: readonly Route[];
  readonly limiter: RateLimiter;
  readonly faults: FaultQueue;
  readonly stats: RequestStats;
  readonly log: (line: string) => void;
}

type ApiContext = Context<{ Bindings: HttpBindings }>;

const JSON_HEADERS = { "content-type": "application/json; charset=utf-8" };

function jsonResponse(status: number, body: unknown, headers: Readonly<Record<string, string>> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { ...JSON_HEADERS, ...headers } });
}

/** `/zones/{zone_id}` → `/zones/:zone_id`, Hono's syntax. */
function honoPath(template: string): string {
  return template.replace(/\{([a-z_]+)\}/g, ":$1");
}

/** Which rate-limit item an answer carries (the `rateLimitHeaders` behaviour). */
function rateLimitRouteKind(route: Route): RateLimitRouteKind {
  if (route.verifies) return "verify";
  return route.endpoint.method === "GET" && route.endpoint.path === "/zones" ? "list_zones" : "other";
}

/** Rate-limit budgets are per user for user tokens and per token for account-owned tokens. */
function principalOf(token: SandboxToken): string {
  return token.owner.kind === "user" ? `user:${token.owner.userId}` : `account-token:${token.id}`;
}

/**
 * The /client/v4 application. Every request runs the same pipeline: injected faults, credential,
 * token lookup, rate limit, token status / validity window / IP condition, then the route, which
 * resolves its subject and authorizes. Failures are Cloudflare failure envelopes.
 */
export function createApiApp(deps: ApiAppDependencies): Hono<{ Bindings: HttpBindings }> {
  const { state } = deps;
  const app = new Hono<{ Bindings: HttpBindings }>();

  /**
   * The token a request presents; one the sandbox never issued is counted (a real credential sent here by mistake shows).
   * An unknown token is 401 at the verify routes, elsewhere as the deadTokenAnswer behaviour says.
   */
  function knownToken(headers: Headers, route: Route): SandboxToken {
    const presented = Boolean(headers.get("authorization"));
    try {
      const token = state.tokens.findByValue(bearerToken(headers));
      if (!token)
        throw route.verifies || state.behaviours.deadTokenAnswer === "401-everywhere" ? refuse.invalidToken() : refuse.invalidAccessToken();
      return token;
    } catch (error) {
      if (presented) deps.stats.unknownCredential();
      throw error;
    }
  }

  async function respond(c: ApiContext, route: Route, path: string): Promise<Response> {
    let rateHeaders: Readonly<Record<string, string>> = {};
    try {
      const fault = deps.faults.take(route.endpoint.method, path, route.endpoint.path);
      if (fault) {
        const injected = await applyFault(c, fault);
        if (injected) return injected;
      }
      const token = knownToken(c.req.raw.headers, route);
      const now = state.clock.now();
      const principal = principalOf(token);
      const decision = deps.limiter.take(principal, now);
      rateHeaders = deps.limiter.headerFields(decision, rateLimitRouteKind(route));
      if (!decision.allowed) {
        deps.stats.refused(principal);
        throw refuse.rateLimited(decision.resetSeconds, rateHeaders);
      }

      const clientAddress = c.env.incoming.socket.remoteAddress ?? "";
      const params = c.req.param() as Record<string, string>;
      const usable = authenticate(route, token, params, now, clientAddress);
      const context: RouteContext = {
        params,
        query: new URL(c.req.url).searchParams,
        path,
        token: usable,
        now,
        clientAddress,
        body: () => readJson(c),
      };
      const reply = await route.run(context);
      return jsonResponse(200, successEnvelope(reply.result, reply.resultInfo, reply.messages), rateHeaders);
    } catch (error) {
      if (error instanceof ApiError) return jsonResponse(error.status, failureEnvelope(error.errors), { ...rateHeaders, ...error.headers });
      deps.log(
        `sandbox error on ${route.endpoint.method} ${route.endpoint.path}: ${error instanceof Error ? error.message : String(error)}`,
      );
      const internal = refuse.internal();
      return jsonResponse(internal.status, failureEnvelope(internal.errors), rateHeaders);
    }
  }

  /**
   * Verify routes report on any token of their kind whatever its status; other routes refuse a
   * token that is disabled, expired or not yet valid. Both enforce the IP condition. A usable
   * token's last_used_on is stamped, and the stamped token is what the route sees.
   */
  function authenticate(route: Route, token: SandboxToken, params: Record<string, string>, now: Date, clientAddress: string): SandboxToken {
    if (route.verifies) {
      const rightKind =
        route.verifies === "user"
          ? token.owner.kind === "user"
          : token.owner.kind === "account" && token.owner.accountId === params.account_id;
      if (!rightKind) throw refuse.wrongOwnerAtVerify(state.behaviours);
    }
    const problem = unusableBecause(token, now);
    if (problem !== null && !route.verifies) throw refuse.unusableToken(problem);
    if (!ipPermitted(token.condition, clientAddress)) throw refuse.ipNotAllowed(clientAddress);
    return problem === null ? state.tokens.markUsed(token.id, now) : token;
  }

  for (const route of deps.routes) {
    const { method, path: template } = route.endpoint;
    app.on(method, API_PREFIX + honoPath(template), async (c) => {
      const started = performance.now();
      const response = await respond(c, route, c.req.path.slice(API_PREFIX.length));
      deps.stats.record(`${method} ${template}`, response.status);
      deps.log(`${method} ${template} ${response.status} ${Math.round(performance.now() - started)}ms`);
      return response;
    });
  }

  app.all(`${API_PREFIX}/*`, (c) => {
    const error = refuse.noRoute();
    deps.stats.record(null, error.status);
    deps.log(`${c.req.method} ${redactPath(c.req.path.slice(API_PREFIX.length))} ${error.status} (no route)`);
    return jsonResponse(error.status, failureEnvelope(error.errors));
  });

  return app;
}

async function readJson(c: ApiContext): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === "") return {};
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw refuse.malformedJson();
  }
}

/** The response an injected fault produces, or null when the request should go on (latency). */
async function applyFault(c: ApiContext, fault: Fault): Promise<Response | null> {
  switch (fault.kind) {
    case "latency":
      await new Promise((resolve) => setTimeout(resolve, fault.ms));
      return null;
    case "status": {
      const error = refuse.injectedServerError(fault.status);
      return jsonResponse(error.status, failureEnvelope(error.errors));
    }
    case "rate_limit": {
      const error = refuse.rateLimited(fault.retryAfterSeconds);
      return jsonResponse(error.status, failureEnvelope(error.errors), error.headers);
    }
    case "malformed":
      return new Response('{"result":{"id":', { status: 200, headers: JSON_HEADERS });
    case "reset":
      // The client sees the connection drop mid-request; the response below is never delivered.
      c.env.incoming.socket.destroy();
      return new Response(null, { status: 499 });
  }
}
