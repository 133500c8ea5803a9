import { describe, expect, it } from "vitest";
import { describePreflight, preflight, provisionerTemplateUrl } from "../../src/automation/preflight";
import { runUp } from "../../src/automation/pipeline";
import { createCloudflareClient } from "../../src/cloudflare/client";
import { exitCodeFor } from "../../src/cli/errors";
import { defaultFixture, startSandbox } from "../../src/sandbox";
import { parseSettings, type Settings } from "../../src/config/schema";
import { buildPipeline } from "../../src/cli/build-pipeline";
import { ACME_CORP, ACME_LABS, issuedTokens, testProject } from "./harness";
import { useSandbox } from "../helpers/sandbox";

// Acme Labs: the provisioner's user is only an Analyst there.
const fixture = defaultFixture();
fixture.memberships = fixture.memberships.map((m) => (m.account_id === ACME_LABS ? { ...m, roles: ["Analyst"] } : m));
const sandbox = useSandbox({ fixture });

const NOW = new Date();
const settingsOf = (connections: unknown[]): Settings => parseSettings({ connections }, { stack: "pre", source: "test" });
const ascera = (accounts: string[]) => ({ platform: "ascera", accounts, registration: { kind: "handoff" } });
const drata = { platform: "drata", accounts: [ACME_CORP], zones: ["acme-corp.com"], registration: { kind: "handoff" } };

/** A provisioner made by the fixture's provisioner, with only these user-scope groups (by name). */
async function limitedProvisioner(groups: string[]): Promise<string> {
  const admin = createCloudflareClient({ apiToken: sandbox.provisionerToken, baseUrl: sandbox.baseUrl });
  const available = await admin.permissionGroups({ kind: "user" });
  const ids = groups.map((name) => ({ id: available.find((g) => g.name === name && g.scopes[0] === "com.cloudflare.api.user")!.id }));
  const user = await admin.currentUser();
  const created = await admin.sdk.user.tokens.create({
    name: `limited ${groups.join(",")}`,
    policies: [{ effect: "allow", permission_groups: ids, resources: { [`com.cloudflare.api.user.${user.id}`]: "*" } }],
  });
  return created.value!;
}

const client = (token: string) => createCloudflareClient({ apiToken: token, baseUrl: sandbox.baseUrl, maxRetries: 0 });

describe("preflight: can this provisioner deploy the stack?", () => {
  it("passes for the fixture's provisioner on an account where its user is Super Administrator", async () => {
    expect((await preflight(client(sandbox.provisionerToken), settingsOf([drata, ascera([ACME_CORP])]), NOW)).findings).toEqual([]);
  });

  it("reports a credential Cloudflare does not accept, and nothing else", async () => {
    const report = await preflight(client("cfsbx_not_a_real_token_000000000000000000"), settingsOf([drata]), NOW);
    expect(report.findings.map((f) => f.problem)).toEqual([
      expect.stringMatching(/^the credential is not accepted by .* \(GET \/user\/tokens\/verify: HTTP 401/),
    ]);
  });

  it("lists exactly what is missing, every item in one pass, with a dashboard link for the groups it can pre-fill", async () => {
    const token = await limitedProvisioner(["API Tokens Write"]);
    const report = await preflight(client(token), settingsOf([drata, ascera([ACME_CORP])]), NOW);
    expect(report.findings).toEqual([
      {
        problem: `it cannot create account-owned tokens on account ${ACME_CORP}: it lacks Account API Tokens Write there`,
        group: "Account API Tokens Write",
      },
      {
        problem: expect.stringMatching(
          /^it cannot read its user's account memberships \(GET \/memberships: HTTP 403.*it needs Memberships Read$/,
        ),
        group: "Memberships Read",
      },
      {
        problem: expect.stringMatching(/^it cannot read zone acme-corp\.com|^zone acme-corp\.com is not visible to it/),
        group: "Zone Read",
      },
    ]);
    const link = new URL(report.dashboardLink!);
    expect(link.origin + link.pathname).toBe("https://dash.cloudflare.com/profile/api-tokens");
    expect(JSON.parse(link.searchParams.get("permissionGroupKeys")!)).toEqual([
      { key: "account_api_tokens", type: "edit" },
      { key: "zone", type: "read" },
    ]);
    const message = describePreflight(report, "pre");
    expect(message).toContain("Fix: give the provisioner token Account API Tokens Write, Memberships Read, Zone Read");
    expect(message).toContain("(add Memberships Read by hand)");
    expect(message).toContain("cfct doctor --stack pre");
  });

  it("reports a membership role that cannot create account-owned tokens", async () => {
    const report = await preflight(client(sandbox.provisionerToken), settingsOf([ascera([ACME_LABS])]), NOW);
    expect(report.findings.map((f) => f.problem)).toEqual([
      `its user's roles on account ${ACME_LABS} (Analyst) cannot create account-owned tokens: that needs "Super Administrator - All Privileges" or "Administrator" or "API Token Provisioning"`,
    ]);
  });

  it("reads every page of memberships: a fleet's provisioner belongs to more accounts than one page holds", async () => {
    const fleet = await startSandbox({ accounts: 60 });
    try {
      const accounts = fleet.fixture.accounts.map((a) => a.id);
      expect(accounts.length).toBeGreaterThan(50);
      const fleetClient = createCloudflareClient({ apiToken: fleet.provisionerToken, baseUrl: fleet.baseUrl, maxRetries: 0 });
      expect((await preflight(fleetClient, settingsOf([ascera(accounts)]), NOW)).findings).toEqual([]);
    } finally {
      await fleet.close();
    }
  });

  it("has no link when no missing group can be pre-filled", () => {
    expect(provisionerTemplateUrl(["Memberships Read"])).toBeUndefined();
  });

  it("stops cfct up before any token exists, exit 1, naming what is missing", async () => {
    const project = testProject("pre");
    project.writeConfig({ connections: [drata] });
    const token = await limitedProvisioner(["API Tokens Write", "Memberships Read"]);
    const pipeline = buildPipeline({
      projectDir: project.dir,
      stack: project.stack,
      engine: "sandbox",
      apiBase: sandbox.baseUrl,
      controlUrl: sandbox.controlUrl,
      provisionerToken: token,
      sandboxStateDir: project.stateDir,
      progress: () => undefined,
      env: { CFCT_REHEARSAL_HANDOFF_DIR: project.handoffDir },
    });
    const before = (await issuedTokens(sandbox)).length;
    const stop = await runUp(pipeline.context).catch((error: unknown) => error);
    expect((stop as Error).message).toMatch(
      /the provisioner credential cannot deploy stack pre:\n {2}- it cannot read zone acme-corp\.com|is not visible/,
    );
    expect(exitCodeFor(stop)).toBe(1);
    expect((await issuedTokens(sandbox)).length).toBe(before);
  });
});
