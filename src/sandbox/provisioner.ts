import { unknownGroupMessage } from "../cloudflare/permission-groups";
import { FixtureError } from "./fixture/load-fixture";
import type { Fixture } from "./fixture/schema";
import { ApiError } from "./http/envelope";
import type { Inventory } from "./inventory";
import type { PermissionCatalog } from "./permission-catalog";
import type { IssuedToken, TokenStore } from "./tokens/token-store";
import { parseTokenRequest } from "./tokens/token-request";

/**
 * Issues the fixture's provisioner token, the credential Pulumi's provider and the verifier start
 * from. It passes the same rules as a token created over the API, so a fixture cannot hand out
 * more than its user has.
 */
export function issueProvisionerToken(
  fixture: Fixture,
  catalog: PermissionCatalog,
  inventory: Inventory,
  tokens: TokenStore,
  now: Date,
): IssuedToken {
  const spec = fixture.provisioner_token;
  const owner = { kind: "user" as const, userId: fixture.user.id };
  const body = {
    name: spec.name,
    policies: spec.policies.map((policy, index) => ({
      effect: policy.effect,
      resources: policy.resources,
      permission_groups: policy.permission_groups.map((group) => {
        const found = catalog.find(group);
        if (!found) {
          throw new FixtureError(`provisioner_token.policies.${index}: ${unknownGroupMessage(group)}`);
        }
        return { id: found.id };
      }),
    })),
  };
  try {
    return tokens.issue(parseTokenRequest(body, { owner, catalog, inventory }), owner, now, spec.id);
  } catch (error) {
    if (error instanceof ApiError) throw new FixtureError(`provisioner_token: ${error.errors.map((e) => e.message).join("; ")}`);
    throw error;
  }
}
