import type { HttpMethod } from "../../cloudflare/endpoint-permissions";
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
import { ACCOUNT_TOKEN_CREATOR_ROLES, canCreateAccountTokens } from "../../cloudflare/account-roles";
import { parseTokenRequest } from "../tokens/token-request";
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
  const scoped = (method: HttpMethod, path: string, handle: (context: RouteContext) => RouteReply | Promise<RouteReply>): Route =>
    family === "user" ? routes.user(method, path, handle) : routes.account(method, path, handle);

  /** The token named in the path, if the family's owner owns it (another owner's token does not exist here). */
  const ownedToken = (context: RouteContext) => {
    const id = context.params.token_id ?? "";
    const token = state.tokens.get(id);
    return token && isSameOwner(token.owner, ownerOf(context)) ? token : identifierNotFound(context, id);
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
            .filter((t) => listed(t, context) && named(t, context))
            .map((t) => view(t, context)),
          context.query,
        ),
      ),
    ),

    scoped("POST", base, async (context) => {
      const owner = ownerOf(context);
      if (owner.kind === "account") requireCreatorRole(state, context, owner.accountId);
      if (state.tokens.ownedBy(owner).length >= TOKEN_QUOTA[family]) {
        throw refuse.invalidRequest(
          `the ${family === "user" ? "user" : "account"} already has ${TOKEN_QUOTA[family]} API tokens, Cloudflare's quota. Fix: delete tokens that are no longer used`,
        );
      }
      const spec = parseTokenRequest(await context.body(), { owner, catalog: state.catalog, inventory: state.inventory });
      const { token, value } = state.tokens.issue(spec, owner, context.now);
      return replyWith({ ...view(token, context), value });
    }),

    scoped("GET", `${base}/{token_id}`, (context) => replyWith(view(ownedToken(context), context))),

    scoped("PUT", `${base}/{token_id}`, async (context) => {
      const current = ownedToken(context);
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

    scoped("PUT", `${base}/{token_id}/value`, (context) => replyWith(state.tokens.roll(ownedToken(context).id, context.now))),
  ];
}

/**
 * Under accountTokenCreatorRole "administrator" (the default), a user token may create an
 * account-owned token only when its user holds a qualifying role on that account, as the fixture's
 * memberships give them. An account-owned creator has no user, and no role to check.
 */
function requireCreatorRole(state: SandboxState, context: RouteContext, accountId: string): void {
  if (state.behaviours.accountTokenCreatorRole !== "administrator" || context.token.owner.kind !== "user") return;
  const roles = state.inventory.memberships.filter((m) => m.account_id === accountId && m.status === "accepted").flatMap((m) => m.roles);
  if (canCreateAccountTokens(roles)) return;
  throw refuse.missingPermission(
    state.behaviours,
    `creating an account-owned token needs the creator's user to hold ${ACCOUNT_TOKEN_CREATOR_ROLES.map((r) => `"${r}"`).join(" or ")} on account ${accountId}; it holds ${roles.length ? roles.map((r) => `"${r}"`).join(", ") : "no role there"}. Fix: have a Super Administrator grant one of those roles to the provisioner's user`,
  );
}
