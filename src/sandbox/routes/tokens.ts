import { endpointPermission, type EndpointPermission, type HttpMethod } from "../../cloudflare/endpoint-permissions";
import { effectiveStatus } from "../authz/token-validity";
import { paginate } from "../http/pagination";
import { refuse } from "../http/refusals";
import {
  identifierNotFound,
  replyWith,
  replyWithPage,
  type Route,
  type RouteBuilders,
  type RouteContext,
  type RouteReply,
} from "../http/route";
import type { SandboxState } from "../state";
import { isSameOwner, type SandboxToken, type TokenOwner } from "../tokens/token";
import {
  accountTokenAuthority,
  fullAuthorityRoles,
  groupsHeldByRoles,
  quoted,
  seesOnlyOwnAccountTokens,
  type AccountTokenAuthority,
} from "../../cloudflare/account-roles";
import { parseTokenRequest } from "../tokens/token-request";
import type { TokenSpec } from "../tokens/token";
import { tokenView, verifyView } from "../tokens/token-view";

const ACTIVE_MESSAGE = { code: 10000, message: "This API Token is valid and active", type: null };
// "User API token quota 50; Account API token quota 500" (api-rate-limits.mdx@2f6318f).
const TOKEN_QUOTA = { user: 50, account: 500 } as const;

/**
 * The token lifecycle, once for user-owned tokens (/user/tokens…) and once for account-owned
 * tokens (/accounts/{account_id}/tokens…): the two families differ only in their base path and in
 * who owns the tokens they manage.
 */
export function tokenRoutes(state: SandboxState, routes: RouteBuilders, family: "user" | "account"): Route[] {
  const base = family === "user" ? "/user/tokens" : "/accounts/{account_id}/tokens";
  const ownerOf = (context: RouteContext): TokenOwner =>
    family === "user" ? { kind: "user", userId: state.inventory.user.id } : { kind: "account", accountId: context.params.account_id ?? "" };
  const scoped = (
    method: HttpMethod,
    path: string,
    handle: (context: RouteContext, endpoint: EndpointPermission) => RouteReply | Promise<RouteReply>,
  ): Route => {
    const endpoint = endpointPermission(method, path);
    return family === "user"
      ? routes.user(method, path, (c) => handle(c, endpoint))
      : routes.account(method, path, (c) => handle(c, endpoint));
  };

  /**
   * What the caller may do with this family's tokens: a user's own tokens, or an account-owned token
   * acting on its own account, fully; a user token on an account's tokens, as its roles allow there.
   */
  const authorityOf = (context: RouteContext): AccountTokenAuthority =>
    family === "user" || context.token.owner.kind === "account"
      ? "full"
      : accountTokenAuthority(rolesOn(state, context.params.account_id ?? ""), state.behaviours.accountTokenRoles);
  // "Members with the API Token Provisioning role can only view tokens they created" (changelog 2026-10-01).
  const visible = (token: SandboxToken, context: RouteContext) =>
    family === "user" ||
    context.token.owner.kind === "account" ||
    state.behaviours.accountTokenRoles === "any-member" ||
    !seesOnlyOwnAccountTokens(rolesOn(state, context.params.account_id ?? "")) ||
    token.createdBy === state.inventory.user.id;
  /** The token named in the path, if the family's owner owns it and the caller may see it (else it does not exist here). */
  const ownedToken = (context: RouteContext) => {
    const id = context.params.token_id ?? "";
    const token = state.tokens.get(id);
    return token && isSameOwner(token.owner, ownerOf(context)) && visible(token, context) ? token : identifierNotFound(context, id);
  };
  /** PUT of an account-owned token (update or roll): "creating and updating … requires Super Administrator" (cloudflare-docs#33184). */
  const requireUpdateAuthority = (context: RouteContext, endpoint: EndpointPermission) => {
    const authority = authorityOf(context);
    if (authority !== "full") throw roleRefusal(state, context, endpoint, "updating", authority);
  };
  const view = (token: SandboxToken, context: RouteContext) => tokenView(token, state.catalog, context.now, state.behaviours);
  // Cloudflare's lists leave expired tokens out unless asked (OpenAPI; the SDK's TokenListParams.include_expired).
  const listed = (token: SandboxToken, context: RouteContext) =>
    state.behaviours.expiredTokensInLists === "listed" ||
    context.query.get("include_expired") === "true" ||
    effectiveStatus(token, context.now) !== "expired";
  // "API token search" (changelog 2026-06-25): how exact the match is, is not documented; a search matches parts, any case.
  const named = (token: SandboxToken, context: RouteContext) => {
    const name = context.query.get("name");
    return state.behaviours.tokenListNameFilter === "ignored" || !name || token.name.toLowerCase().includes(name.toLowerCase());
  };

  return [
    // Static segments first: the router tries routes in this order, and "verify" is not a token ID.
    routes.verify("GET", `${base}/verify`, family, (context, token) => ({
      result: verifyView(token, context.now),
      messages: effectiveStatus(token, context.now) === "active" ? [ACTIVE_MESSAGE] : [],
    })),

    scoped("GET", `${base}/permission_groups`, (context) => {
      const name = context.query.get("name");
      const scope = context.query.get("scope");
      const groups = state.catalog
        .listFor(family)
        .filter((g) => (name === null || g.name === name) && (scope === null || g.scope === scope))
        .map((g) => ({ id: g.id, name: g.name, scopes: [g.scope] }));
      return {
        result: groups,
        resultInfo: { page: 1, per_page: groups.length, count: groups.length, total_count: groups.length, total_pages: 1 },
      };
    }),

    scoped("GET", base, (context) =>
      replyWithPage(
        paginate(
          state.tokens
            .ownedBy(ownerOf(context))
            .filter((t) => listed(t, context) && visible(t, context) && named(t, context))
            .map((t) => view(t, context)),
          context.query,
        ),
      ),
    ),

    scoped("POST", base, async (context, endpoint) => {
      const owner = ownerOf(context);
      // The role is checked before the body is read: a member without one is refused whatever it sends.
      const authority = authorityOf(context);
      if (authority === "none") throw roleRefusal(state, context, endpoint, "creating", authority);
      if (state.tokens.ownedBy(owner).length >= TOKEN_QUOTA[family]) {
        throw refuse.invalidRequest(
          `the ${family === "user" ? "user" : "account"} already has ${TOKEN_QUOTA[family]} API tokens, Cloudflare's quota. Fix: delete tokens that are no longer used`,
        );
      }
      const spec = parseTokenRequest(await context.body(), { owner, catalog: state.catalog, inventory: state.inventory });
      if (authority === "provisioning") requireGroupsHeld(state, context, endpoint, spec);
      const creator = owner.kind === "account" && context.token.owner.kind === "user" ? state.inventory.user.id : null;
      const { token, value } = state.tokens.issue(spec, owner, context.now, undefined, creator);
      return replyWith({ ...view(token, context), value });
    }),

    scoped("GET", `${base}/{token_id}`, (context) => replyWith(view(ownedToken(context), context))),

    scoped("PUT", `${base}/{token_id}`, async (context, endpoint) => {
      const current = ownedToken(context);
      requireUpdateAuthority(context, endpoint);
      const spec = parseTokenRequest(await context.body(), {
        owner: current.owner,
        catalog: state.catalog,
        inventory: state.inventory,
        currentStatus: current.status,
      });
      return replyWith(view(state.tokens.update(current.id, spec, context.now), context));
    }),

    scoped("DELETE", `${base}/{token_id}`, (context) => {
      const token = ownedToken(context);
      state.tokens.delete(token.id);
      return replyWith({ id: token.id });
    }),

    scoped("PUT", `${base}/{token_id}/value`, (context, endpoint) => {
      const token = ownedToken(context);
      requireUpdateAuthority(context, endpoint);
      return replyWith(state.tokens.roll(token.id, context.now));
    }),
  ];
}

/** The roles the fixture's user holds on the account (accepted memberships only). */
function rolesOn(state: SandboxState, accountId: string): string[] {
  return state.inventory.memberships.filter((m) => m.account_id === accountId && m.status === "accepted").flatMap((m) => m.roles);
}

/** 403 for a member whose roles do not allow the operation under accountTokenRoles; it names the roles held and needed. */
function roleRefusal(
  state: SandboxState,
  context: RouteContext,
  endpoint: EndpointPermission,
  operation: "creating" | "updating",
  authority: AccountTokenAuthority,
) {
  const accountId = context.params.account_id ?? "";
  const needed = fullAuthorityRoles(state.behaviours.accountTokenRoles);
  const provisioningMayCreate = operation === "creating" ? ` (or "API Token Provisioning", within the groups it holds)` : "";
  const why = authority === "provisioning" ? `; "API Token Provisioning" may only create` : "";
  return refuse.missingPermission(
    state.behaviours,
    endpoint,
    `${operation} an account-owned token needs the creator's user to hold ${quoted(needed)}${provisioningMayCreate} on account ${accountId}; it holds ${quoted(rolesOn(state, accountId))}${why}. Fix: have a Super Administrator grant the provisioner's user ${quoted(needed.slice(0, 1))}`,
  );
}

/** "Members can only create an Account API Token using the permissions they already have" (changelog 2026-10-01). */
function requireGroupsHeld(state: SandboxState, context: RouteContext, endpoint: EndpointPermission, spec: TokenSpec): void {
  const accountId = context.params.account_id ?? "";
  const { holds } = groupsHeldByRoles(rolesOn(state, accountId));
  const missing = [
    ...new Set(
      spec.policies
        .filter((p) => p.effect === "allow")
        .flatMap((p) => p.permissionGroupIds)
        .map((id) => state.catalog.findById(id)?.name ?? id)
        .filter((name) => !holds({ name })),
    ),
  ];
  if (missing.length === 0) return;
  throw refuse.missingPermission(
    state.behaviours,
    endpoint,
    `a member with "API Token Provisioning" can only grant the permissions its user holds; on account ${accountId} its roles (${quoted(rolesOn(state, accountId))}) do not hold ${missing.map((g) => `"${g}"`).join(", ")}. Fix: grant the provisioner's user a role that holds them (e.g. "Administrator Read Only" for read groups), or use a Super Administrator's provisioner`,
  );
}
