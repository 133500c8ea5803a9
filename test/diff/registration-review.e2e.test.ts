import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { cfct } from "../helpers/cli-run";

/** The dev stack with drata registered by webhook to `url`, its pickup checked at `drataBase`. */
function stackFile(dir: string, name: string, url: string, drataBase?: string): string {
  const text = readFileSync("stacks/Pulumi.dev.yaml", "utf8").replace(
    "    - platform: drata\n",
    `    - platform: drata\n      registration: {kind: webhook, url: "${url}", secretEnv: CFCT_WEBHOOK_SECRET${
      drataBase ? `, drataStatus: {apiKeyEnv: DRATA_API_KEY, baseUrl: "${drataBase}"}` : ""
    }}\n`,
  );
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

const noCredentials = { CLOUDFLARE_API_TOKEN: undefined };

describe("plan shows each connection's registration; diff flags any change to it (issue 24 item 1)", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "cfct-reg-review-"));
  const base = stackFile(dir, "Pulumi.base.yaml", "https://bridge.acme.example/cfct");
  const moved = stackFile(dir, "Pulumi.head.yaml", "https://collector.attacker.example/cfct", "https://public-api.drata.com");

  it("cfct plan names kind, destination and secret variables per connection, in text and --json", async () => {
    const text = await cfct(["plan", "--stack", "dev", "--config", moved], noCredentials);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain(
      "registration of drata: webhook → https://collector.attacker.example/cfct (registration.url), https://public-api.drata.com/ (registration.drataStatus.baseUrl); secrets from CFCT_WEBHOOK_SECRET, DRATA_API_KEY",
    );
    expect(text.stdout).toContain("registration of ascera: handoff → (default hand-off directory) (registration.dir)");
    const json = JSON.parse((await cfct(["plan", "--stack", "dev", "--config", moved, "--json"], noCredentials)).stdout);
    expect(json.registrations.find((r: { connection: string }) => r.connection === "drata")).toMatchObject({
      kind: "webhook",
      destinations: [
        { key: "registration.url", host: "collector.attacker.example" },
        { key: "registration.drataStatus.baseUrl", host: "public-api.drata.com" },
      ],
      secretEnv: [
        ["registration.secretEnv", "CFCT_WEBHOOK_SECRET"],
        ["registration.drataStatus.apiKeyEnv", "DRATA_API_KEY"],
      ],
    });
  }, 60_000);

  it("cfct diff: a webhook moved to another host is a flagged change, never 'no change', in Markdown and --json", async () => {
    const markdown = await cfct(["diff", "--stack", "dev", "--base-file", base, "--config", moved, "--no-policy-pack"], noCredentials);
    expect(markdown.code, markdown.stderr).toBe(0);
    expect(markdown.stdout).not.toContain("no change to tokens");
    expect(markdown.stdout).toContain("#### drata (changed)");
    expect(markdown.stdout).toContain("⚠️ **registration changed** (where the token and the registrar's secrets go)");
    expect(markdown.stdout).toContain("⚠️ **secrets now go to a new host**: `collector.attacker.example`, `public-api.drata.com`");

    const json = JSON.parse(
      (await cfct(["diff", "--stack", "dev", "--base-file", base, "--config", moved, "--no-policy-pack", "--json"], noCredentials)).stdout,
    );
    const drata = json.connections.find((c: { connection: string }) => c.connection === "drata");
    expect(drata.registration.from.destinations[0].host).toBe("bridge.acme.example");
    expect(drata.registration.to.destinations[0].host).toBe("collector.attacker.example");

    const same = await cfct(["diff", "--stack", "dev", "--base-file", base, "--config", base, "--no-policy-pack"], noCredentials);
    expect(same.stdout).toContain("no change to tokens, permission groups, accounts, zones, TTL, IP filters or registration");
  }, 60_000);
});

describe("the policy pack's registration-hosts rules: an allow-list, advisory everywhere, mandatory on prod (issue 24 item 1)", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "cfct-reg-policy-"));
  const moved = stackFile(dir, "Pulumi.dev.yaml", "https://collector.attacker.example/cfct");
  const allowed = path.join(dir, "pack-config.json");
  writeFileSync(allowed, JSON.stringify({ "registration-hosts": { allowedHosts: ["collector.attacker.example"] } }));

  it("cfct diff judges the webhook's host: advisory on dev (passes, but says so), allowed once listed", async () => {
    const run = await cfct(["diff", "--stack", "dev", "--base-file", moved, "--config", moved, "--json"], noCredentials);
    expect(run.code, run.stderr).toBe(0);
    const { verdict } = JSON.parse(run.stdout);
    expect(verdict.passes).toBe(true);
    expect(verdict.violations).toContainEqual(
      expect.objectContaining({
        policy: "registration-hosts",
        level: "advisory",
        token: "drata-g1",
        resource: "ComplianceToken",
        message: expect.stringMatching(
          /sends the token to collector\.attacker\.example, not in allowedHosts\. Fix: add the host to allowedHosts/,
        ),
      }),
    );
    expect(verdict.rules.find((r: { policy: string }) => r.policy === "registration-hosts").judged).toContain('ComplianceToken "drata-g1"');
    expect(verdict.notApplicable).toContain("registration-hosts-required");

    const listed = await cfct(
      ["diff", "--stack", "dev", "--base-file", moved, "--config", moved, "--json", "--policy-pack-config", allowed],
      noCredentials,
    );
    expect(JSON.parse(listed.stdout).verdict.violations.filter((v: { policy: string }) => v.policy === "registration-hosts")).toEqual([]);
  }, 60_000);

  it("on prod the same host is a mandatory violation: cfct diff exits 2", async () => {
    const prod = path.join(dir, "Pulumi.prod.yaml");
    writeFileSync(
      prod,
      readFileSync("stacks/Pulumi.prod.yaml", "utf8").replace(
        /(\n(\s+)- platform: drata\n)/,
        `$1$2  registration: {kind: webhook, url: "https://collector.attacker.example/cfct", secretEnv: CFCT_WEBHOOK_SECRET}\n`,
      ),
    );
    const run = await cfct(["diff", "--stack", "prod", "--base-file", prod, "--config", prod, "--json"], noCredentials);
    expect(run.code, run.stderr).toBe(2);
    const { verdict } = JSON.parse(run.stdout);
    expect(verdict.violations).toContainEqual(
      expect.objectContaining({
        policy: "registration-hosts-required",
        level: "mandatory",
        message: expect.stringContaining('stack "prod" requires it'),
      }),
    );
  }, 60_000);
});
