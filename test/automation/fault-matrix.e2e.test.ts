import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runUp } from "../../src/automation/pipeline";
import { recordRun } from "../../src/automation/record-run";
import { runRotate } from "../../src/automation/rotate";
import { exitCodeFor } from "../../src/cli/errors";
import type { WebhookReceiver } from "../../src/demo/webhook-receiver";
import type { RunningSandbox } from "../../src/sandbox";
import { clearFaults as clearSandboxFaults, freezeClock, injectFault, controlFetch } from "../../src/sandbox/control-client";
import {
  ACME_CORP,
  WEBHOOK_SECRET_ENV,
  issuedTokens,
  pipelineFor,
  sandboxAndReceiver,
  testProject,
  works,
  type TestProject,
} from "../helpers/pipeline";
import { type Pipeline } from "../../src/automation/pipeline";

/**
 * Each step of a rotation (which deploys, verifies, registers and revokes) against each fault the
 * sandbox can inject. Every cell: the exit code of the contract, a message naming cause and fix,
 * evidence of the failure, the platform's token still working, and after a clean rerun and a
 * destroy, no token left that nobody holds.
 */
const running = sandboxAndReceiver();
let sandbox: RunningSandbox;
let hook: WebhookReceiver;
beforeAll(async () => {
  ({ sandbox, hook } = running);
  await freezeClock(sandbox.control);
});

const KEY = "ascera-417daa9d";
const OWNER = { kind: "account" as const, accountId: ACME_CORP };

type Step = "create" | "verify" | "revoke";
const ROUTES: Record<Step, { method: "POST" | "GET" | "DELETE"; path: string }> = {
  create: { method: "POST", path: "/accounts/{account_id}/tokens" },
  verify: { method: "GET", path: "/accounts/{account_id}/tokens/verify" },
  revoke: { method: "DELETE", path: "/accounts/{account_id}/tokens/{token_id}" },
};

const FAULTS = {
  "5xx": { kind: "status", status: 503 },
  "429 storm": { kind: "rate_limit", retryAfterSeconds: 3600 },
  reset: { kind: "reset" },
  "malformed JSON": { kind: "malformed" },
  // Every attempt outlasts the run's client timeout: the request lands in the sandbox after cfct stopped waiting.
  timeout: { kind: "latency", ms: 1_000 },
} as const;

/** The run's Cloudflare client timeout per fault: short only where the fault is time itself. */
const CLIENT_OPTIONS: Partial<Record<keyof typeof FAULTS, { timeoutMs: number }>> = { timeout: { timeoutMs: 300 } };

/**
 * What each step's failure means for the contract: a deploy or revoke that got no answer may have
 * changed something (2); a 429 is Cloudflare refusing before it did anything (1, nothing changed
 * by that step, but the run had declared nothing yet); a verification failure is a failed check (2).
 */
function expectedExit(step: Step, fault: keyof typeof FAULTS): number {
  if (step === "create" && fault === "429 storm") return 1;
  return 2;
}

const inject = (fault: Parameters<typeof injectFault>[1]) => injectFault(sandbox.control, fault);
const clearFaults = () => clearSandboxFaults(sandbox.control);

const answered = async (route: { method: string; path: string }): Promise<number> =>
  ((await (await controlFetch(sandbox.control, "/stats")).json()) as { byRoute: Record<string, number> }).byRoute[
    `${route.method} ${route.path}`
  ] ?? 0;

/**
 * Injects `count` of a fault on one route; `landed()` resolves once the sandbox has answered every
 * request the fault caught. A delayed request is served after its client gave up: a rerun must not
 * start before a late create exists, or it could not clean it up (polled, never timed).
 */
async function injectOn(
  route: (typeof ROUTES)[Step],
  fault: (typeof FAULTS)[keyof typeof FAULTS],
  count: number,
): Promise<{ landed: () => Promise<void> }> {
  const before = await answered(route);
  await inject({ ...fault, count, match: route });
  return {
    async landed() {
      const { pending } = (await (await controlFetch(sandbox.control, "/faults")).json()) as { pending: { remaining: number }[] };
      const caught = count - (pending[0]?.remaining ?? 0);
      while ((await answered(route)) < before + caught) await new Promise((resolve) => setTimeout(resolve, 50));
    },
  };
}

/** Runs a rotation as `cfct rotate --force --grace 0h` does: evidence written, the exit code of the contract. */
async function rotateRecorded(pipeline: Pipeline, stack: string, evidenceDir: string): Promise<{ exit: number; message: string }> {
  try {
    const { summary } = await recordRun(pipeline, { evidenceDir, projectDir: evidenceDir, stack, command: "rotate" }, () =>
      runRotate(pipeline.context, { ifDueWithinDays: 14, graceHours: 0, force: true, keys: [KEY] }),
    );
    return { exit: summary.ok ? 0 : 2, message: summary.problems.join("\n") };
  } catch (error) {
    return { exit: exitCodeFor(error), message: (error as Error).message };
  }
}

/** Runs `cfct up` as the CLI does: evidence written, the exit code of the contract. */
async function upRecorded(pipeline: Pipeline, stack: string, evidenceDir: string): Promise<{ exit: number; message: string }> {
  try {
    const { summary } = await recordRun(pipeline, { evidenceDir, projectDir: evidenceDir, stack, command: "up" }, () =>
      runUp(pipeline.context),
    );
    return { exit: summary.ok ? 0 : 2, message: summary.problems.join("\n") };
  } catch (error) {
    return { exit: exitCodeFor(error), message: (error as Error).message };
  }
}

function evidenceOf(dir: string, stack: string): { ok: boolean; problems: string[] } {
  const files = readdirSync(path.join(dir, stack)).filter((f) => f.endsWith(".json"));
  return JSON.parse(readFileSync(path.join(dir, stack, files.at(-1)!), "utf8"));
}

/** A deployed stack with one ASCERA account token delivered by webhook; the platform holds generation 1. */
async function deployed(stack: string, options: { timeoutMs?: number } = {}) {
  const project = testProject(stack);
  project.writeConfig({
    connections: [
      { platform: "ascera", accounts: [ACME_CORP], registration: { kind: "webhook", url: hook.url, secretEnv: WEBHOOK_SECRET_ENV } },
    ],
  });
  const pipeline = pipelineFor(sandbox, project, [], options);
  expect((await runUp(pipeline.context)).ok).toBe(true);
  return { project, pipeline };
}

const live = async (stack: string) => (await issuedTokens(sandbox)).filter((t) => t.name.startsWith(`cfct ${stack} `)).map((t) => t.name);

/**
 * The rerun finishes, and a destroy leaves no token nobody holds. A rerun is a new command with
 * budgets of its own: in the run that got it, a 429 blocks the principal for its whole retry-after.
 */
async function finishesAndLeavesNothing(project: TestProject, stack: string): Promise<void> {
  await clearFaults();
  const pipeline = pipelineFor(sandbox, project);
  const rerun = await runRotate(pipeline.context, { ifDueWithinDays: 14, graceHours: 0, keys: [KEY] });
  expect(rerun.ok, rerun.problems.join("\n")).toBe(true);
  expect(await live(stack)).toEqual([`cfct ${stack} ${KEY} g2`]);
  expect(await works(sandbox, hook.latestValue(KEY)!, OWNER)).toBe(true);
  await pipeline.context.engine.destroy();
  expect(await live(stack)).toEqual([]);
}

const CELLS = (["create", "verify", "revoke"] as const).flatMap((step) =>
  (Object.keys(FAULTS) as (keyof typeof FAULTS)[]).map((fault) => ({ step, fault })),
);

describe("fault matrix: a rotation's steps × the sandbox's faults", () => {
  it.each(CELLS)(
    "$fault at $step",
    async ({ step, fault }) => {
      const stack = `${step}-${fault.replace(/\W+/g, "")}`;
      await clearFaults();
      const { project, pipeline } = await deployed(stack, CLIENT_OPTIONS[fault]);
      const evidenceDir = mkdtempSync(path.join(tmpdir(), "cfct-fault-evidence-"));
      const platformHeld = hook.latestValue(KEY)!;
      const injected = await injectOn(ROUTES[step], FAULTS[fault], 20);

      const { exit, message } = await rotateRecorded(pipeline, stack, evidenceDir);
      await injected.landed();
      // A create that timed out still happened, once per attempt: the rerun must remove what nobody holds.
      if (fault === "timeout" && step === "create") expect(await live(stack)).toContain(`cfct ${stack} ${KEY} g2`);
      expect(exit, message).toBe(expectedExit(step, fault));
      expect(message).toMatch(/Fix: /);
      const evidence = evidenceOf(evidenceDir, stack);
      expect(evidence.ok).toBe(false);
      expect(evidence.problems.join("\n")).toContain(
        message
          .split("\n")[0]!
          .replace(/^stopped: /, "")
          .slice(0, 60),
      );
      // Whatever failed, the platform is never without a working token (checked once the faults are gone: the check calls verify too).
      await clearFaults();
      expect(await works(sandbox, hook.latestValue(KEY)!, OWNER)).toBe(true);
      if (step !== "revoke") expect(hook.latestValue(KEY)).toBe(platformHeld);

      await finishesAndLeavesNothing(project, stack);
    },
    60_000,
  );

  it.each(Object.keys(FAULTS) as (keyof typeof FAULTS)[])(
    "%s at up's first deploy",
    async (fault) => {
      const stack = `up-${fault.replace(/\W+/g, "")}`;
      await clearFaults();
      const project = testProject(stack);
      project.writeConfig({
        connections: [
          { platform: "ascera", accounts: [ACME_CORP], registration: { kind: "webhook", url: hook.url, secretEnv: WEBHOOK_SECRET_ENV } },
        ],
      });
      const pipeline = pipelineFor(sandbox, project, [], CLIENT_OPTIONS[fault]);
      const evidenceDir = mkdtempSync(path.join(tmpdir(), "cfct-fault-evidence-"));
      const injected = await injectOn(ROUTES.create, FAULTS[fault], 20);
      const { exit, message } = await upRecorded(pipeline, stack, evidenceDir);
      await injected.landed();
      if (fault === "timeout") expect(await live(stack)).toContain(`cfct ${stack} ${KEY} g1`);
      expect(exit, message).toBe(expectedExit("create", fault));
      expect(message).toMatch(/POST \/accounts\/[0-9a-f]{32}\/tokens failed: .*Fix: /);
      expect(evidenceOf(evidenceDir, stack)).toMatchObject({ ok: false, problems: [`stopped: ${message}`] });
      await clearFaults();
      const rerun = pipelineFor(sandbox, project, [], CLIENT_OPTIONS[fault]);
      expect((await runUp(rerun.context)).ok).toBe(true);
      expect(await live(stack)).toEqual([`cfct ${stack} ${KEY} g1`]);
      await rerun.context.engine.destroy();
      expect(await live(stack)).toEqual([]);
    },
    60_000,
  );

  it("webhook down at register: exit 2, the platform keeps generation 1, a rerun delivers", async () => {
    const stack = "register-down";
    const { project, pipeline } = await deployed(stack);
    const evidenceDir = mkdtempSync(path.join(tmpdir(), "cfct-fault-evidence-"));
    const platformHeld = hook.latestValue(KEY)!;
    project.writeConfig({
      connections: [
        {
          platform: "ascera",
          accounts: [ACME_CORP],
          registration: { kind: "webhook", url: "http://127.0.0.1:9/down", secretEnv: WEBHOOK_SECRET_ENV, timeoutMs: 500 },
        },
      ],
    });
    const { exit, message } = await rotateRecorded(pipeline, stack, evidenceDir);
    expect(exit).toBe(2);
    expect(message).toMatch(/registration failed: webhook .* Fix: check that the receiver is up/);
    expect(evidenceOf(evidenceDir, stack).problems.join("\n")).toContain("registration failed");
    expect(hook.latestValue(KEY)).toBe(platformHeld);
    expect(await works(sandbox, platformHeld, OWNER)).toBe(true);
    project.writeConfig({
      connections: [
        { platform: "ascera", accounts: [ACME_CORP], registration: { kind: "webhook", url: hook.url, secretEnv: WEBHOOK_SECRET_ENV } },
      ],
    });
    await finishesAndLeavesNothing(project, stack);
  }, 60_000);

  it("the old token revoked by hand mid-rotation: the rotation still finishes, exit 0", async () => {
    const stack = "revoked-by-hand";
    const { pipeline } = await deployed(stack);
    const old = (await pipeline.context.engine.outputs())[0]!;
    await fetch(`${sandbox.baseUrl}/accounts/${ACME_CORP}/tokens/${old.id}`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${sandbox.provisionerToken}` },
    });
    const evidenceDir = mkdtempSync(path.join(tmpdir(), "cfct-fault-evidence-"));
    const { exit, message } = await rotateRecorded(pipeline, stack, evidenceDir);
    expect(exit, message).toBe(0);
    expect(await works(sandbox, hook.latestValue(KEY)!, OWNER)).toBe(true);
    expect(await live(stack)).toEqual([`cfct ${stack} ${KEY} g2`]);
    await pipeline.context.engine.destroy();
    expect(await live(stack)).toEqual([]);
  }, 60_000);
});

/**
 * Cloudflare's side changing between `cfct plan` and `cfct up`: a permission group renamed (Cloudflare
 * renames and withdraws groups; the ID stays) or a zone deleted by its owner. Both are caught before
 * any token is created: exit 1, nothing created, the registered token untouched.
 */
describe("fault matrix: Cloudflare changed between plan and deploy", () => {
  const control = (method: string, route: string, body?: unknown) =>
    controlFetch(sandbox.control, `${route}`, {
      method,
      headers: { "content-type": "application/json" },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
  const RENAMED = { scope: "com.cloudflare.api.account", from: "Account Settings Read", to: "Account Settings: Read" };

  /** Runs `run` with ASCERA's "Account Settings Read" offered under another name, then restores it. */
  async function whileRenamed<T>(run: () => Promise<T>): Promise<T> {
    expect((await control("POST", "/permission_groups/rename", RENAMED)).status).toBe(200);
    try {
      return await run();
    } finally {
      expect((await control("POST", "/permission_groups/rename", { ...RENAMED, from: RENAMED.to, to: RENAMED.from })).status).toBe(200);
    }
  }

  const namesTheGroupAndTheFix =
    /permission group .*Account Settings Read.* is not offered by Cloudflare's account token list\. Cloudflare no longer offers it\. Fix: refresh the catalog \(`npm run catalog`/;

  it("permission group renamed at up's first deploy: exit 1, no token created", async () => {
    const stack = "up-renamed";
    await clearFaults();
    const project = testProject(stack);
    project.writeConfig({
      connections: [
        { platform: "ascera", accounts: [ACME_CORP], registration: { kind: "webhook", url: hook.url, secretEnv: WEBHOOK_SECRET_ENV } },
      ],
    });
    const pipeline = pipelineFor(sandbox, project);
    const evidenceDir = mkdtempSync(path.join(tmpdir(), "cfct-fault-evidence-"));
    expect((await pipeline.context.engine.preview()).changes).toContainEqual(expect.objectContaining({ op: "create" }));

    const { exit, message } = await whileRenamed(() => upRecorded(pipeline, stack, evidenceDir));
    expect(exit, message).toBe(1);
    expect(message).toMatch(namesTheGroupAndTheFix);
    expect(evidenceOf(evidenceDir, stack)).toMatchObject({ ok: false, problems: [`stopped: ${message}`] });
    expect(await live(stack)).toEqual([]);

    expect((await runUp(pipeline.context)).ok).toBe(true);
    expect(await live(stack)).toEqual([`cfct ${stack} ${KEY} g1`]);
    await pipeline.context.engine.destroy();
    expect(await live(stack)).toEqual([]);
  }, 60_000);

  it("permission group renamed at rotate's create: exit 1, no new generation, the platform keeps generation 1", async () => {
    const stack = "rotate-renamed";
    await clearFaults();
    const { project, pipeline } = await deployed(stack);
    const evidenceDir = mkdtempSync(path.join(tmpdir(), "cfct-fault-evidence-"));
    const platformHeld = hook.latestValue(KEY)!;

    const { exit, message } = await whileRenamed(() => rotateRecorded(pipeline, stack, evidenceDir));
    expect(exit, message).toBe(1);
    expect(message).toMatch(namesTheGroupAndTheFix);
    expect(evidenceOf(evidenceDir, stack).problems.join("\n")).toContain("Account Settings Read");
    expect(await live(stack)).toEqual([`cfct ${stack} ${KEY} g1`]);
    expect(hook.latestValue(KEY)).toBe(platformHeld);
    expect(await works(sandbox, platformHeld, OWNER)).toBe(true);

    await finishesAndLeavesNothing(project, stack);
  }, 60_000);

  async function zoneId(name: string): Promise<string> {
    const response = await fetch(`${sandbox.baseUrl}/zones?name=${name}`, {
      headers: { authorization: `Bearer ${sandbox.provisionerToken}` },
    });
    return ((await response.json()) as { result: { id: string }[] }).result[0]!.id;
  }

  // The preflight reads every chosen zone before anything is created: by name (GET /zones?name=) or,
  // for a zone named by its ID, by GET /zones/{id}, so a deleted zone is caught either way.
  it.each([
    // The provisioner holds Zone Read on every zone of the account: the zone is gone, and the message says so, not "give it Zone Read".
    { named: "by name", zone: "acme-status.com", says: /zone acme-status\.com is not in account\(s\) [0-9a-f]{32} .*the zone was deleted/ },
    {
      named: "by ID",
      zone: "acme-payments.com",
      says: /zone [0-9a-f]{32} is not in account\(s\) [0-9a-f]{32} \(GET \/zones\/[0-9a-f]{32}: .*\), though the provisioner holds Zone Read/,
    },
  ])(
    "zone deleted between plan and up's deploy, named $named: exit 1, no token created",
    async ({ named, zone, says }) => {
      const stack = `zone-deleted-${named.replace(/\W+/g, "")}`;
      await clearFaults();
      const id = await zoneId(zone);
      const project = testProject(stack);
      project.writeConfig({
        connections: [{ platform: "drata", accounts: [ACME_CORP], zones: ["acme-corp.com", named === "by ID" ? id : zone] }],
      });
      const pipeline = pipelineFor(sandbox, project);
      const evidenceDir = mkdtempSync(path.join(tmpdir(), "cfct-fault-evidence-"));
      expect((await pipeline.context.engine.preview()).changes).toContainEqual(expect.objectContaining({ op: "create" }));

      expect((await control("DELETE", `/zones/${id}`)).status).toBe(200);
      const { exit, message } = await upRecorded(pipeline, stack, evidenceDir);
      expect(exit, message).toBe(1);
      expect(message).toMatch(says);
      expect(message).toMatch(/Fix: /);
      expect(evidenceOf(evidenceDir, stack)).toMatchObject({ ok: false, problems: [`stopped: ${message}`] });
      expect((await issuedTokens(sandbox)).filter((t) => t.name.startsWith(`cfct ${stack} `))).toEqual([]);

      // The fix: drop the zone from the stack; the deploy then goes through.
      project.writeConfig({ connections: [{ platform: "drata", accounts: [ACME_CORP], zones: ["acme-corp.com"] }] });
      expect((await runUp(pipeline.context)).ok).toBe(true);
      expect(await issuedTokens(sandbox).then((tokens) => tokens.filter((t) => t.name.startsWith(`cfct ${stack} `)).length)).toBe(1);
      await pipeline.context.engine.destroy();
      expect((await issuedTokens(sandbox)).filter((t) => t.name.startsWith(`cfct ${stack} `))).toEqual([]);
    },
    60_000,
  );
});
