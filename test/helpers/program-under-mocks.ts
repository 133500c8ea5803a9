import { createHash } from "node:crypto";
import path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { KNOWN_PERMISSION_GROUPS } from "../../src/cloudflare/permission-groups";
import { CONFIG_NAMESPACE } from "../../src/config/schema";
import { readProjectConfig, stackFilePath } from "../../src/config/stack-file";
import { SCOPES } from "../../src/domain/permission-group";
import { complianceTokensProgram } from "../../src/program/program";
import { pulumiConfigString } from "../../src/rehearsal/rehearsal-engine";

const PROJECT_DIR = path.resolve(__dirname, "../..");
const PROJECT = "cf-compliance-tokens";
const USER_ID = "8ec917c52e6b1d94920f1e3ec8d5ae82";

/** What the mocked provider returns as a token's value: a string no output may ever contain. */
export const mockTokenValue = (logicalName: string) => `cfct-mock-value-${logicalName}-${hex(logicalName).slice(0, 16)}`;
const mockTokenId = (logicalName: string) => hex(`id:${logicalName}`);

function hex(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 32);
}

/** A resource as Pulumi's mock monitor recorded it: its URN, ID, and state (for a component, its registered outputs). */
export interface RegisteredResource {
  readonly urn: string;
  readonly id: string | null;
  readonly state: Record<string, unknown>;
}

export interface ProgramRun {
  /** The program's outputs with every Output resolved and every secret unwrapped: what `pulumi stack output --show-secrets` would show. */
  readonly outputs: Record<string, unknown>;
  /** The names of the outputs that are secrets. */
  readonly secretOutputs: readonly string[];
  readonly resources: readonly RegisteredResource[];
}

/** Cloudflare's answers to the component's invokes: every known group, a zone for any name, one user. */
const mocks: pulumi.runtime.Mocks = {
  newResource(args) {
    return { id: args.custom ? mockTokenId(args.name) : undefined, state: { ...args.inputs, value: mockTokenValue(args.name) } };
  },
  call(args) {
    const groups = (scopes: string[]) =>
      KNOWN_PERMISSION_GROUPS.filter((g) => scopes.includes(g.scope)).map((g) => ({
        id: hex(`${g.scope}:${g.name}`),
        name: g.name,
        scopes: [g.scope],
      }));
    switch (args.token.split(":").pop()) {
      case "getApiTokenPermissionGroupsList":
        return { results: groups([SCOPES.user, SCOPES.account, SCOPES.zone]) };
      case "getAccountApiTokenPermissionGroupsList":
        return { results: groups([SCOPES.account, SCOPES.zone]) };
      case "getZones": {
        const name = String(args.inputs.name);
        return { results: [{ id: hex(`zone:${name}`), name, account: { id: "417daa9dc1293f3af874e997f8bdce54", name: "Acme Corp" } }] };
      }
      case "getUser":
        return { id: USER_ID };
      default:
        throw new Error(`unexpected invoke ${args.token}`);
    }
  },
};

/** The stack program for `stack`, with this repository's stacks/Pulumi.<stack>.yaml as its config, under Pulumi's mocks. */
export async function runStackProgram(stack: string, now = new Date("2026-11-25T00:00:00Z")): Promise<ProgramRun> {
  await pulumi.runtime.setMocks(mocks, PROJECT, stack, false);
  const config = readProjectConfig(stackFilePath(PROJECT_DIR, stack));
  pulumi.runtime.setAllConfig(
    Object.fromEntries(Object.entries(config).map(([key, value]) => [`${CONFIG_NAMESPACE}:${key}`, pulumiConfigString(value)])),
  );
  const program = (await complianceTokensProgram(now)) as Record<string, unknown>;
  const outputs = (await new Promise((resolve) => pulumi.output(program).apply(resolve))) as Record<string, unknown>;
  const secretOutputs: string[] = [];
  for (const [name, output] of Object.entries(program)) if (await pulumi.isSecret(pulumi.output(output))) secretOutputs.push(name);
  // Components register their outputs asynchronously: wait for them (internal, exported at run time).
  await (pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
  type Recorded = { urn: string; id: string | null; state: { toJavaScript?: () => unknown } | undefined };
  const monitor = pulumi.runtime.getMonitor() as unknown as { getRegisteredResources(): Map<string, Recorded> };
  const resources = [...monitor.getRegisteredResources().values()].map(({ urn, id, state }) => ({
    urn,
    id,
    // A component's registered outputs arrive as a protobuf Struct.
    state: (state?.toJavaScript ? state.toJavaScript() : (state ?? {})) as Record<string, unknown>,
  }));
  return { outputs, secretOutputs, resources };
}
