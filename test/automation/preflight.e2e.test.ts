import { describe, expect, it } from "vitest";
import { describePreflight, preflight, provisionerTemplateUrl } from "../../src/automation/preflight";
import { runUp } from "../../src/automation/pipeline";
import { runRotate } from "../../src/automation/rotate";
import { createCloudflareClient } from "../../src/cloudflare/client";
import { exitCodeFor } from "../../src/cli/errors";
import { defaultFixture, startSandbox } from "../../src/sandbox";
import { parseSettings, type Settings } from "../../src/config/schema";
import { ACME_CORP, ACME_LABS, issuedTokens, pipelineFor, testProject } from "../helpers/pipeline";
import { useSandbox } from "../helpers/sandbox";
import { setMemberRoles } from "../../src/sandbox/control-client";

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
  const created = await admin.createToken(
    { kind: "user" },
    {
      name: `limited ${groups.join(",")}`,
      policies: [{ effect: "allow", permission_groups: ids, resources: { [`com.cloudflare.api.user.${user.id}`]: "*" } }],
    },
  );
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
          /^it cannot read its user's account memberships \(GET \/memberships: HTTP 403.*it needs Memberships Read \(Cloudflare's documentation of this endpoint, with the roles and groups it accepts: https:\/\/developers\.cloudflare\.com\/api\/resources\/memberships\/methods\/list\)$/,
        ),
        group: "Memberships Read",
      },
      {
        problem: expect.stringMatching(/^it cannot read zone acme-corp\.com|^zone acme-corp\.com is not visible to it/),
        group: "Zone Read",
      },
    ]);
    // User-owned tokens need API Tokens Write, which only the "Create Additional Tokens" template grants: the bootstrap starts there.
    expect(report.dashboardLink).toBe("https://dash.cloudflare.com/profile/api-tokens");
    expect(report.dashboardSteps).toBe(
      'Create Token > "Create Additional Tokens" > Use template (only that template grants API Tokens Write), then add Account API Tokens Write, Memberships Read, Zone Read before Continue to summary',
    );
    const message = describePreflight(report, "pre");
    expect(message).toContain("Fix: give the provisioner token Account API Tokens Write, Memberships Read, Zone Read");
    expect(message).toContain('make it at https://dash.cloudflare.com/profile/api-tokens: Create Token > "Create Additional Tokens"');
    expect(message).toContain("cfct doctor --stack pre");
  });

  it("pre-fills a custom token only for a stack of account-owned tokens (no API Tokens Write needed)", async () => {
    const token = await limitedProvisioner(["API Tokens Write"]);
    const report = await preflight(client(token), settingsOf([ascera([ACME_CORP])]), NOW);
    const link = new URL(report.dashboardLink!);
    expect(link.origin + link.pathname).toBe("https://dash.cloudflare.com/profile/api-tokens");
    expect(JSON.parse(link.searchParams.get("permissionGroupKeys")!)).toEqual([{ key: "account_api_tokens", type: "edit" }]);
    expect(report.dashboardSteps).toBeUndefined();
    expect(describePreflight(report, "pre")).toContain("(add Memberships Read by hand)");
  });

  it("reports a membership role that cannot create account-owned tokens", async () => {
    const report = await preflight(client(sandbox.provisionerToken), settingsOf([ascera([ACME_LABS])]), NOW);
    expect(report.findings.map((f) => f.problem)).toEqual([
      `its user's roles on account ${ACME_LABS} ("Analyst") can neither create nor update account-owned tokens: that needs "Super Administrator - All Privileges", or "API Token Provisioning" to create them within the groups its user holds`,
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

  it('an "Administrator"-only provisioner is an error under the Super-Administrator rule, naming the role, the docs change and sandbox-parity', async () => {
    await setMemberRoles(sandbox.control, ACME_LABS, ["Administrator"]);
    try {
      const report = await preflight(client(sandbox.provisionerToken), settingsOf([ascera([ACME_LABS])]), NOW);
      expect(report.findings.map((f) => f.problem)).toEqual([
        expect.stringMatching(
          /^its user's roles on account fca1dc08\w+ \("Administrator"\) can neither create nor update account-owned tokens: since cloudflare-docs#33184 \(2026-09-02.*"Administrator" is not enough.*cloudflare-docs#28425.*`cfct sandbox-parity --account fca1dc08\w+ --zone <zone>` measures which rule this account follows$/,
        ),
      ]);
    } finally {
      await setMemberRoles(sandbox.control, ACME_LABS, ["Analyst"]);
    }
  });

  it('an "API Token Provisioning" provisioner: groups its user does not hold are named before anything is created', async () => {
    await setMemberRoles(sandbox.control, ACME_LABS, ["API Token Provisioning"]);
    try {
      const before = (await issuedTokens(sandbox)).length;
      const report = await preflight(client(sandbox.provisionerToken), settingsOf([ascera([ACME_LABS])]), NOW);
      expect(report.findings.map((f) => f.problem)).toEqual([
        expect.stringMatching(
          /hold "API Token Provisioning", which can only create tokens "using the permissions they already have" \(Cloudflare changelog 2026-10-01\), and they do not hold "Access: Audit Logs Read", .*"Account Settings Read"/,
        ),
      ]);
      expect((await issuedTokens(sandbox)).length).toBe(before);
    } finally {
      await setMemberRoles(sandbox.control, ACME_LABS, ["Analyst"]);
    }
  });

  it('an "API Token Provisioning" provisioner that holds the groups passes, with its limits said: create, not update; other members\' tokens invisible', async () => {
    await setMemberRoles(sandbox.control, ACME_LABS, ["API Token Provisioning", "Administrator Read Only"]);
    try {
      const settings = settingsOf([ascera([ACME_LABS])]);
      const first = await preflight(client(sandbox.provisionerToken), settings, NOW);
      expect(first.findings).toEqual([]);
      expect(first.notes).toEqual([
        `account ${ACME_LABS}: the provisioner's user holds "API Token Provisioning", not "Super Administrator - All Privileges": it can create account-owned tokens but not update them (updating needs "Super Administrator - All Privileges", cloudflare-docs#33184)`,
        `account ${ACME_LABS}: "API Token Provisioning" sees only the tokens its user created, so \`cfct rotate\` cannot read or revoke a token of this stack another member created there, and \`cfct audit\` lists that account's other tokens under notReviewed`,
      ]);
      // With a token of this stack already there, a plan change is an update: said before anything runs.
      const deployed = [
        {
          logicalName: "ascera-fca1dc08-g1",
          id: "0".repeat(32),
          name: "cfct pre ascera-fca1dc08 g1",
          key: "ascera-fca1dc08",
          platform: "ascera",
          owner: { kind: "account" as const, accountId: ACME_LABS },
          generation: 1,
          issuedAt: NOW.toISOString(),
          groups: [],
          resources: [],
          expiresOn: null,
        },
      ];
      const again = await preflight(client(sandbox.provisionerToken), settings, NOW, { deployed });
      expect(again.notes[0]).toMatch(
        /this stack already has 1 token\(s\) there, so a change to their groups, resources or IP filter, which is an update, will be refused: issue a new generation instead \(`cfct rotate --stack pre --force`\)/,
      );
    } finally {
      await setMemberRoles(sandbox.control, ACME_LABS, ["Analyst"]);
    }
  });

  it("an account-owned provisioner is named as such, not as lacking Memberships Read: by its cfat_ shape before any call, or by Cloudflare's answer", async () => {
    const admin = createCloudflareClient({ apiToken: sandbox.provisionerToken, baseUrl: sandbox.baseUrl });
    const groups = await admin.permissionGroups({ kind: "account", accountId: ACME_CORP });
    const accountToken = await admin.createToken(
      { kind: "account", accountId: ACME_CORP },
      {
        name: "an account-owned provisioner",
        policies: [
          {
            effect: "allow",
            permission_groups: [{ id: groups.find((g) => g.name === "Account API Tokens Write")!.id }],
            resources: { [`com.cloudflare.api.account.${ACME_CORP}`]: "*" },
          },
        ],
      },
    );
    const answered = await preflight(client(accountToken.value!), settingsOf([ascera([ACME_CORP])]), NOW);
    expect(answered.findings.map((f) => f.problem)).toEqual([
      expect.stringMatching(
        /^the credential is an account-owned token \(GET \/user answered HTTP 403: 9109 Valid user-level authentication not found\): the bootstrap needs a user token \(My Profile > API Tokens > Create Token > "Create Additional Tokens"\)/,
      ),
    ]);

    const unreachable = createCloudflareClient({ apiToken: "unused", baseUrl: "http://127.0.0.1:9/client/v4", maxRetries: 0 });
    const byShape = await preflight(unreachable, settingsOf([ascera([ACME_CORP])]), NOW, { credential: `cfat_${"a1".repeat(20)}0123abcd` });
    expect(byShape.findings.map((f) => f.problem)).toEqual([
      expect.stringMatching(/^the credential is an account-owned token \(its value starts with "cfat_"; nothing was sent\)/),
    ]);
    expect(unreachable.apiCalls()).toBe(0);
  });

  it("a provisioner revoked during the check is reported as revoked, not as needing Zone Read or Memberships Read", async () => {
    const token = await limitedProvisioner(["API Tokens Write", "Memberships Read"]);
    const admin = createCloudflareClient({ apiToken: sandbox.provisionerToken, baseUrl: sandbox.baseUrl });
    const { id } = await createCloudflareClient({ apiToken: token, baseUrl: sandbox.baseUrl }).verifyToken({ kind: "user" });
    let calls = 0;
    // Deleted right after the first answer (its verify), as an administrator revoking it mid-run would.
    const revokingFetch: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if ((calls += 1) === 1) await admin.deleteToken({ kind: "user" }, id);
      return response;
    };
    const revoked = createCloudflareClient({ apiToken: token, baseUrl: sandbox.baseUrl, maxRetries: 0, fetch: revokingFetch });
    const report = await preflight(revoked, settingsOf([drata]), NOW);
    expect(report.findings.map((f) => f.problem)).toEqual([
      expect.stringMatching(
        /^the credential stopped working while cfct checked it \(GET \/user\/tokens\/verify now answers HTTP 401: 1000 Invalid API Token\): it was revoked, deleted or disabled/,
      ),
    ]);
    expect(report.findings.some((f) => f.group !== undefined)).toBe(false);
  });

  it('cfct up and cfct rotate say an "API Token Provisioning" provisioner\'s limits once, before anything is created', async () => {
    await setMemberRoles(sandbox.control, ACME_LABS, ["API Token Provisioning", "Administrator Read Only"]);
    try {
      const project = testProject("limits");
      project.writeConfig({ connections: [ascera([ACME_LABS])] });
      const lines: string[] = [];
      const pipeline = pipelineFor(sandbox, project, lines);
      const up = await runUp(pipeline.context);
      expect(up.problems).toEqual([]);
      const rotation = await runRotate(pipeline.context, { ifDueWithinDays: 0, graceHours: 0 });
      expect(rotation.problems).toEqual([]);
      const invisible = lines.filter((l) =>
        /^note: account fca1dc08\w+: "API Token Provisioning" sees only the tokens its user created, so `cfct rotate` cannot read or revoke/.test(
          l,
        ),
      );
      // Once per run: up, then rotate (which also says the stack already has a token there, so a change would be an update).
      expect(invisible).toHaveLength(2);
      expect(lines.some((l) => /^note: .*this stack already has 1 token\(s\) there/.test(l))).toBe(true);
      await pipeline.context.engine.destroy();
    } finally {
      await setMemberRoles(sandbox.control, ACME_LABS, ["Analyst"]);
    }
  });

  it("has no link when no missing group can be pre-filled", () => {
    expect(provisionerTemplateUrl(["Memberships Read"])).toBeUndefined();
  });

  it("stops cfct up before any token exists, exit 1, naming what is missing", async () => {
    const project = testProject("pre");
    project.writeConfig({ connections: [drata] });
    const token = await limitedProvisioner(["API Tokens Write", "Memberships Read"]);
    const pipeline = pipelineFor(sandbox, project, [], { provisionerToken: token });
    const before = (await issuedTokens(sandbox)).length;
    const stop = await runUp(pipeline.context).catch((error: unknown) => error);
    expect((stop as Error).message).toMatch(
      /the provisioner credential cannot deploy stack pre:\n {2}- it cannot read zone acme-corp\.com|is not visible/,
    );
    expect(exitCodeFor(stop)).toBe(1);
    expect((await issuedTokens(sandbox)).length).toBe(before);
  });
});
