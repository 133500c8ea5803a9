import { afterAll, describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { behaviourOverrides, diffBehaviourFiles, parseBehaviourFile } from "../../src/parity/behaviour-file";
import { recordBehaviours } from "../../src/parity/measure";
import { parityPlan } from "../../src/parity/plan";
import { parityTarget } from "../../src/cli/clients";
import {
  DEFAULT_BEHAVIOURS,
  nonDefaultBehaviourCases,
  startSandbox,
  type BehaviourOverrides,
  type RunningSandbox,
} from "../../src/sandbox";
import shipped from "../../src/sandbox/default-behaviours.json";
import { defaultFixture } from "../../src/sandbox";
import { controlFetch, sandboxPacingClock } from "../../src/sandbox/control-client";
import { IDS } from "../helpers/sandbox-client";

const CANARY = "PARITYCANARY_";
const target = (sandbox: RunningSandbox) =>
  parityTarget({
    apiBase: sandbox.baseUrl,
    provisionerToken: sandbox.provisionerToken,
    accountId: IDS.acmeCorp,
    zoneId: IDS.acmeCorpCom,
  });
/**
 * The recording on the sandbox's clock: waiting for the short-lived token to expire moves that clock
 * forward through the control plane instead of sleeping, so no case waits real seconds.
 */
function onClockOf(sandbox: RunningSandbox) {
  const clock = sandboxPacingClock(sandbox.control);
  return { now: () => new Date(clock.now()), sleep: (ms: number) => clock.sleepUntil(clock.now() + ms) };
}

const started: RunningSandbox[] = [];
afterAll(() => Promise.all(started.map((s) => s.close())));
async function sandboxWith(behaviours: BehaviourOverrides = {}): Promise<RunningSandbox> {
  const sandbox = await startSandbox({ behaviours, tokenPrefix: CANARY });
  started.push(sandbox);
  return sandbox;
}

async function tokenIds(sandbox: RunningSandbox): Promise<string[]> {
  const answer = (await (await controlFetch(sandbox.control, "/tokens")).json()) as { id: string }[] | { tokens: { id: string }[] };
  return (Array.isArray(answer) ? answer : answer.tokens).map((t) => t.id).sort();
}

const execFileAsync = promisify(execFile);

/** The built CLI in a child process: the sandbox keeps answering in this one. */
async function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string; err: string }> {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, ["bin/cfct.js", ...args], { env: { ...process.env, ...env } });
    return { code: 0, out: stdout, err: stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, out: failed.stdout, err: failed.stderr };
  }
}

describe("the shipped behaviour file", () => {
  it("is the sandbox's defaults, each with public sources", () => {
    const file = parseBehaviourFile(shipped, "default-behaviours.json");
    expect(behaviourOverrides(file)).toEqual(DEFAULT_BEHAVIOURS);
    for (const record of Object.values(file.behaviours)) expect(record.sources.length).toBeGreaterThan(0);
  });

  it("refuses a file with an unknown behaviour or value, naming the key and the fix", () => {
    const bad = {
      ...shipped,
      behaviours: {
        ...shipped.behaviours,
        zoneListing: { value: "sometimes", measured: true },
        zoneListng: { value: "refuse", measured: true },
      },
    };
    expect(() => parseBehaviourFile(bad, "parity.json")).toThrow(
      /behaviours\.zoneListing\.value: "sometimes" is not a value of zoneListing\. Fix: use one of refuse, filter/,
    );
    expect(() => parseBehaviourFile(bad, "parity.json")).toThrow(/behaviours\.zoneListng: is not a sandbox behaviour/);
  });
});

/** `cfct sandbox-parity` for the default fixture's account and zone, with more flags. */
const parity = (...flags: string[]): string[] => ["sandbox-parity", "--account", IDS.acmeCorp, "--zone", IDS.acmeCorpCom, ...flags];

describe("cfct sandbox-parity", () => {
  it("--dry-run lists every call and makes none", async () => {
    const sandbox = await sandboxWith();
    const { code, out } = await cli(parity("--api-base", sandbox.baseUrl, "--dry-run"));
    expect(code).toBe(0);
    const plan = parityPlan({ accountId: IDS.acmeCorp, zoneId: IDS.acmeCorpCom });
    expect(out).toContain(`would make these ${plan.length} calls`);
    for (const call of plan) expect(out).toContain(`${call.method.padEnd(6)} ${call.path}`);
    const stats = (await (await controlFetch(sandbox.control, "/stats")).json()) as { total: number };
    expect(stats.total).toBe(0);
  });

  it("records the sandbox's own defaults against a default sandbox, makes exactly the planned calls and leaves no token behind", async () => {
    const sandbox = await sandboxWith();
    const before = await tokenIds(sandbox);
    const { file, leftBehind } = await recordBehaviours(target(sandbox), onClockOf(sandbox));
    expect(leftBehind).toEqual([]);
    expect(await tokenIds(sandbox)).toEqual(before);
    expect(diffBehaviourFiles(parseBehaviourFile(shipped, "shipped"), file)).toEqual([]);
    expect(behaviourOverrides(file)).toEqual(DEFAULT_BEHAVIOURS);
    // The same calls as the plan, in the same order; test-token IDs in place of the plan's placeholders.
    // The default fixture's user is Super Administrator: the calls made only for an Administrator are not made.
    const planned = parityPlan({ accountId: IDS.acmeCorp, zoneId: IDS.acmeCorpCom })
      .filter((c) => !c.when)
      .map((c) => `${c.method} ${c.path.replace(/\{[^}]+\}/g, "*")}`);
    const made = file.calls.map(
      (c) =>
        `${c.method} ${c.path.replace(/[0-9a-f]{32}(?=$|\?|\/)/g, (id) => (id === IDS.acmeCorp || id === IDS.acmeCorpCom ? id : "*")).replace(/name=[^&]+/, "name=*")}`,
    );
    expect(made).toEqual(planned);
    expect(file.calls.every((c) => c.status !== null)).toBe(true);
    expect(JSON.stringify(file)).not.toContain(CANARY);
  });

  it.each(nonDefaultBehaviourCases().filter((c) => c.name !== "rateLimitRefusal" && c.name !== "accountTokenRoles"))(
    "reads $name=$value off a sandbox set to behave that way",
    async ({ name, value, overrides }) => {
      const sandbox = await sandboxWith(overrides);
      const { file } = await recordBehaviours(target(sandbox), onClockOf(sandbox));
      expect(file.behaviours[name]).toMatchObject({ value, measured: true });
      expect(diffBehaviourFiles(parseBehaviourFile(shipped, "shipped"), file).map((d) => d.name)).toEqual([name]);
    },
  );

  it('accountTokenRoles: measured with an "Administrator" provisioner by a create Cloudflare must refuse; no account-owned token is made', async () => {
    const fixture = defaultFixture();
    fixture.memberships = fixture.memberships.map((m) => (m.account_id === IDS.acmeCorp ? { ...m, roles: ["Administrator"] } : m));
    for (const [behaviours, expected] of [
      [{}, { value: "super-admin", measured: true }],
      [
        { accountTokenRoles: "administrator" as const },
        { value: "super-admin", measured: false, note: expect.stringMatching(/refused the body \(400\), so nothing was created/) },
      ],
    ] as const) {
      const sandbox = await startSandbox({ fixture, behaviours, tokenPrefix: CANARY });
      started.push(sandbox);
      const before = await tokenIds(sandbox);
      const { file, leftBehind } = await recordBehaviours(target(sandbox), onClockOf(sandbox));
      expect(file.behaviours.accountTokenRoles).toMatchObject(expected);
      expect(file.calls.map((c) => `${c.method} ${c.path.split("/").slice(0, 3).join("/")}`)).toContain(`POST /accounts/${IDS.acmeCorp}`);
      expect([leftBehind, await tokenIds(sandbox)]).toEqual([[], before]);
    }
  });

  it("writes the file and never prints a token value", async () => {
    const sandbox = await sandboxWith();
    const fs = await import("node:fs");
    const os = await import("node:os");
    const path = await import("node:path");
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "cfct-parity-")), "parity.json");
    // CLI runs use the real 5-second short-lived token; this is the one slow case.
    const run = await cli(parity("--api-base", sandbox.baseUrl, "--token-env", "PARITY_T", "--out", out), {
      PARITY_T: sandbox.provisionerToken,
    });
    expect(run.code).toBe(0);
    expect(run.out).toContain("Same as the sandbox's defaults");
    const written = parseBehaviourFile(JSON.parse(fs.readFileSync(out, "utf8")), out);
    expect(behaviourOverrides(written)).toEqual(DEFAULT_BEHAVIOURS);
    for (const text of [run.out, run.err, fs.readFileSync(out, "utf8")]) expect(text).not.toContain(CANARY);
  }, 30_000);

  it("refuses bad flags before any call, naming the flag and the fix", async () => {
    expect((await cli(["sandbox-parity", "--zone", IDS.acmeCorpCom, "--dry-run"])).err).toMatch(/--account is required/);
    expect((await cli(["sandbox-parity", "--account", "acme", "--zone", IDS.acmeCorpCom, "--dry-run"])).err).toMatch(
      /--account "acme" is not a Cloudflare ID\. Fix:/,
    );
    const run = await cli(parity("--token-env", "NO_SUCH_PARITY_VAR"));
    expect(run.code).toBe(1);
    expect(run.err).toMatch(/NO_SUCH_PARITY_VAR is not set\. Fix: export the provisioner credential/);
    expect((await cli(parity("--api-base", "http://example.com/client/v4", "--dry-run"))).code).toBe(1);
  });
});
