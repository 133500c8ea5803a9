/**
 * Compliant baselines for the policy tests, produced by the real program: stack file -> zod ->
 * plan -> resolve (a fake directory answering the provider's invokes) -> ComplianceToken under Pulumi mocks.
 * Each resource carries the inputs the engine would hand the analyzer (Analyze) and the outputs a
 * stack policy sees (AnalyzeStack), including the token value, so tests can prove no rule reads it.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml } from "yaml";
import { CONFIG_NAMESPACE } from "../../src/config/schema";
import { projectKeys, stackFilePath } from "../../src/config/stack-file";
import { complianceTokenMocks } from "../../src/component/mocks";
import { complianceTokensProgram } from "../../src/program/program";
import { COMPLIANCE_TOKEN_TYPE } from "../../policies/rules/common";
import { endMockedRun } from "../helpers/mocked-run";
import { ACME_CORP } from "../helpers/settings";

export const PROJECT = "cf-compliance-tokens";
export const PROJECT_DIR = path.resolve(__dirname, "../..");

/** Deterministic 32-hex IDs, the shape Cloudflare uses for zones and users. */
export const hexId = (seed: string) => createHash("md5").update(seed).digest("hex");
export const USER_ID = hexId("user:provisioner");
export const SECRET_PREFIX = "SECRET-TOKEN-VALUE-";

export interface FakeResource {
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  /** Parent URN; undefined means the stack. */
  readonly parent?: string;
  readonly custom: boolean;
  /** What the analyzer's Analyze call sees. */
  readonly inputs: Record<string, unknown>;
  /** What a stack policy (AnalyzeStack) sees: outputs, secrets unwrapped, including the value. */
  readonly outputs: Record<string, unknown>;
}

export function urnOf(stack: string, typeChain: string, name: string): string {
  return `urn:pulumi:${stack}::${PROJECT}::${typeChain}::${name}`;
}

/** The project's keys of a shipped stack file, namespace stripped (what the program's config holds). */
export function stackFileConfig(stack: string): Record<string, unknown> {
  const document = parseYaml(readFileSync(stackFilePath(PROJECT_DIR, stack), "utf8")) as { config: Record<string, unknown> };
  return projectKeys(document.config);
}

/**
 * Runs the real program for `stack` with `config` under mocks and returns every resource it
 * registered. Each call resets the mocks, so calls must not overlap.
 */
export async function deploy(stack: string, config: Record<string, unknown>, now = new Date()): Promise<FakeResource[]> {
  const created: pulumi.runtime.MockResourceArgs[] = [];
  // The package's own mocks; every zone name resolves, in Acme Corp, to an ID derived from the name.
  await pulumi.runtime.setMocks(
    complianceTokenMocks({
      zones: (name) => ({ id: hexId(`zone:${name}`), accountId: ACME_CORP }),
      userId: USER_ID,
      tokenValue: (name) => `${SECRET_PREFIX}${name}`,
      onResource: (args) => created.push(args),
    }),
    PROJECT,
    stack,
    false,
  );
  pulumi.runtime.setAllConfig(Object.fromEntries(Object.entries(config).map(([k, v]) => [`${CONFIG_NAMESPACE}:${k}`, JSON.stringify(v)])));
  const outputs = await complianceTokensProgram(now);
  await Promise.all(Object.values(outputs.tokens).map((token) => new Promise((resolve) => token.id.apply(resolve))));
  await endMockedRun();

  const components = new Map(created.filter((r) => r.type === COMPLIANCE_TOKEN_TYPE).map((r) => [r.name, urnOf(stack, r.type, r.name)]));
  return created.map((r): FakeResource => {
    const isChild = r.custom === true && components.has(r.name);
    const parent = isChild ? components.get(r.name) : undefined;
    const typeChain = isChild ? `${COMPLIANCE_TOKEN_TYPE}$${r.type}` : r.type;
    return {
      type: r.type,
      name: r.name,
      urn: urnOf(stack, typeChain, r.name),
      ...(parent ? { parent } : {}),
      custom: r.custom === true,
      inputs: r.inputs,
      outputs: r.custom
        ? { ...r.inputs, id: `${r.name}-id`, value: `${SECRET_PREFIX}${r.name}` }
        : // A component's outputs are what it registered, the secret value among them.
          { tokenId: `${r.name}-id`, value: `${SECRET_PREFIX}${r.name}` },
    };
  });
}

/**
 * The shipped prod stack, made compliant with the pack's defaults: stacks/Pulumi.prod.yaml gives
 * only the Drata connection an IP filter, so ASCERA's token would trip ip-filter-required.
 */
export function compliantProdConfig(): Record<string, unknown> {
  const config = structuredClone(stackFileConfig("prod")) as { connections: Record<string, unknown>[] };
  for (const connection of config.connections) {
    const token = (connection["token"] ?? {}) as Record<string, unknown>;
    if (!token["allowedIps"]) connection["token"] = { ...token, allowedIps: ["192.0.2.0/24"] };
  }
  return config;
}

export const byName = (resources: readonly FakeResource[], type: string, name: string): FakeResource => {
  const found = resources.find((r) => r.type === type && r.name === name);
  if (!found) throw new Error(`no ${type} named ${name} among ${resources.map((r) => r.name).join(", ")}`);
  return found;
};

/** A deep copy of a resource with its inputs edited, for the non-compliant cases. */
export function edit(resource: FakeResource, change: (inputs: any) => void): FakeResource {
  const inputs = structuredClone(resource.inputs);
  change(inputs);
  return { ...resource, inputs, outputs: { ...resource.outputs, ...inputs } };
}

/** The stacks whole-pack tests read: a compliant prod, prod and dev as shipped in stacks/. */
export async function deployedStacks(): Promise<{ prod: FakeResource[]; shippedProd: FakeResource[]; dev: FakeResource[] }> {
  return {
    prod: await deploy("prod", compliantProdConfig()),
    shippedProd: await deploy("prod", stackFileConfig("prod")),
    dev: await deploy("dev", stackFileConfig("dev")),
  };
}
