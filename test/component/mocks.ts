import type * as pulumi from "@pulumi/pulumi";
import { KNOWN_PERMISSION_GROUPS } from "../../src/cloudflare/permission-groups";
import { SCOPES } from "../../src/domain/permission-group";

/** Pulumi mocks for the component on its own: resources are recorded, the provider's invokes answered from the catalog. */
export function componentMocks(): {
  mocks: pulumi.runtime.Mocks;
  registered: pulumi.runtime.MockResourceArgs[];
  invokes: pulumi.runtime.MockCallArgs[];
} {
  const registered: pulumi.runtime.MockResourceArgs[] = [];
  const invokes: pulumi.runtime.MockCallArgs[] = [];
  const groups = (scopes: string[]) =>
    KNOWN_PERMISSION_GROUPS.filter((g) => scopes.includes(g.scope)).map((g) => ({
      id: `id-${g.scope}-${g.name}`,
      name: g.name,
      scopes: [g.scope],
    }));
  const mocks: pulumi.runtime.Mocks = {
    newResource(args) {
      registered.push(args);
      return { id: args.custom ? `tok-${args.name}` : undefined, state: { ...args.inputs, value: `SECRET-${args.name}` } };
    },
    call(args) {
      invokes.push(args);
      if (args.token.endsWith("getApiTokenPermissionGroupsList")) return { results: groups([SCOPES.user, SCOPES.account, SCOPES.zone]) };
      if (args.token.endsWith("getAccountApiTokenPermissionGroupsList")) return { results: groups([SCOPES.account, SCOPES.zone]) };
      if (args.token.endsWith("getUser")) return { id: "8ec917c52e6b1d94920f1e3ec8d5ae82" };
      throw new Error(`unexpected invoke ${args.token}`);
    },
  };
  return { mocks, registered, invokes };
}
