import { spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { afterAll, beforeAll } from "vitest";
import { tmpdir } from "node:os";
import path from "node:path";
import { stringify } from "yaml";
import { buildPipeline, type PipelineOptions } from "../../src/cli/build-pipeline";
import type { PipelineContext } from "../../src/automation/pipeline";
import { createCloudflareClient } from "../../src/cloudflare/client";
import type { BehaviourOverrides, RunningSandbox } from "../../src/sandbox";
import { advanceClock as advanceSandboxClock, controlFetch } from "../../src/sandbox/control-client";
import { startWebhookReceiver, type WebhookReceiver } from "../../src/demo/webhook-receiver";
import { type Pipeline } from "../../src/automation/pipeline";
import { announceSandbox, useSandbox } from "./sandbox";

export const ACME_CORP = "417daa9dc1293f3af874e997f8bdce54";
export const ACME_LABS = "fca1dc0809e072ce2cf9eb2831e0e03b";
export const WEBHOOK_SECRET_ENV = "CFCT_TEST_WEBHOOK_SECRET";
export const WEBHOOK_SECRET = "test-webhook-secret-0123456789abcdef";

/** A throwaway project: Pulumi.yaml plus one stack file with the given config, and its own state/hand-off dirs. */
export interface TestProject {
  readonly dir: string;
  readonly stack: string;
  readonly handoffDir: string;
  readonly stateDir: string;
  /** Where the rehearsal engine keeps the sealing key (CFCT_REHEARSAL_KEY_DIR): not beside the state. */
  readonly keyDir: string;
  /** The HOME of this project's CLI runs: its ~/.cfct/sandbox.json announces the sandbox they rehearse against. */
  readonly home: string;
  writeConfig(config: Record<string, unknown>): void;
}

export function testProject(stack = "test"): TestProject {
  const dir = mkdtempSync(path.join(tmpdir(), "cfct-e2e-"));
  copyFileSync(path.resolve("Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
  mkdirSync(path.join(dir, "stacks"));
  const project: TestProject = {
    dir,
    stack,
    handoffDir: path.join(dir, "handoff"),
    stateDir: path.join(dir, "state"),
    keyDir: path.join(dir, "keys"),
    home: path.join(dir, "home"),
    writeConfig(config) {
      const namespaced = Object.fromEntries(Object.entries(config).map(([k, v]) => [`cf-compliance-tokens:${k}`, v]));
      writeFileSync(path.join(dir, "stacks", `Pulumi.${stack}.yaml`), stringify({ config: namespaced }));
    },
  };
  return project;
}

/**
 * The flags of a CLI rehearsal of `project`'s stack against `sandbox`: state and evidence stay in the
 * project. `found`: no --api-base, as a user types it, so the CLI finds the sandbox itself.
 */
export function rehearsalArgs(sandbox: RunningSandbox, project: TestProject, { found = false } = {}): string[] {
  return [
    "--stack",
    project.stack,
    "--engine",
    "sandbox",
    ...(found ? [] : ["--api-base", sandbox.baseUrl]),
    "--project-dir",
    project.dir,
    "--sandbox-state-dir",
    project.stateDir,
    "--evidence-dir",
    path.join(project.dir, "evidence"),
  ];
}

/**
 * The environment of a CLI rehearsal: a HOME whose ~/.cfct/sandbox.json announces `sandbox` (a
 * rehearsal takes its credentials from there only, as from a running `cfct sandbox`; announced here,
 * before the run), and hand-off sheets and sealing keys kept in the project. `provisionerToken`: a
 * lesser credential of the sandbox to rehearse with.
 */
export function rehearsalEnv(
  sandbox: RunningSandbox,
  project: TestProject,
  { provisionerToken }: { provisionerToken?: string } = {},
): Record<string, string> {
  announceSandbox(sandbox, project.home, provisionerToken);
  return {
    HOME: project.home,
    CFCT_REHEARSAL_HANDOFF_DIR: project.handoffDir,
    CFCT_REHEARSAL_KEY_DIR: project.keyDir,
  };
}

export function pipelineFor(
  sandbox: RunningSandbox,
  project: TestProject,
  lines: string[] = [],
  options: Partial<Pick<PipelineOptions, "timeoutMs" | "pacingClock" | "provisionerToken" | "rateBudget">> & {
    extraEnv?: Record<string, string>;
  } = {},
): Pipeline {
  const { extraEnv, ...rest } = options;
  return buildPipeline({
    projectDir: project.dir,
    stack: project.stack,
    engine: "sandbox",
    apiBase: sandbox.baseUrl,
    sandboxControl: sandbox.control,
    provisionerToken: sandbox.provisionerToken,
    sandboxStateDir: project.stateDir,
    progress: (line) => lines.push(line),
    env: {
      [WEBHOOK_SECRET_ENV]: WEBHOOK_SECRET,
      CFCT_REHEARSAL_HANDOFF_DIR: project.handoffDir,
      CFCT_REHEARSAL_KEY_DIR: project.keyDir,
      ...extraEnv,
    },
    registrarOverrides: { sleep: async () => {} },
    ...rest,
  });
}

/**
 * One sandbox and one webhook receiver for the whole test file (or describe block), started before
 * its tests and closed after; `behaviours` runs the sandbox with named behaviours (the matrix).
 */
export function sandboxAndReceiver(behaviours?: BehaviourOverrides): { readonly sandbox: RunningSandbox; readonly hook: WebhookReceiver } {
  const running = { sandbox: useSandbox({ port: 0, ...(behaviours ? { behaviours } : {}) }) } as {
    sandbox: RunningSandbox;
    hook: WebhookReceiver;
  };
  beforeAll(async () => {
    running.hook = await startWebhookReceiver(WEBHOOK_SECRET);
  });
  afterAll(async () => {
    await running.hook?.close();
  });
  return running;
}

export interface SandboxTokenView {
  id: string;
  name: string;
  status: string;
  last_used_on: string | null;
  expires_on: string | null;
  policies: unknown[];
}

export async function sandboxTokens(sandbox: RunningSandbox): Promise<SandboxTokenView[]> {
  const body = (await (await controlFetch(sandbox.control, "/tokens")).json()) as { tokens: SandboxTokenView[] };
  return body.tokens;
}

/** Tokens other than the fixture's provisioner. */
export async function issuedTokens(sandbox: RunningSandbox): Promise<SandboxTokenView[]> {
  return (await sandboxTokens(sandbox)).filter((t) => t.name.startsWith("cfct "));
}

export async function advanceClock(sandbox: RunningSandbox, seconds: number): Promise<void> {
  await advanceSandboxClock(sandbox.control, seconds);
}

/** Does this value still authenticate (the platform's view: is my token working)? */
export async function works(
  sandbox: RunningSandbox,
  value: string,
  owner: { kind: "user" } | { kind: "account"; accountId: string },
): Promise<boolean> {
  const client = createCloudflareClient({ apiToken: value, baseUrl: sandbox.baseUrl, maxRetries: 0 });
  try {
    const result = await client.verifyToken(owner);
    return result.status === "active";
  } catch {
    return false;
  }
}

export class Crash extends Error {
  override name = "Crash";
}

type Operation = "saveGenerations" | "up" | "verify" | "register" | "lastUsedOn";

/**
 * A context that "dies" at its n-th operation, before or after performing it: what a kill -9 at
 * that point leaves behind, minus the lock (a dead process's lock is taken over anyway).
 */
export function crashingAt(ctx: PipelineContext, n: number, when: "before" | "after"): { ctx: PipelineContext; operations: Operation[] } {
  const operations: Operation[] = [];
  const step = async <T>(operation: Operation, run: () => Promise<T>): Promise<T> => {
    operations.push(operation);
    const crash = operations.length === n;
    if (crash && when === "before") throw new Crash(`killed before ${operation} #${n}`);
    const result = await run();
    if (crash) throw new Crash(`killed after ${operation} #${n}`);
    return result;
  };
  const engine = ctx.engine;
  return {
    operations,
    ctx: {
      ...ctx,
      engine: {
        label: engine.label,
        preview: () => engine.preview(),
        destroy: () => engine.destroy(),
        outputs: () => engine.outputs(),
        tokenValue: (name) => engine.tokenValue(name),
        settings: () => engine.settings(),
        up: () => step("up", () => engine.up()),
        saveGenerations: (g) => step("saveGenerations", () => engine.saveGenerations(g)),
        setConfig: (key, value) => engine.setConfig(key, value),
      },
      verifier: { verify: (request) => step("verify", () => ctx.verifier.verify(request)) },
      inspector: {
        lastUsedOn: (token) => step("lastUsedOn", () => ctx.inspector.lastUsedOn(token)),
        exposed: (token) => ctx.inspector.exposed(token),
      },
      registrarFor: (connection) => {
        const registrar = ctx.registrarFor(connection);
        return { kind: registrar.kind, register: (request) => step("register", () => registrar.register(request)) };
      },
    },
  };
}

/**
 * `cfct up` of `project` from the CLI, interrupted with Ctrl-C (SIGINT) while a token create is in
 * flight: the caller makes the sandbox slow to answer the create (a latency fault); the signal is
 * sent once the rehearsal state records the create as sent and unanswered.
 */
export function interruptedUp(
  sandbox: RunningSandbox,
  project: TestProject,
  env: Record<string, string | undefined> = {},
): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ["bin/cfct.js", "up", ...rehearsalArgs(sandbox, project)], {
    env: { ...process.env, ...rehearsalEnv(sandbox, project), ...env },
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const closed = new Promise<number | null>((resolve) => child.on("close", resolve));
  const stateFile = path.join(project.stateDir, "state.json");
  const createInFlight = () =>
    existsSync(stateFile) && (JSON.parse(readFileSync(stateFile, "utf8")) as { pending: unknown[] }).pending.length > 0;
  const poll = setInterval(() => {
    try {
      if (createInFlight()) {
        clearInterval(poll);
        child.kill("SIGINT");
      }
    } catch {
      // The state is being replaced (written to a temp file and renamed): read it on the next tick.
    }
  }, 25);
  return closed.then((code) => {
    clearInterval(poll);
    return { code, output };
  });
}
