import type { FixtureAccount } from "../fixture/schema";
import { paginate } from "../http/pagination";
import { replyWith, replyWithPage, type Route, type RouteBuilders } from "../http/route";
import { refuse } from "../http/refusals";
import type { SandboxState } from "../state";
import { membershipPermissions, roleView } from "./account-roles";

/** GET /accounts and /accounts/{id}, and the account inside a membership (iam_account). */
export function accountView(account: FixtureAccount) {
  return {
    id: account.id,
    name: account.name,
    type: account.type,
    settings: {
      enforce_twofactor: account.enforce_twofactor,
      default_nameservers: "cloudflare.standard",
      use_account_custom_ns_by_default: false,
    },
    created_on: account.created_on,
  };
}

/** Who the token speaks for and where it belongs: /user, /memberships, /accounts, members. */
export function identityRoutes(state: SandboxState, routes: RouteBuilders): Route[] {
  const { inventory } = state;
  return [
    routes.user("GET", "/user", (_context, user) => {
      const plans = new Set(inventory.zones.filter((z) => inventory.isUserMemberOf(z.account_id)).map((z) => z.plan));
      return replyWith({
        id: user.id,
        email: user.email,
        first_name: user.first_name,
        last_name: user.last_name,
        username: user.username ?? user.id,
        telephone: null,
        country: user.country,
        zipcode: null,
        two_factor_authentication_enabled: user.two_factor_authentication_enabled,
        two_factor_authentication_locked: false,
        created_on: user.created_on,
        modified_on: user.created_on,
        organizations: [],
        has_pro_zones: plans.has("pro"),
        has_business_zones: plans.has("business"),
        has_enterprise_zones: plans.has("enterprise"),
        suspended: false,
        betas: [],
      });
    }),

    routes.user("GET", "/memberships", (context) => {
      const status = context.query.get("status");
      const memberships = inventory.memberships
        .filter((m) => status === null || m.status === status)
        .map((m) => ({
          id: m.id,
          status: m.status,
          account: accountView(inventory.account(m.account_id)!),
          roles: m.roles,
          permissions: membershipPermissions(m.roles),
          api_access_enabled: null,
        }));
      return replyWithPage(paginate(memberships, context.query));
    }),

    routes.filteredList("GET", "/accounts", (context) => {
      if (context.token.owner.kind === "account") throw refuse.accountTokenCannotListAccounts();
      const name = context.query.get("name");
      const visible = inventory.accounts.filter(
        (a) => (name === null || a.name === name) && state.authorizer.holdsAnyGroupOn(context.token, a),
      );
      const ordered = context.query.get("direction") === "desc" ? [...visible].reverse() : visible;
      return replyWithPage(paginate(ordered.map(accountView), context.query));
    }),

    routes.account("GET", "/accounts/{account_id}", (_context, account) => replyWith(accountView(account))),

    routes.account("GET", "/accounts/{account_id}/members", (context, account) => {
      const status = context.query.get("status");
      const members = account.members
        .filter((m) => status === null || m.status === status)
        .map((m) => ({ id: m.id, status: m.status, user: m.user, roles: m.roles.map(roleView), policies: [] }));
      return replyWithPage(paginate(members, context.query));
    }),
  ];
}
