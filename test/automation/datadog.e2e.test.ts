import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runDestroy } from "../../src/automation/destroy";
import { runUp } from "../../src/automation/pipeline";
import { runRotate } from "../../src/automation/rotate";
import { startDatadogStandIn, type DatadogStandIn } from "../../src/demo/datadog-standin";
import { RegistrationConfigError } from "../../src/registration";
import { freezeClock } from "../../src/sandbox/control-client";
import { useSandbox } from "../helpers/sandbox";
import { cfct } from "../helpers/cli-run";
import {
  ACME_CORP,
  ACME_LABS,
  advanceClock,
  issuedTokens,
  pipelineFor,
  rehearsalArgs,
  rehearsalEnv,
  testProject,
  works,
} from "../helpers/pipeline";

const DD = { DD_API_KEY: "ddapi_CANARY_e2e_0123456789", DD_APP_KEY: "ddapp_CANARY_e2e_9876543210" };
const CANARY = "DDCANARY_";
const sandbox = useSandbox({ port: 0, tokenPrefix: CANARY });
let datadog: DatadogStandIn;
beforeAll(async () => {
  // Datadog checks every key it is given against Cloudflare: here, the sandbox.
  datadog = await startDatadogStandIn({ apiKey: DD.DD_API_KEY, appKey: DD.DD_APP_KEY, cloudflareApiBase: sandbox.baseUrl });
  await freezeClock(sandbox.control);
});
afterAll(() => datadog.close());

function project(name: string, registration: Record<string, unknown> = {}) {
  const p = testProject(name);
  p.writeConfig({
    connections: [
      {
        platform: "datadog",
        name: `dd-${name}`,
        // Datadog lists zones with the token; Cloudflare lists them only to a token holding all zones of every account its owner reaches.
        accounts: [ACME_CORP, ACME_LABS],
        zones: "all",
        registration: { kind: "datadog", site: datadog.url, apiKeyEnv: "DD_API_KEY", appKeyEnv: "DD_APP_KEY", ...registration },
      },
    ],
    token: { ttlDays: 30 },
  });
  return p;
}

const live = async (name: string) =>
  (await issuedTokens(sandbox))
    .filter((t) => t.name.startsWith(`cfct ${name} dd-${name} `))
    .map((t) => t.name)
    .sort();

describe("Datadog registration by API, end to end against the sandbox and the stand-in Datadog", () => {
  it("up registers the verified token; rotate sends the new value, waits for Datadog's use, then revokes the old; destroy deletes the account", async () => {
    const p = project("ddflow", { deleteOnDestroy: true });
    const lines: string[] = [];
    const pipeline = pipelineFor(sandbox, p, lines, { extraEnv: DD });

    const up = await runUp(pipeline.context);
    expect(up.ok, up.problems.join("\n")).toBe(true);
    expect(up.tokens.map((t) => [t.logicalName, t.verify?.ok, t.registration?.status, t.registration?.registrar])).toEqual([
      ["dd-ddflow-g1", true, "registered", "datadog"],
    ]);
    expect(up.tokens[0]!.registration!.location).toMatch(/\/api\/v2\/integrations\/cloudflare\/accounts\/[0-9a-f]{32}$/);
    const first = datadog.keyOf("dd-ddflow")!;
    expect(await works(sandbox, first, { kind: "user" })).toBe(true);

    // A re-run registers nothing again.
    const calls = datadog.requests.length;
    expect((await runUp(pipeline.context)).tokens.map((t) => t.registration)).toEqual([undefined]);
    expect(datadog.requests).toHaveLength(calls);

    // Rotation: the successor is verified, then PATCHed into the same account. Datadog's check of it
    // happens inside the registration, before cfct records its own last use, so it is not a pickup.
    const rotate = (force: boolean) => runRotate(pipeline.context, { ifDueWithinDays: 14, graceHours: 24, force, keys: ["dd-ddflow"] });
    const started = await rotate(true);
    expect(started.events.map((e) => e.event)).toEqual(["successor-created", "waiting-for-pickup"]);
    expect(started.tokens.map((t) => [t.logicalName, t.registration?.status])).toEqual([["dd-ddflow-g2", "registered"]]);
    const second = datadog.keyOf("dd-ddflow")!;
    expect(second).not.toBe(first);
    expect(datadog.accountNames().filter((n) => n === "dd-ddflow")).toHaveLength(1);
    expect(await live("ddflow")).toEqual(["cfct ddflow dd-ddflow g1", "cfct ddflow dd-ddflow g2"]);

    // Datadog's next collection uses the new token; the next rotate sees it and revokes g1.
    await advanceClock(sandbox, 3600);
    expect(await datadog.poll()).toBeGreaterThanOrEqual(1);
    const done = await rotate(false);
    expect(done.events.map((e) => e.event)).toEqual(["picked-up", "old-revoked"]);
    expect(await live("ddflow")).toEqual(["cfct ddflow dd-ddflow g2"]);
    expect(await works(sandbox, second, { kind: "user" })).toBe(true);

    const destroyed = await runDestroy(pipeline.context);
    expect(destroyed.ok, destroyed.problems.join("\n")).toBe(true);
    expect(await live("ddflow")).toEqual([]);
    expect(datadog.accountNames()).not.toContain("dd-ddflow");
    expect(
      lines.some((l) =>
        /^dd-ddflow: deleted \(datadog\) Datadog \(127\.0\.0\.1:\d+\) account "dd-ddflow" \([0-9a-f]{32}\) deleted$/.test(l),
      ),
    ).toBe(true);
    for (const line of lines) for (const secret of [first, second, DD.DD_API_KEY, DD.DD_APP_KEY]) expect(line).not.toContain(secret);
  });

  it("destroy without deleteOnDestroy keeps the account, says so, and needs no Datadog key", async () => {
    const p = project("ddkeep");
    const registering = pipelineFor(sandbox, p, [], { extraEnv: DD });
    expect((await runUp(registering.context)).ok).toBe(true);
    const lines: string[] = [];
    const withoutKeys = pipelineFor(sandbox, p, lines);
    const destroyed = await runDestroy(withoutKeys.context);
    expect(destroyed.ok).toBe(true);
    expect(await live("ddkeep")).toEqual([]);
    expect(datadog.accountNames()).toContain("dd-ddkeep");
    expect(lines.join("\n")).toMatch(
      /dd-ddkeep: Datadog \(127\.0\.0\.1:\d+\) account "dd-ddkeep" kept \(registration\.deleteOnDestroy is not set\)/,
    );
  });

  it("destroy with deleteOnDestroy but no Datadog key stops before any token is deleted", async () => {
    const p = project("ddnokey", { deleteOnDestroy: true });
    expect((await runUp(pipelineFor(sandbox, p, [], { extraEnv: DD }).context)).ok).toBe(true);
    await expect(runDestroy(pipelineFor(sandbox, p).context)).rejects.toThrow(/DD_API_KEY \(registration\.apiKeyEnv\), which is not set/);
    expect(await live("ddnokey")).toEqual(["cfct ddnokey dd-ddnokey g1"]);
    await runDestroy(pipelineFor(sandbox, p, [], { extraEnv: DD }).context);
  });

  it("an application key without manage_integrations: the token is verified, registration fails with the fix, exit code 2 territory", async () => {
    const readOnly = await startDatadogStandIn({ apiKey: DD.DD_API_KEY, appKey: DD.DD_APP_KEY, appKeyPermissions: ["integrations_read"] });
    try {
      const p = project("dd403", { site: readOnly.url });
      const up = await runUp(pipelineFor(sandbox, p, [], { extraEnv: DD }).context);
      expect(up.ok).toBe(false);
      expect(up.tokens.map((t) => [t.verify?.ok, t.registration?.status])).toEqual([[true, "failed"]]);
      expect(up.problems.join("\n")).toMatch(/403 Forbidden.*application key in DD_APP_KEY lacks the manage_integrations permission/);
      await runDestroy(pipelineFor(sandbox, p).context);
    } finally {
      await readOnly.close();
    }
  });

  it("a rehearsal refuses a real Datadog site before any token exists", async () => {
    const p = project("ddreal", { site: "datadoghq.com" });
    await expect(runUp(pipelineFor(sandbox, p, [], { extraEnv: DD }).context)).rejects.toThrow(RegistrationConfigError);
    await expect(runUp(pipelineFor(sandbox, p, [], { extraEnv: DD }).context)).rejects.toThrow(
      /hands sandbox tokens to local stand-ins only/,
    );
    expect(await live("ddreal")).toEqual([]);
  });

  it("cfct up (CLI): a stack file naming another host is refused with exit 1 and the flag to name; nothing is created", async () => {
    const p = project("ddhost", { site: "https://dd-proxy.example.com" });
    const run = (extra: string[]) => cfct(["up", ...rehearsalArgs(sandbox, p), ...extra], { ...rehearsalEnv(sandbox, p), ...DD });
    const refused = await run([]);
    expect(refused.code, refused.stderr).toBe(1);
    expect(refused.stderr).toContain("registration.site sends to dd-proxy.example.com");
    // The run-time flag cannot lift a rehearsal's loopback-only rule.
    const stillRefused = await run(["--allow-registration-host", "dd-proxy.example.com"]);
    expect(stillRefused.code, stillRefused.stderr).toBe(1);
    expect(stillRefused.stderr).toContain("hands sandbox tokens to local stand-ins only");
    expect(`${refused.stdout}${refused.stderr}${stillRefused.stdout}${stillRefused.stderr}`).not.toContain("CANARY");
    expect(await live("ddhost")).toEqual([]);
  }, 120_000); // two CLI processes

  it("leak canary (CLI): up, rotate and destroy with Datadog registration print and write no token value and no Datadog key", async () => {
    const p = project("ddleak", { deleteOnDestroy: true });
    const run = (args: string[]) => cfct([...args, ...rehearsalArgs(sandbox, p)], { ...rehearsalEnv(sandbox, p), ...DD });
    const runs = [await run(["up"]), await run(["rotate", "--force"]), await run(["destroy"])];
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    expect(runs[0]!.stdout).toMatch(/dd-ddleak-g1: registered \(datadog\)/);
    expect(runs[1]!.stdout).toMatch(/dd-ddleak-g2: registered \(datadog\)/);
    expect(runs[2]!.stdout).toMatch(/dd-ddleak: deleted \(datadog\)/);
    const secrets = [CANARY, DD.DD_API_KEY, DD.DD_APP_KEY];
    for (const r of runs) for (const secret of secrets) expect(`${r.stdout}${r.stderr}`).not.toContain(secret);
    const evidence = path.join(p.dir, "evidence");
    const files = readdirSync(evidence, { recursive: true, withFileTypes: true }).filter((f) => f.isFile());
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const text = readFileSync(path.join(file.parentPath, file.name), "utf8");
      for (const secret of secrets) expect(text, file.name).not.toContain(secret);
    }
  }, 180_000); // three CLI processes, each loading Pulumi and one Datadog's client: minutes on a loaded 2-core machine
});
