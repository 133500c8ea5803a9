import { createHash } from "node:crypto";
import path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { KNOWN_PERMISSION_GROUPS } from "../../src/cloudflare/permission-groups";
import { CONFIG_NAMESPACE } from "../../src/config/schema";
import { readProjectConfig, stackFilePath } from "../../src/config/stack-file";
import { SCOPES } from "../../src/domain/permission-group";
import { complianceTokensProgram } from "../../src/program/program";
import { nameOfUrn } from "../../src/automation/stack-state";
import { pulumiConfigString } from "../../src/rehearsal/rehearsal-engine";
import { endMockedRun, recordRegisteredOutputs } from "./mocked-run";

const PROJECT_DIR = path.resolve(__dirname, "../..");
const PROJECT = "cf-compliance-tokens";
const USER_ID = "8ec917c52e6b1d94920f1e3ec8d5ae82";

/** What the mocked provider returns as a token's value: a string no output may ever contain. */
export const mockTokenValue = (logicalName: string) => `cfct-mock-value-${logicalName}-${hex(logicalName).slice(0, 16)}`;
const mockTokenId = (logicalName: string) => hex(`id:${logicalName}`);

function hex(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 32);
}

/** A resource the program declared: a token as the mocked provider created it, or a component with the outputs it registered. */
export interface RegisteredResource {
  readonly type: string;
  readonly name: string;
  /** The provider's ID of a token; null for a component. */
  readonly id: string | null;
  /** A token's state (its inputs and value); a component's registered outputs. */
  readonly state: Record<string, unknown>;
}

export interface ProgramRun {
  /** The program's outputs with every Output resolved and every secret unwrapped: what `pulumi stack output --show-secrets` would show. */
  readonly outputs: Record<string, unknown>;
  /** The names of the outputs that are secrets. */
  readonly secretOutputs: readonly string[];
  readonly resources: readonly RegisteredResource[];
}

/**
 * Cloudflare's answers to the component's invokes: every known group, a zone for any name, one user.
 * Each token the provider creates is added to `tokens`.
 */
const mocksRecording = (tokens: RegisteredResource[]): pulumi.runtime.Mocks => ({
  newResource(args) {
    const created = { id: args.custom ? mockTokenId(args.name) : undefined, state: { ...args.inputs, value: mockTokenValue(args.name) } };
    if (args.custom) tokens.push({ type: args.type, name: args.name, id: created.id!, state: created.state });
    return created;
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
});

/** The stack program for `stack`, with this repository's stacks/Pulumi.<stack>.yaml as its config, under Pulumi's mocks. */
export async function runStackProgram(stack: string, now = new Date("2026-11-25T00:00:00Z")): Promise<ProgramRun> {
  const tokens: RegisteredResource[] = [];
  const registeredOutputs = recordRegisteredOutputs();
  try {
    await pulumi.runtime.setMocks(mocksRecording(tokens), PROJECT, stack, false);
    const config = readProjectConfig(stackFilePath(PROJECT_DIR, stack));
    pulumi.runtime.setAllConfig(
      Object.fromEntries(Object.entries(config).map(([key, value]) => [`${CONFIG_NAMESPACE}:${key}`, pulumiConfigString(value)])),
    );
    const program = (await complianceTokensProgram(now)) as Record<string, unknown>;
    const outputs = (await new Promise((resolve) => pulumi.output(program).apply(resolve))) as Record<string, unknown>;
    const secretOutputs: string[] = [];
    for (const [name, output] of Object.entries(program)) if (await pulumi.isSecret(pulumi.output(output))) secretOutputs.push(name);
    await endMockedRun();
    const components = (await registeredOutputs.resolve()).map(({ urn, outputs: state }) => ({
      type: typeOfUrn(urn),
      name: nameOfUrn(urn),
      id: null,
      state,
    }));
    return { outputs, secretOutputs, resources: [...tokens, ...components] };
  } finally {
    registeredOutputs.restore();
  }
}

/** `urn:pulumi:<stack>::<project>::<parent type>$<type>::<name>`: the last type of the chain. */
function typeOfUrn(urn: string): string {
  return urn.split("::")[2]!.split("$").pop()!;
}
