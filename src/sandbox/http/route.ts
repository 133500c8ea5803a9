import { HEX32 } from "../../domain/ids";
import { endpointPermission, type EndpointPermission, type EndpointResource, type HttpMethod } from "../../cloudflare/endpoint-permissions";
import type { AuthzTarget } from "../authz/policy-resources";
import type { FixtureAccount, FixtureZone } from "../fixture/schema";
import type { SandboxState } from "../state";
import type { SandboxToken } from "../tokens/token";
import type { ResultInfo, SuccessEnvelope } from "./envelope";
import type { Page } from "./pagination";
import { refuse } from "./refusals";

/** One API request after the pipeline has authenticated its token. */
export interface RouteContext {
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  /** The request path relative to /client/v4. */
  readonly path: string;
  readonly token: SandboxToken;
  readonly now: Date;
  readonly clientAddress: string;
  body(): Promise<unknown>;
}

export interface RouteReply {
  readonly result: unknown;
  readonly resultInfo?: ResultInfo;
  readonly messages?: SuccessEnvelope["messages"];
}

export interface Route {
  readonly endpoint: EndpointPermission;
  /**
   * Verify routes take any token of this kind, in any status, and report on it; a token of the
   * other kind is an invalid token there. Every other route refuses tokens that cannot be used now.
   */
  readonly verifies?: "user" | "account";
  run(context: RouteContext): RouteReply | Promise<RouteReply>;
}

export function replyWith(result: unknown): RouteReply {
  return { result };
}

export function replyWithPage<T>(page: Page<T>): RouteReply {
  return { result: page.items, resultInfo: page.resultInfo };
}

/** 400 for an ID that cannot be one, 404 for a well-formed ID that names nothing. */
export function identifierNotFound(context: RouteContext, id: string): never {
  throw refuse.badIdentifier(context.path, HEX32.test(id) ? 404 : 400);
}

function authorize(state: SandboxState, endpoint: EndpointPermission, context: RouteContext, target: AuthzTarget): void {
  if (!state.authorizer.allows(context.token, endpoint, target)) throw refuse.missingPermission(state.behaviours, endpoint);
}

type Handler<T> = (context: RouteContext, subject: T) => RouteReply | Promise<RouteReply>;

/**
 * Route builders by what the route acts on. Each resolves its subject from the path, refuses a
 * wrong identifier, then authorizes with the endpoint-permissions row, so no handler can forget to.
 */
export function routesFor(state: SandboxState) {
  /** The route's row, which must say the route acts on what the builder resolves (a programming check). */
  const row = (method: HttpMethod, path: string, resource: EndpointResource) => {
    const endpoint = endpointPermission(method, path);
    if (endpoint.resource !== resource)
      throw new Error(`${method} ${path} acts on "${endpoint.resource}" in endpoint-permissions.ts, not "${resource}"`);
    return endpoint;
  };
  return {
    /** `/accounts/{account_id}/…`: an account-scope group on that account. */
    account(method: HttpMethod, path: string, handle: Handler<FixtureAccount>): Route {
      const endpoint = row(method, path, "account");
      return {
        endpoint,
        run(context) {
          const id = context.params.account_id ?? "";
          const account = state.inventory.account(id) ?? identifierNotFound(context, id);
          authorize(state, endpoint, context, { kind: "account", accountId: account.id });
          return handle(context, account);
        },
      };
    },

    /** `/zones/{zone_id}/…`: a zone-scope group on the zone, or an account-scope group on its account. */
    zone(method: HttpMethod, path: string, handle: Handler<FixtureZone>): Route {
      const endpoint = row(method, path, "zone");
      return {
        endpoint,
        run(context) {
          const id = context.params.zone_id ?? "";
          const zone = state.inventory.zone(id) ?? identifierNotFound(context, id);
          authorize(state, endpoint, context, { kind: "zone", zoneId: zone.id, accountId: zone.account_id });
          return handle(context, zone);
        },
      };
    },

    /** `/user…`, `/memberships`: a user-scope group on the token's own user; an account-owned token has no user. */
    user(method: HttpMethod, path: string, handle: Handler<SandboxState["inventory"]["user"]>): Route {
      const endpoint = row(method, path, "user");
      return {
        endpoint,
        run(context) {
          const user = state.inventory.user;
          if (context.token.owner.kind === "account") throw refuse.userLevelAuthenticationMissing(endpoint);
          authorize(state, endpoint, context, { kind: "user", userId: user.id });
          return handle(context, user);
        },
      };
    },

    /** List routes that filter to what the token may see instead of refusing (GET /zones, GET /accounts). */
    filteredList(method: HttpMethod, path: string, handle: Handler<EndpointPermission>): Route {
      const endpoint = row(method, path, "none");
      return { endpoint, run: (context) => handle(context, endpoint) };
    },

    /** GET …/tokens/verify. */
    verify(method: HttpMethod, path: string, kind: "user" | "account", handle: Handler<SandboxToken>): Route {
      const endpoint = row(method, path, kind);
      return { endpoint, verifies: kind, run: (context) => handle(context, context.token) };
    },
  };
}

export type RouteBuilders = ReturnType<typeof routesFor>;
