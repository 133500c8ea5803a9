import { createHash } from "node:crypto";
import type * as pulumi from "@pulumi/pulumi";
import { KNOWN_PERMISSION_GROUPS } from "../cloudflare/permission-groups";
import { SCOPES, type Scope } from "../domain/permission-group";

/** The four Cloudflare provider invokes a ComplianceToken makes to resolve names to IDs. */
export const COMPLIANCE_TOKEN_INVOKES = {
  userPermissionGroups: "cloudflare:index/getApiTokenPermissionGroupsList:getApiTokenPermissionGroupsList",
  accountPermissionGroups: "cloudflare:index/getAccountApiTokenPermissionGroupsList:getAccountApiTokenPermissionGroupsList",
  zones: "cloudflare:index/getZones:getZones",
  user: "cloudflare:index/getUser:getUser",
} as const;

/** A zone the mocked `getZones` knows. */
export interface MockZone {
  /** The zone's ID (32 hex characters) that `getZones` answers for its name. */
  readonly id: string;
  /** The account the zone belongs to: a ComplianceToken only takes a zone of its own accounts. */
  readonly accountId: string;
}

/** What `complianceTokenMocks` answers and reports; every option has a default. */
export interface ComplianceTokenMockOptions {
  /**
   * The zones `getZones` finds, by name: a map, or a function (undefined: no such zone, as
   * Cloudflare answers for a name it does not know). Default: none, so only zone IDs resolve.
   */
  readonly zones?: Readonly<Record<string, MockZone>> | ((name: string) => MockZone | undefined);
  /** The provisioner's user ID `getUser` answers (user-owned tokens name it). Default a fixed 32-hex ID. */
  readonly userId?: string;
  /** Permission groups the list invokes leave out, by (name, scope): as Cloudflare withdrawing a group. */
  readonly withoutGroups?: readonly { readonly name: string; readonly scope: string }[];
  /** The `value` output of a created token resource. Default `mock-token-value-<resource name>`. */
  readonly tokenValue?: (resourceName: string) => string;
  /** Sees every resource registration (to assert what a program declared). */
  readonly onResource?: (args: pulumi.runtime.MockResourceArgs) => void;
  /** Sees every invoke (to assert which provider answered it). */
  readonly onInvoke?: (args: pulumi.runtime.MockCallArgs) => void;
}

/** A mocked group's ID: 32 hex characters derived from (scope, name), the same on every run. */
export function mockPermissionGroupId(name: string, scope: string): string {
  return createHash("md5").update(`${scope}:${name}`).digest("hex");
}

/** The user ID `getUser` answers when `userId` is not given. */
export const MOCK_USER_ID = mockPermissionGroupId("provisioner", SCOPES.user);

/**
 * Pulumi mocks for unit-testing a program that declares ComplianceTokens, offline: pass the result
 * to `pulumi.runtime.setMocks`. The four provider invokes the component needs are answered the way
 * Cloudflare's provider would: the permission-group lists from the component's own catalog (the
 * user list with every scope, the account list without user scope; IDs from
 * `mockPermissionGroupId`), zones by name from `zones`, the user from `userId`. Every resource is
 * registered with its inputs as its state; a custom resource gets the ID `<name>-id`, and a token a
 * `value`. Any other invoke fails, naming it, so a program that needs more says so.
 *
 * ```ts
 * await pulumi.runtime.setMocks(
 *   complianceTokenMocks({ zones: { "example.com": { id: "<32-hex zone id>", accountId: "<32-hex account id>" } } }),
 *   "my-project", "dev", false,
 * );
 * ```
 */
export function complianceTokenMocks(options: ComplianceTokenMockOptions = {}): pulumi.runtime.Mocks {
  const withheld = new Set((options.withoutGroups ?? []).map((g) => `${g.scope}\u0000${g.name}`));
  const groups = (scopes: readonly Scope[]) =>
    KNOWN_PERMISSION_GROUPS.filter((g) => scopes.includes(g.scope) && !withheld.has(`${g.scope}\u0000${g.name}`)).map((g) => ({
      id: mockPermissionGroupId(g.name, g.scope),
      name: g.name,
      scopes: [g.scope],
    }));
  const zoneNamed = (name: string): MockZone | undefined =>
    typeof options.zones === "function"
      ? options.zones(name)
      : options.zones && Object.hasOwn(options.zones, name)
        ? options.zones[name]
        : undefined;
  return {
    newResource(args) {
      options.onResource?.(args);
      if (!args.custom) return { id: undefined, state: {} };
      return {
        id: `${args.name}-id`,
        state: { ...args.inputs, value: (options.tokenValue ?? ((name) => `mock-token-value-${name}`))(args.name) },
      };
    },
    call(args) {
      options.onInvoke?.(args);
      switch (args.token) {
        case COMPLIANCE_TOKEN_INVOKES.userPermissionGroups:
          return { results: groups([SCOPES.user, SCOPES.account, SCOPES.zone]) };
        case COMPLIANCE_TOKEN_INVOKES.accountPermissionGroups:
          return { results: groups([SCOPES.account, SCOPES.zone]) };
        case COMPLIANCE_TOKEN_INVOKES.zones: {
          const name = String(args.inputs.name);
          const zone = zoneNamed(name);
          return { results: zone ? [{ id: zone.id, name, account: { id: zone.accountId, name: zone.accountId } }] : [] };
        }
        case COMPLIANCE_TOKEN_INVOKES.user:
          return { id: options.userId ?? MOCK_USER_ID };
        default:
          throw new Error(`complianceTokenMocks does not answer the invoke ${args.token}: add it to your own mocks`);
      }
    },
  };
}
