import { describe, expect, it } from "vitest";
import { SCOPES } from "../../src/domain/permission-group";
import {
  ACME_CORP,
  ACME_STATUS_ZONE,
  checksById,
  control,
  fakeHost,
  issueToken,
  planFor,
  provisionerClient,
  rfc3339,
  sandboxNow,
  specFromPlan,
  statuses,
  verifyPlanned,
} from "../helpers/verify";
import { useSandbox } from "../helpers/sandbox";

/**
 * One test per row of the ASCERA guide's Troubleshooting table, each recognised and explained:
 * 401 Unauthorized (expired / revoked), No data returned, Invalid endpoint URL, Insufficient permissions.
 */

const sb = useSandbox();

const [ascera] = planFor([{ platform: "ascera", accounts: [ACME_CORP] }]);
const [drata] = planFor([{ platform: "drata", accounts: [ACME_CORP], zones: ["acme-corp.com", ACME_STATUS_ZONE] }]);

describe('"401 Unauthorized: verify the token was copied correctly and has not expired or been revoked"', () => {
  it("a deleted (revoked) token: liveness fails, names the token and says to rotate; nothing else runs", async () => {
    const created = await issueToken(sb, specFromPlan(sb, ascera!));
    await provisionerClient(sb).deleteToken({ kind: "account", accountId: ACME_CORP }, created.id);
    const report = await verifyPlanned(sb, ascera!, created.value);
    const liveness = checksById(report).liveness!;
    expect(report.ok).toBe(false);
    expect(liveness.status).toBe("fail");
    expect(liveness.detail).toContain('no token named "cfct test ascera-417daa9d g1" exists any more: it was deleted (revoked)');
    expect(liveness.remedy).toContain("cfct rotate --stack test");
    expect(liveness.remedy).toContain("register the new value with ASCERA");
    expect(statuses(report)).toMatchObject({ exactness: "skip", probes: "skip", coverage: "skip" });
  });

  it("a disabled token is reported as revoked", async () => {
    const { value } = await issueToken(sb, { ...specFromPlan(sb, ascera!), status: "disabled" });
    const liveness = checksById(await verifyPlanned(sb, ascera!, value)).liveness!;
    expect(liveness).toMatchObject({ status: "fail", detail: "Cloudflare says the token is disabled (revoked by an administrator)" });
    expect(liveness.remedy).toMatch(/cfct rotate --stack test/);
  });

  it("a value copied wrong (one character off) is told apart from a revoked token", async () => {
    const { value } = await issueToken(sb, specFromPlan(sb, ascera!));
    const wrong = value.slice(0, -1) + (value.endsWith("A") ? "B" : "A");
    const liveness = checksById(await verifyPlanned(sb, ascera!, wrong)).liveness!;
    expect(liveness.status).toBe("fail");
    expect(liveness.detail).toContain("exists and is active, so this value is not its current secret");
    expect(liveness.remedy).toContain("Copy the current value again");
    await provisionerClient(sb).deleteToken(
      ascera!.owner,
      (await provisionerClient(sb).listTokens(ascera!.owner)).find((t) => t.name === ascera!.name)!.id!,
    );
  });

  it("without a provisioner the 401 is still explained (wrong, expired or revoked) with the rotate remedy", async () => {
    const report = await verifyPlanned(sb, ascera!, "cfsbx_thisIsNotATokenThatExistsAnywhere0123456789", { provisionerToken: undefined });
    const liveness = checksById(report).liveness!;
    expect(liveness.detail).toMatch(
      /answered HTTP 401: 1000 Invalid API Token: Cloudflare rejects the token; the value is wrong, expired or revoked/,
    );
    expect(liveness.remedy).toMatch(/Check that the value was copied whole\. Issue a new token with cfct rotate --stack test/);
  });
});

describe('"No data returned: confirm the token\'s Zone Resources include the zones"', () => {
  it("a token missing one chosen zone: coverage and exactness name the zone and how to add it", async () => {
    const spec = specFromPlan(sb, drata!);
    const { value } = await issueToken(sb, {
      ...spec,
      policies: spec.policies.map((p) =>
        p.groups[0]!.scope === SCOPES.zone ? { ...p, resources: { [`com.cloudflare.api.account.zone.${ACME_STATUS_ZONE}`]: "*" } } : p,
      ),
    });
    const report = await verifyPlanned(sb, drata!, value);
    const checks = checksById(report);
    expect(report.ok).toBe(false);
    expect(checks.coverage).toMatchObject({ status: "fail" });
    expect(checks.coverage!.detail).toBe(
      "the token's policies do not hold chosen zone(s) acme-corp.com, so the platform gets no data for them",
    );
    expect(checks.coverage!.remedy).toContain("Add acme-corp.com to the token's zone resources (pulumi up --stack test");
    expect(checks["exactness:resources"]!.detail).toBe("missing zone acme-corp.com for 5 groups");
    // The zone groups are still proven on the zone the token does see.
    expect(checks["probe:Zone WAF Read"]).toMatchObject({
      status: "pass",
      detail: "GET /zones/{zone_id}/rulesets answered 2xx on zone acme-status.com",
    });
  });

  it("a token that sees none of the chosen zones: zone groups are probed on a chosen zone by ID and answer 403 there", async () => {
    const spec = specFromPlan(sb, drata!);
    const { value } = await issueToken(sb, {
      ...spec,
      policies: spec.policies.map((p) =>
        p.groups[0]!.scope === SCOPES.zone
          ? { ...p, resources: { "com.cloudflare.api.account.zone.c759a48a8049b80473e0de63aada8677": "*" } }
          : p,
      ),
    });
    const checks = checksById(await verifyPlanned(sb, drata!, value, { provisionerToken: undefined }));
    // It holds one specific zone, so it cannot list zones: it is asked for each chosen zone instead.
    expect(checks.coverage!.detail).toMatch(
      /^the token, asked for each chosen zone by ID or name, does not reach 621b8b25e1292b078cc50d9c9bdec591 \(HTTP 403: .*\), acme-corp.com in account/,
    );
    expect(checks["probe:Zone WAF Read"]!.status).toBe("fail");
    expect(checks["probe:Zone WAF Read"]!.detail).toContain(`on zone ${ACME_STATUS_ZONE}: the token lacks "Zone WAF Read"`);
    expect(checks.exactness!.status).toBe("skip");
  });
});

describe('"No data returned" because "Zone Read" is missing', () => {
  it("GET /zones answers 200 with an empty list: the Zone Read probe catches it, and coverage says where to look", async () => {
    const spec = specFromPlan(sb, drata!);
    const { value } = await issueToken(sb, {
      ...spec,
      policies: spec.policies.map((p) =>
        p.groups[0]!.scope === SCOPES.zone ? { ...p, groups: p.groups.filter((g) => g.name !== "Zone Read") } : p,
      ),
    });
    const checks = checksById(await verifyPlanned(sb, drata!, value, { provisionerToken: undefined }));
    expect(checks.coverage!.detail).toContain("does not reach acme-corp.com in account");
    expect(checks.coverage!.detail).toContain('(a lookup by name needs "Zone Read": if it is missing, see probe:Zone Read)');
    expect(checks["probe:Zone Read"]).toMatchObject({
      status: "fail",
      detail: `GET /zones answered 2xx but does not list zone acme-status.com: the token lacks "Zone Read" (com.cloudflare.api.account.zone) there (a list leaves out what a token cannot read)`,
    });
    // The other zone groups work on that zone, which pins the problem on Zone Read alone.
    expect(checks["probe:Zone WAF Read"]!.status).toBe("pass");
  });
});

describe('"Invalid endpoint URL: ensure the Base Endpoint URL … matches the format exactly"', () => {
  it("a /client/v3 path fails before anything is sent", async () => {
    const report = await verifyPlanned(sb, ascera!, "cfsbx_never-sent-anywhere-0123456789abcdefghij", {
      apiBase: sb.baseUrl.replace("/client/v4", "/client/v3"),
    });
    expect(report.apiCalls).toBe(0);
    expect(checksById(report).endpoint).toMatchObject({
      status: "fail",
      remedy: expect.stringContaining("Use exactly https://api.cloudflare.com/client/v4"),
    });
    expect(checksById(report).endpoint!.detail).toContain("names API version v3; Cloudflare's API is /client/v4");
    expect(statuses(report)).toMatchObject({ liveness: "skip", exactness: "skip", probes: "skip", coverage: "skip" });
  });

  it("an Account ID pasted into the base URL: the remedy says it belongs in the lookup list's Accounts field", async () => {
    const report = await verifyPlanned(sb, ascera!, "cfsbx_never-sent-anywhere-0123456789abcdefghij", {
      apiBase: `${sb.baseUrl}/accounts/${ACME_CORP}`,
    });
    const endpoint = checksById(report).endpoint!;
    expect(report.apiCalls).toBe(0);
    expect(endpoint.detail).toContain(`contains an Account ID (${ACME_CORP} (one of the accounts you chose))`);
    expect(endpoint.remedy).toContain("the Account ID goes into the lookup list's Accounts field, not the base URL");
  });

  it("a host that answers HTML is not the API, and never receives the token", async () => {
    const host = await fakeHost("<html><body>Welcome to nginx!</body></html>", "text/html");
    try {
      const report = await verifyPlanned(sb, ascera!, "cfsbx_must-never-reach-the-html-host-0123456789", {
        apiBase: `${host.url}/client/v4`,
      });
      const endpoint = checksById(report).endpoint!;
      expect(endpoint.status).toBe("fail");
      expect(endpoint.detail).toMatch(/answers \(HTTP 200\) but not like an API: the body is not JSON \("<html><body>Welcome to nginx!/);
      expect(endpoint.detail).toContain("The token was not sent");
      expect(host.seen).toHaveLength(1);
      expect(host.seen[0]!.authorization).toBeUndefined();
      expect(JSON.stringify(host.seen)).not.toContain("must-never-reach");
    } finally {
      await host.close();
    }
  });

  it("a host that answers JSON without Cloudflare's envelope is not the API either", async () => {
    const host = await fakeHost('{"status":"ok"}', "application/json");
    try {
      const report = await verifyPlanned(sb, ascera!, "cfsbx_must-never-reach-the-json-host-0123456789", {
        apiBase: `${host.url}/client/v4`,
      });
      expect(checksById(report).endpoint!.detail).toContain("answers JSON (HTTP 200) without Cloudflare's envelope");
      expect(host.seen.every((h) => h.authorization === undefined)).toBe(true);
    } finally {
      await host.close();
    }
  });

  it("the sandbox host without the /client/v4 prefix answers, but not as the API", async () => {
    const origin = sb.baseUrl.replace("/client/v4", "");
    const report = await verifyPlanned(sb, ascera!, "cfsbx_never-sent-anywhere-0123456789abcdefghij", { apiBase: origin });
    expect(checksById(report).endpoint!).toMatchObject({ status: "fail" });
    expect(checksById(report).endpoint!.detail).toContain("without Cloudflare's envelope");
  });

  it("an unreachable host fails with the network remedy", async () => {
    const host = await fakeHost("", "text/plain");
    await host.close();
    const report = await verifyPlanned(sb, ascera!, "cfsbx_never-sent-anywhere-0123456789abcdefghij", { apiBase: `${host.url}/client/v4` });
    const endpoint = checksById(report).endpoint!;
    expect(endpoint.detail).toMatch(
      /cannot connect to http:\/\/127\.0\.0\.1:\d+\/client\/v4 \(ECONNREFUSED: nothing listens at 127\.0\.0\.1:\d+; check the API base URL.*\)\. The token was not sent/,
    );
    expect(endpoint.remedy).toContain("Check the host name, DNS, proxy and firewall");
  });
});

describe('"Insufficient permissions: narrower token permissions may cause incomplete data retrieval"', () => {
  it("a 403 on a probe names the missing group, and exactness names it too", async () => {
    const spec = specFromPlan(sb, ascera!);
    const { value } = await issueToken(sb, {
      ...spec,
      policies: [{ ...spec.policies[0]!, groups: spec.policies[0]!.groups.filter((g) => g.name !== "Access: Audit Logs Read") }],
    });
    const report = await verifyPlanned(sb, ascera!, value);
    const checks = checksById(report);
    expect(report.ok).toBe(false);
    expect(checks["probe:Access: Audit Logs Read"]).toMatchObject({
      status: "fail",
      detail: `GET /accounts/{account_id}/access/users answered HTTP 403: 9109 Unauthorized to access requested resource on account ${ACME_CORP}: the token lacks "Access: Audit Logs Read" (com.cloudflare.api.account) there`,
      // Cloudflare's 403 links the endpoint's documentation (changelog 2026-08-20): shown with the remedy.
      remedy: `Add "Access: Audit Logs Read" (com.cloudflare.api.account) for account ${ACME_CORP} to the token (pulumi up --stack test restores the planned groups and resources). (Cloudflare's documentation of this endpoint, with the roles and groups it accepts: https://developers.cloudflare.com/api/resources/accounts/subresources/access/subresources/users/methods/list)`,
    });
    expect(checks["exactness:groups"]!.detail).toBe('missing "Access: Audit Logs Read" (com.cloudflare.api.account)');
    expect(checks["probe:Account Settings Read"]!.status).toBe("pass");
  });
});

// Last: it moves the sandbox clock forward for the rest of this file.
describe('"401 Unauthorized … has not expired"', () => {
  it("a token past its expiry (sandbox clock advanced) fails liveness with the rotate remedy", async () => {
    const now = await sandboxNow(sb);
    const { value } = await issueToken(sb, { ...specFromPlan(sb, ascera!), expiresOn: rfc3339(new Date(now.getTime() + 86_400_000)) });
    expect((await verifyPlanned(sb, ascera!, value, { provisionerToken: undefined })).ok).toBe(true);
    await control(sb, "/clock", { advanceSeconds: 2 * 86_400 });
    const report = await verifyPlanned(sb, ascera!, value, { provisionerToken: undefined });
    expect(checksById(report).liveness).toMatchObject({
      status: "fail",
      detail: expect.stringMatching(/^Cloudflare says the token expired on \d{4}-\d\d-\d\dT/),
      remedy: "Issue a new token with cfct rotate --stack test and register the new value with ASCERA.",
    });
  });
});

describe("a token that dies mid-run, and a value whose shape names the wrong owner", () => {
  it("revoked after its liveness check: the refusals are not read as missing groups; it is reported revoked", async () => {
    const { id, value } = await issueToken(sb, specFromPlan(sb, ascera!));
    let answered = 0;
    // An administrator deletes the token right after Cloudflare verified it, while the probes are about to run.
    const revoking: typeof fetch = async (request, init) => {
      const response = await fetch(request, init);
      const bearer = new Headers(init?.headers).get("authorization");
      if (bearer === `Bearer ${value}` && (answered += 1) === 1)
        await provisionerClient(sb).deleteToken({ kind: "account", accountId: ACME_CORP }, id);
      return response;
    };
    const report = await verifyPlanned(sb, ascera!, value, { client: { maxRetries: 0, fetch: revoking } });
    const checks = checksById(report);
    expect(report.ok).toBe(false);
    expect(checks["liveness:recheck"]).toMatchObject({
      status: "fail",
      detail: expect.stringMatching(
        /^the token stopped working during verification \(GET \/accounts\/417daa9d\w+\/tokens\/verify now answers HTTP 401: 1000 Invalid API Token\): it was revoked, deleted or disabled mid-run$/,
      ),
    });
    expect(report.checks.filter((c) => /lacks|needs/.test(c.detail))).toEqual([]);
    expect(checks["probe:Access: Audit Logs Read"]).toMatchObject({
      status: "skip",
      detail: expect.stringMatching(/^not judged: the token stopped working/),
    });
  });

  it("a cfat_ value for a user-owned platform, or cfut_ for an account-owned one, is diagnosed before anything is sent", async () => {
    const body = "AbCdEfGhIj0123456789KlMnOpQrSt0123456789";
    for (const [plan, value, said] of [
      [
        drata!,
        `cfat_${body}0123abcd`,
        /starts with "cfat_": this is an account-owned token, and Drata needs a user-owned token \(nothing was sent\)/,
      ],
      [
        ascera!,
        `cfut_${body}0123abcd`,
        /starts with "cfut_": this is a user-owned token, and ASCERA needs one owned by account 417daa9d\w+ \(nothing was sent\)/,
      ],
    ] as const) {
      let sent = 0;
      const counting: typeof fetch = async (request, init) => {
        if (new Headers(init?.headers).get("authorization") === `Bearer ${value}`) sent += 1;
        return fetch(request, init);
      };
      const report = await verifyPlanned(sb, plan, value, { client: { fetch: counting } });
      expect(checksById(report).liveness).toMatchObject({ status: "fail", detail: expect.stringMatching(said) });
      expect(sent).toBe(0);
      expect(JSON.stringify(report)).not.toContain(body);
    }
  });
});
