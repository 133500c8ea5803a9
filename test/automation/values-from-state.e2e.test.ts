import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import type { DeployedToken } from "../../src/automation/engine";
import type { OrphanTokens } from "../../src/automation/pending-creates";
import { runUp, runVerify, type PipelineContext } from "../../src/automation/pipeline";
import { PulumiEngine } from "../../src/automation/pulumi-engine";
import type { RegistrationRequest } from "../../src/registration";
import { TOKEN_RESOURCE_TYPES } from "../../src/domain/resource-types";
import { mockTokenValue, runStackProgram, type ProgramRun } from "../helpers/program-under-mocks";
import {
  answers,
  installPulumiStandIn,
  projectCopy,
  stepEvents,
  type PulumiStandIn,
  type StackStateOptions,
} from "../helpers/pulumi-standin";
import { useSandbox } from "../helpers/sandbox";
import { ACME_CORP, pipelineFor, testProject } from "../helpers/pipeline";

const PULUMI_ENV = { PULUMI_BACKEND_URL: "file:///tmp/cfct-state", PULUMI_CONFIG_PASSPHRASE: "correct horse" };
const NO_ORPHANS: OrphanTokens = { list: async () => [], remove: async () => undefined };
const tokenTypes: readonly string[] = Object.values(TOKEN_RESOURCE_TYPES);

let standIn: PulumiStandIn | undefined;
afterEach(() => {
  standIn?.restore();
  standIn = undefined;
});

/** The dev stack as `pulumi up` of this program leaves it: outputs as the program returns them, each token's value in its resource's state. */
function devStack(run: ProgramRun, extraOutputs: StackStateOptions["outputs"] = {}): StackStateOptions {
  return {
    stack: "dev",
    outputs: { tokens: { value: run.outputs["tokens"], secret: false }, ...extraOutputs },
    tokens: run.resources
      .filter((r) => tokenTypes.includes(r.type))
      .map(({ type, name, id, state: { value, ...inputs } }) => ({
        logicalName: name,
        type,
        id: id!,
        value: value as string,
        inputs,
      })),
  };
}

/** A pipeline on the Pulumi engine (the stand-in CLI) whose verifier and registrars only record what they were given. */
function pipelineOnPulumi(lines: string[]) {
  const verified: { token: string; value: string }[] = [];
  const registered: Pick<RegistrationRequest, "tokenKey" | "generation" | "value">[] = [];
  const engine = new PulumiEngine({
    projectDir: projectCopy(),
    stack: "dev",
    provisionerToken: "cf-provisioner-value",
    provisionerTokenEnv: "CLOUDFLARE_API_TOKEN",
    orphans: NO_ORPHANS,
    env: PULUMI_ENV,
    onOutput: (line) => lines.push(line),
  });
  const ctx: PipelineContext = {
    engine,
    verifier: {
      verify: async ({ token, value }) => (verified.push({ token: token.logicalName, value }), { ok: true, apiCalls: 0, checks: [] }),
    },
    inspector: { lastUsedOn: async () => null, exposed: async () => false },
    registrarFor: () => ({
      kind: "recorder",
      register: async ({ tokenKey, generation, value }) => (
        registered.push({ tokenKey, generation, value }),
        { registrar: "recorder", status: "registered", detail: "recorded", attempts: 1, at: "2026-11-25T00:00:00Z" }
      ),
    }),
    apiBaseUrl: "https://api.cloudflare.com/client/v4",
    now: async () => new Date("2026-11-25T00:00:00Z"),
    progress: (line) => lines.push(line),
    preflight: async () => ({ findings: [], notes: [] }),
  };
  return { ctx, verified, registered };
}

const creates = (stack: StackStateOptions) => stack.tokens.flatMap((t) => stepEvents("create", t.logicalName, t.type));

describe("the Pulumi engine reads token values from the stack's state (stand-in CLI, the dev stack's real program outputs)", () => {
  let run: ProgramRun;
  beforeAll(async () => {
    run = await runStackProgram("dev");
  });

  it("cfct up: each value reaches its registrar from `stack export --show-secrets`, while `pulumi stack output --json --show-secrets` shows none", async () => {
    const stack = devStack(run);
    const values = stack.tokens.map((t) => t.value!);
    expect(values).toEqual(stack.tokens.map((t) => mockTokenValue(t.logicalName)));
    standIn = installPulumiStandIn({
      answers: [
        answers.selected,
        ...answers.stack(stack),
        { command: ["config", "set"] },
        { command: ["up"], events: creates(stack) },
        answers.history,
      ],
    });
    const lines: string[] = [];
    const { ctx, verified, registered } = pipelineOnPulumi(lines);

    const summary = await runUp(ctx);
    expect(summary.problems).toEqual([]);
    expect(verified.map((v) => v.value).sort()).toEqual([...values].sort());
    expect(registered.map((r) => r.value).sort()).toEqual([...values].sort());
    expect(Object.fromEntries(registered.map((r) => [`${r.tokenKey}-g${r.generation}`, r.value]))).toEqual(
      Object.fromEntries(stack.tokens.map((t) => [t.logicalName, t.value])),
    );
    // cfct itself ran only `stack export` for the values; the two `stack output` calls are the Automation API's own after `up`.
    expect(standIn.commands().filter((c) => c === "stack export")).toHaveLength(2);
    expect(
      standIn
        .calls()
        .filter((c) => c.argv[0] === "stack" && c.argv[1] === "export")
        .every((c) => c.argv.includes("--show-secrets")),
    ).toBe(true);

    const pulumi = (...args: string[]) => execFileSync(path.join(standIn!.dir, "pulumi"), args, { encoding: "utf8" });
    const shown = pulumi("stack", "output", "--json", "--show-secrets", "--stack", "dev");
    const exported = pulumi("stack", "export", "--show-secrets", "--stack", "dev");
    for (const token of stack.tokens) {
      expect(shown).toContain(token.id);
      expect(shown).not.toContain(token.value);
      expect(exported).toContain(token.value); // the state holds it: the check above is not vacuous
    }
    for (const value of values) expect(lines.join("\n")).not.toContain(value);
  });

  it("a stack deployed before this change: the next up drops `tokenValues` and says so once; the up after it says nothing", async () => {
    const legacyValues = Object.fromEntries(devStack(run).tokens.map((t) => [t.logicalName, t.value]));
    const legacy = devStack(run, { tokenValues: { value: legacyValues, secret: true } });
    const current = devStack(run);
    const [legacyExport] = answers.stack(legacy);
    standIn = installPulumiStandIn({
      answers: [
        answers.selected,
        // Before the update the state is the old program's; after it, the new one's.
        { ...legacyExport!, times: 1 },
        ...answers.stack(current),
        { command: ["config", "set"] },
        { command: ["up"] },
        answers.history,
      ],
    });
    const lines: string[] = [];
    const first = pipelineOnPulumi(lines);
    expect((await runUp(first.ctx)).problems).toEqual([]);
    const notice = lines.filter((line) => line.includes("removed the stack output `tokenValues`"));
    expect(notice).toEqual([
      "stack dev: this update removed the stack output `tokenValues` that earlier cfct versions wrote; token values are now read from the stack's state only. " +
        "Anything that copied that output (CI step outputs, StackReferences) held the values: rotate if it may have leaked",
    ]);
    expect(first.registered.map((r) => r.value).sort()).toEqual(Object.values(legacyValues).sort());

    const later: string[] = [];
    await runUp(pipelineOnPulumi(later).ctx);
    expect(later.join("\n")).not.toContain("tokenValues");
  });

  it.each([
    ["current", false],
    ["pre-change, with `tokenValues`", true],
  ])("cfct verify --stack reads values from the state on the %s shape", async (_shape, legacy) => {
    const values = Object.fromEntries(devStack(run).tokens.map((t) => [t.logicalName, t.value]));
    const stack = legacy ? devStack(run, { tokenValues: { value: values, secret: true } }) : devStack(run);
    standIn = installPulumiStandIn({ answers: [answers.selected, ...answers.stack(stack)] });
    const { ctx, verified } = pipelineOnPulumi([]);
    expect((await runVerify(ctx)).problems).toEqual([]);
    expect(Object.fromEntries(verified.map((v) => [v.token, v.value]))).toEqual(values);
  });
});

describe("cfct verify --stack <env> --engine pulumi from the CLI, values from the state, against the sandbox", () => {
  const sandbox = useSandbox({ port: 0 });
  const project = testProject("shapes");
  let deployed: DeployedToken[];
  let values: Record<string, string>;

  beforeAll(async () => {
    // Real tokens in the sandbox, made by the rehearsal; their records and values become the Pulumi stack's state.
    project.writeConfig({
      connections: [
        { platform: "drata", accounts: [ACME_CORP], zones: ["acme-corp.com"] },
        { platform: "ascera", accounts: [ACME_CORP] },
      ],
    });
    const { context } = pipelineFor(sandbox, project);
    const engine = context.engine;
    expect((await runUp(context)).problems).toEqual([]);
    deployed = await engine.outputs();
    values = Object.fromEntries(await Promise.all(deployed.map(async (t) => [t.logicalName, (await engine.tokenValue(t.logicalName))!])));
  });

  function stackOf(legacy: boolean): StackStateOptions {
    const tokens = Object.fromEntries(deployed.map(({ logicalName, ...record }) => [logicalName, record]));
    return {
      stack: project.stack,
      outputs: { tokens: { value: tokens, secret: false }, ...(legacy ? { tokenValues: { value: values, secret: true } } : {}) },
      tokens: deployed.map((t) => ({
        logicalName: t.logicalName,
        type: t.owner.kind === "account" ? TOKEN_RESOURCE_TYPES.account : TOKEN_RESOURCE_TYPES.user,
        id: t.owner.kind === "account" ? `${t.owner.accountId}/${t.id}` : t.id,
        value: values[t.logicalName]!,
      })),
    };
  }

  function cfct(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return new Promise((resolve) => {
      const env = { ...process.env, ...PULUMI_ENV, CLOUDFLARE_API_TOKEN: sandbox.provisionerToken };
      const child = spawn(process.execPath, [path.resolve("bin/cfct.js"), ...args], { env });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      child.on("close", (code) => resolve({ code, stdout, stderr }));
    });
  }

  it.each([
    ["current", false],
    ["pre-change, with `tokenValues`", true],
  ])("verifies every deployed token on the %s shape, and prints no value", async (_shape, legacy) => {
    standIn = installPulumiStandIn({ answers: [answers.selected, ...answers.stack(stackOf(legacy))] });
    const evidenceDir = mkdtempSync(path.join(tmpdir(), "cfct-evidence-"));
    const verify = await cfct([
      "verify",
      ...["--stack", project.stack, "--engine", "pulumi", "--api-base", sandbox.baseUrl],
      ...["--project-dir", project.dir, "--evidence-dir", evidenceDir, "--json"],
    ]);
    expect(verify.code, verify.stderr).toBe(0);
    const report = JSON.parse(verify.stdout) as { ok: boolean; tokens: { tokenKey: string; ok: boolean }[] };
    expect(report.ok).toBe(true);
    expect(report.tokens.map((t) => [t.tokenKey, t.ok])).toEqual(deployed.map((t) => [t.key, true]));
    for (const value of Object.values(values)) expect(verify.stdout + verify.stderr).not.toContain(value);
    expect(standIn.commands()).toContain("stack export");
    expect(standIn.commands()).not.toContain("stack output");
  });
});
