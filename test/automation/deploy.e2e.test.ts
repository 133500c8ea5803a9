import { execFileSync } from "node:child_process";
import { readFileSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { unknownValue } from "@pulumi/pulumi/runtime";
import { runUp } from "../../src/automation/pipeline";
import { runRotate } from "../../src/automation/rotate";
import { createCloudflareClient } from "../../src/cloudflare/client";
import { evidenceRecordSchema } from "../../src/evidence/record";
import { writeEvidence } from "../../src/evidence/write";
import type { RunningSandbox } from "../../src/sandbox";
import {
  ACME_CORP,
  ACME_LABS,
  WEBHOOK_SECRET_ENV,
  issuedTokens,
  pipelineFor,
  sandboxAndReceiver,
  testProject,
  works,
} from "../helpers/pipeline";
import type { WebhookReceiver } from "../../src/demo/webhook-receiver";

const running = sandboxAndReceiver();
let sandbox: RunningSandbox;
let hook: WebhookReceiver;
beforeAll(() => {
  ({ sandbox, hook } = running);
});

const drata = (extra: Record<string, unknown> = {}) => ({
  platform: "drata",
  accounts: [ACME_CORP],
  zones: ["acme-corp.com", "acme-payments.com"],
  ...extra,
});
const ascera = () => ({
  platform: "ascera",
  accounts: [ACME_CORP, ACME_LABS],
  registration: { kind: "webhook", url: hook.url, secretEnv: WEBHOOK_SECRET_ENV },
});

describe("cfct up against the sandbox (rehearsal engine)", () => {
  it("deploys, verifies, registers and records evidence; a re-run is a no-op; a config change updates in place; destroy revokes", async () => {
    const project = testProject("e2e");
    project.writeConfig({ connections: [drata(), ascera()] });
    const before = (await issuedTokens(sandbox)).length;
    const pipeline = pipelineFor(sandbox, project);

    // up -> verify -> register
    const first = await runUp(pipeline.context);
    expect(first.problems).toEqual([]);
    expect(first.tokens.map((t) => [t.logicalName, t.change, t.verify?.ok, t.registration?.status])).toEqual([
      ["drata-g1", "create", true, "handed-off"],
      ["ascera-417daa9d-g1", "create", true, "registered"],
      ["ascera-fca1dc08-g1", "create", true, "registered"],
    ]);
    const created = (await issuedTokens(sandbox)).slice(before);
    expect(created.map((t) => t.name).sort()).toEqual(["cfct e2e ascera-417daa9d g1", "cfct e2e ascera-fca1dc08 g1", "cfct e2e drata g1"]);

    // The hand-off sheet is private; the webhook delivered a value that works for the platform.
    const sheet = path.join(project.handoffDir, readdirSync(project.handoffDir)[0]!);
    expect(statSync(sheet).mode & 0o777).toBe(0o600);
    expect(readFileSync(sheet, "utf8")).toContain("Connections > Available Connections");
    const delivered = hook.latestValue("ascera-417daa9d")!;
    expect(await works(sandbox, delivered, { kind: "account", accountId: ACME_CORP })).toBe(true);

    // Evidence validates and carries ids, never values.
    const evidence = writeEvidence(path.join(project.dir, "evidence"), {
      schemaVersion: 1,
      command: "up",
      stack: project.stack,
      engine: pipeline.context.engine.label,
      clock: await pipeline.clock(),
      commit: null,
      startedAt: new Date().toISOString(),
      finishedAt: new Date().toISOString(),
      ok: first.ok,
      apiCalls: pipeline.apiCalls(),
      tokens: first.tokens,
      rotation: [],
      problems: first.problems,
    });
    const json = readFileSync(evidence.json, "utf8");
    expect(evidenceRecordSchema.parse(JSON.parse(json)).tokens).toHaveLength(3);
    expect(json).not.toContain(delivered);
    expect(readFileSync(evidence.markdown, "utf8")).toContain("verification: passed");

    // A second up changes nothing and registers nothing.
    const again = await runUp(pipeline.context);
    expect(again.tokens.map((t) => [t.change, t.verify, t.registration])).toEqual([
      ["same", undefined, undefined],
      ["same", undefined, undefined],
      ["same", undefined, undefined],
    ]);
    expect((await issuedTokens(sandbox)).length).toBe(before + 3);

    // A config change updates the token in place: same ID, same value, new condition.
    project.writeConfig({ connections: [drata({ token: { allowedIps: ["127.0.0.0/8"] } }), ascera()] });
    const changed = await runUp(pipeline.context);
    const drataToken = changed.tokens.find((t) => t.key === "drata")!;
    expect([drataToken.change, drataToken.id, drataToken.verify?.ok, drataToken.registration]).toEqual([
      "update",
      first.tokens[0]!.id,
      true,
      undefined,
    ]);
    expect(drataToken.ipFilter.allowed).toEqual(["127.0.0.0/8"]);

    // Changing nested inputs (zones, an existing IP filter) updates the token in Cloudflare too.
    project.writeConfig({
      connections: [
        drata({ zones: ["acme-corp.com", "acme-payments.com", "acme-status.com"], token: { allowedIps: ["127.0.0.0/16"] } }),
        ascera(),
      ],
    });
    const nested = (await runUp(pipeline.context)).tokens.find((t) => t.key === "drata")!;
    expect([nested.change, nested.id, nested.verify?.ok]).toEqual(["update", first.tokens[0]!.id, true]);
    const live = await createCloudflareClient({ apiToken: sandbox.provisionerToken, baseUrl: sandbox.baseUrl }).getToken(
      { kind: "user" },
      nested.id,
    );
    expect(JSON.stringify(live.policies)).toContain("621b8b25e1292b078cc50d9c9bdec591");
    expect(live.condition?.request_ip?.in).toEqual(["127.0.0.0/16"]);

    // destroy revokes every token: the platform's copy stops working.
    const destroyed = await pipeline.context.engine.destroy();
    expect(destroyed.changes.map((c) => c.op)).toEqual(["delete", "delete", "delete"]);
    expect((await issuedTokens(sandbox)).length).toBe(before);
    expect(await works(sandbox, delivered, { kind: "account", accountId: ACME_CORP })).toBe(false);
  });

  it("a prod-style token that only works from the platform's addresses is still proven by its policies and registered", async () => {
    const project = testProject("ipfiltered");
    project.writeConfig({ connections: [drata({ token: { allowedIps: ["203.0.113.0/24"] } })] });
    const pipeline = pipelineFor(sandbox, project);
    const [token] = (await runUp(pipeline.context)).tokens;
    const status = Object.fromEntries(token!.verify!.checks.map((c) => [c.id, c.status]));
    expect(status).toMatchObject({
      liveness: "warn",
      "exactness:groups": "pass",
      "exactness:resources": "pass",
      "exactness:ip-filter": "pass",
      probes: "skip",
    });
    expect(token!.registration?.status).toBe("handed-off");
    await pipeline.context.engine.destroy();
  });

  it("refuses to deploy when a webhook secret is missing, before any token exists", async () => {
    const project = testProject("nosecret");
    project.writeConfig({
      connections: [{ ...ascera(), registration: { kind: "webhook", url: hook.url, secretEnv: "CFCT_UNSET_SECRET" } }],
    });
    const before = (await issuedTokens(sandbox)).length;
    await expect(runUp(pipelineFor(sandbox, project).context)).rejects.toThrow(/CFCT_UNSET_SECRET/);
    expect((await issuedTokens(sandbox)).length).toBe(before);
  });

  it("refuses a hand-off directory inside a repository, where git does not ignore it, before any token exists", async () => {
    const project = testProject("inrepo");
    project.writeConfig({ connections: [drata()] });
    execFileSync("git", ["init", "-q", project.dir]);
    const before = (await issuedTokens(sandbox)).length;
    await expect(runUp(pipelineFor(sandbox, project).context)).rejects.toThrow(
      /connection drata: refusing to write a hand-off sheet in .*handoff: it is inside a git work tree and not git-ignored.*Fix: /,
    );
    expect((await issuedTokens(sandbox)).length).toBe(before);
  });

  it("a zone name that does not exist fails the deploy naming it, with nothing created", async () => {
    const project = testProject("badzone");
    project.writeConfig({ connections: [drata({ zones: ["acme-corp.com", "nonexistent-zone.com"] })] });
    const before = (await issuedTokens(sandbox)).length;
    // The sandbox's provisioner holds Zone Read on every zone of the account: the zone is missing, not the permission.
    const refusal = runUp(pipelineFor(sandbox, project).context);
    await expect(refusal).rejects.toThrow(
      /zone nonexistent-zone\.com is not in account\(s\) 417daa9dc1293f3af874e997f8bdce54 \(GET \/zones\?name=nonexistent-zone\.com: no such zone\), though the provisioner holds Zone Read on every zone there: .*Fix: correct or remove it in the stack's zones/,
    );
    await expect(refusal).rejects.not.toThrow(/give (it|the provisioner token) Zone Read/);
    expect((await issuedTokens(sandbox)).length).toBe(before);
  });

  it("a token that fails verification is not registered, and the run reports why", async () => {
    const project = testProject("badverify");
    project.writeConfig({ connections: [drata()] });
    const pipeline = pipelineFor(sandbox, project);
    const failing = {
      ...pipeline.context,
      verifier: {
        verify: async () => ({
          ok: false,
          apiCalls: 1,
          checks: [
            {
              id: "probe:Zone WAF Read",
              status: "fail" as const,
              detail: "403 on GET /zones/{zone_id}/rulesets",
              remedy: "add Zone WAF Read",
            },
          ],
        }),
      },
    };
    const result = await runUp(failing);
    expect(result.ok).toBe(false);
    expect(result.tokens[0]!.registration).toBeUndefined();
    expect(result.problems).toEqual(["drata-g1: probe:Zone WAF Read: 403 on GET /zones/{zone_id}/rulesets Fix: add Zone WAF Read"]);
    expect(readdirSync(project.dir)).not.toContain("handoff");
    // Not registered, so the next run tries again (with a verifier that passes now).
    const retried = await runUp(pipeline.context);
    expect(retried.tokens[0]!.registration?.status).toBe("handed-off");
    await pipeline.context.engine.destroy();
  });

  it.each([
    ["empty", ""],
    ["unknown", unknownValue],
  ])(
    "a token whose value comes back from the state %s is never registered; the message names the provider issue and rotate --force recovers",
    async (kind, lost) => {
      const project = testProject(`lostvalue-${kind}`);
      project.writeConfig({ connections: [drata()] });
      const pipeline = pipelineFor(sandbox, project);
      const engine = pipeline.context.engine;
      const verified: string[] = [];
      // What the provider issue leaves behind: the token exists, its value in the state does not.
      const losing = {
        ...pipeline.context,
        engine: Object.assign(Object.create(engine) as typeof engine, {
          tokenValue: async (name: string) => (name === "drata-g1" ? lost : engine.tokenValue(name)),
        }),
        verifier: {
          verify: (request: Parameters<typeof pipeline.context.verifier.verify>[0]) => (
            verified.push(request.token.logicalName),
            pipeline.context.verifier.verify(request)
          ),
        },
      };
      const result = await runUp(losing);
      expect(result.ok).toBe(false);
      expect(result.tokens.map((t) => [t.logicalName, t.change, t.verify?.ok, t.registration])).toEqual([
        ["drata-g1", "create", false, undefined],
      ]);
      expect(result.problems).toEqual([
        "drata-g1: the stack's state holds no value for this token (its token resource's value is empty or unknown), so it was neither verified nor registered. " +
          "This is a known provider issue: Cloudflare returns a token's value only when it is created, and the Cloudflare provider can lose it from state " +
          "(cloudflare/terraform-provider-cloudflare#5273, #5648, #5967). " +
          `Fix: cfct rotate --stack lostvalue-${kind} --force issues a new generation, whose value comes from its own create call.`,
      ]);
      expect(verified).toEqual([]);
      expect(readdirSync(project.dir)).not.toContain("handoff");

      // The fix the message names: a new generation, verified and registered with its own value.
      const rotated = await runRotate(losing, { ifDueWithinDays: 14, graceHours: 24, force: true });
      expect(rotated.problems).toEqual([]);
      const g2 = rotated.tokens.find((t) => t.logicalName === "drata-g2");
      expect([g2?.verify?.ok, g2?.registration?.status]).toEqual([true, "handed-off"]);
      await engine.destroy();
    },
  );
});
