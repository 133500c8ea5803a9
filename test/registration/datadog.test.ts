import { afterEach, describe, expect, it } from "vitest";
import { startDatadogStandIn, type DatadogStandIn, type DatadogStandInOptions } from "../../src/demo/datadog-standin";
import { PLATFORMS } from "../../src/platforms";
import { RegistrationConfigError, registrarFor, type RegistrarOverrides, type RegistrationRequest } from "../../src/registration";
import type { DatadogConfig } from "../../src/config/registration/datadog";
import { TOKEN_VALUE, closedPortUrl, drataRequest, expectNoSecrets, fakeSleep, scriptedServer, status } from "../helpers/registration";

const DD_API_KEY = "ddapi_CANARY_0123456789abcdef0123";
const DD_APP_KEY = "ddapp_CANARY_fedcba9876543210fedcba98";
const ENV = { DD_API_KEY, DD_APP_KEY };
const SECRETS = [TOKEN_VALUE, DD_API_KEY, DD_APP_KEY];
const NEXT_VALUE = "CANARY_tok_second_generation_0000000000";

const standIns: DatadogStandIn[] = [];
const servers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const s of standIns.splice(0)) await s.close();
  for (const s of servers.splice(0)) await s.close();
});

async function standIn(options: Partial<DatadogStandInOptions> = {}): Promise<DatadogStandIn> {
  const started = await startDatadogStandIn({ apiKey: DD_API_KEY, appKey: DD_APP_KEY, ...options });
  standIns.push(started);
  return started;
}

function datadogRequest(overrides: Partial<RegistrationRequest> = {}): RegistrationRequest {
  return drataRequest({
    connection: "datadog",
    platform: PLATFORMS.datadog!,
    tokenKey: "datadog",
    tokenName: "cfct dev datadog g1",
    ...overrides,
  });
}

function registrar(
  site: string,
  extra: Partial<DatadogConfig> = {},
  overrides: RegistrarOverrides = {},
  env: Record<string, string> = ENV,
) {
  const clock = fakeSleep();
  const built = registrarFor({ kind: "datadog", site, apiKeyEnv: "DD_API_KEY", appKeyEnv: "DD_APP_KEY", ...extra }, env, {
    sleep: clock.sleep,
    random: () => 0.5,
    ...overrides,
  });
  return { registrar: built, waits: clock.waits };
}

describe("datadog registrar, through Datadog's official client, against the stand-in", () => {
  it("creates the Cloudflare account with the token as its key (both Datadog headers sent), named after the connection", async () => {
    const datadog = await standIn();
    const outcome = await registrar(datadog.url).registrar.register(datadogRequest());
    expect(outcome.status, outcome.detail).toBe("registered");
    expect(outcome.detail).toMatch(/account "datadog" \([0-9a-f]{32}\) created with generation 1 of datadog/);
    expect(outcome.location).toMatch(new RegExp(`^${datadog.url}/api/v2/integrations/cloudflare/accounts/[0-9a-f]{32}$`));
    expect(datadog.keyOf("datadog")).toBe(TOKEN_VALUE);
    expect(datadog.requests.map((r) => `${r.method} ${r.status}`)).toEqual(["GET 200", "POST 201"]);
    expect(datadog.requests.every((r) => r.apiKeyHeader && r.appKeyHeader)).toBe(true);
    expect(outcome.attempts).toBe(2);
    expectNoSecrets(outcome, SECRETS);
  });

  it("adopts an account Datadog already has under this name (made by hand) and replaces its key; resources pass through", async () => {
    const datadog = await standIn();
    datadog.seed({ name: "cloudflare-prod", apiKey: "made-by-hand" });
    const outcome = await registrar(datadog.url, { name: "cloudflare-prod", resources: ["web", "dns"] }).registrar.register(
      datadogRequest(),
    );
    expect(outcome.status, outcome.detail).toBe("registered");
    expect(outcome.detail).toContain(`account "cloudflare-prod"`);
    expect(outcome.detail).toContain("its key was replaced");
    expect(datadog.keyOf("cloudflare-prod")).toBe(TOKEN_VALUE);
    expect(datadog.accountNames()).toEqual(["cloudflare-prod"]);
    expect(datadog.requests.map((r) => r.method)).toEqual(["GET", "PATCH"]);
  });

  it("a rotation sends the new generation's value to the same account", async () => {
    const datadog = await standIn();
    const { registrar: dd } = registrar(datadog.url);
    await dd.register(datadogRequest());
    const second = await dd.register(datadogRequest({ generation: 2, value: NEXT_VALUE, tokenName: "cfct dev datadog g2" }));
    expect(second.status, second.detail).toBe("registered");
    expect(second.detail).toContain("now holds generation 2 of datadog");
    expect(datadog.keyOf("datadog")).toBe(NEXT_VALUE);
    expect(datadog.accountNames()).toEqual(["datadog"]);
    expectNoSecrets(second, [...SECRETS, NEXT_VALUE]);
  });

  it("404 on the update (the account was deleted in Datadog meanwhile): it is created again, and the outcome says so", async () => {
    const datadog = await standIn();
    datadog.seed({ name: "datadog", apiKey: "old" });
    datadog.inject("update", "delete-account");
    const outcome = await registrar(datadog.url).registrar.register(datadogRequest());
    expect(outcome.status, outcome.detail).toBe("registered");
    expect(outcome.detail).toMatch(/answered 404 to the update \(the account was deleted in Datadog meanwhile\), so it was created again/);
    expect(datadog.requests.map((r) => `${r.method} ${r.status}`)).toEqual(["GET 200", "PATCH 404", "POST 201"]);
    expect(datadog.keyOf("datadog")).toBe(TOKEN_VALUE);
  });

  it("403 without manage_integrations: failed, naming Datadog's status, the application key's variable and the permission", async () => {
    const datadog = await standIn({ appKeyPermissions: ["integrations_read"] });
    const outcome = await registrar(datadog.url).registrar.register(datadogRequest());
    expect(outcome.status).toBe("failed");
    expect(outcome.detail).toContain("answered 403 Forbidden");
    expect(outcome.detail).toContain("Failed permission authorization checks");
    expect(outcome.detail).toMatch(/application key in DD_APP_KEY lacks the manage_integrations permission\. Fix:/);
    expect(datadog.keyOf("datadog")).toBeUndefined();
    expectNoSecrets(outcome, SECRETS);
  });

  it("403 for a wrong key: failed with the fix (the keys of this site, manage_integrations); no key is printed", async () => {
    const datadog = await standIn();
    const outcome = await registrar(datadog.url, {}, {}, { DD_API_KEY: "ddapi_CANARY_wrong", DD_APP_KEY }).registrar.register(
      datadogRequest(),
    );
    expect(outcome.status).toBe("failed");
    expect(outcome.detail).toMatch(/403 Forbidden to the request to list the Cloudflare accounts: Forbidden\. Datadog refused the keys/);
    expect(outcome.detail).toContain("integrations_read");
    expectNoSecrets(outcome, [...SECRETS, "ddapi_CANARY_wrong"]);
  });

  it("400 from Datadog's check of the token: Datadog's words, capped and without the token, and what to check", async () => {
    const datadog = await standIn();
    datadog.inject("create", {
      status: 400,
      errors: [`Invalid account. Impossible to get zones for the account datadog: key ${TOKEN_VALUE} unknown.`],
    });
    const outcome = await registrar(datadog.url).registrar.register(datadogRequest({ unlistedZones: ["acme-corp.com"] }));
    expect(outcome.status).toBe("failed");
    expect(outcome.detail).toContain(
      'refused the request to create account "datadog" with HTTP 400: Invalid account. Impossible to get zones',
    );
    expect(outcome.detail).toContain("Fix: give this datadog connection zones: all");
    expectNoSecrets(outcome, SECRETS);
  });

  it("429 and 5xx are retried with backoff on the injected clock, then succeed", async () => {
    const datadog = await standIn();
    datadog.inject("create", { status: 503 });
    const { registrar: dd, waits } = registrar(datadog.url);
    const outcome = await dd.register(datadogRequest());
    expect(outcome.status, outcome.detail).toBe("registered");
    expect(waits).toHaveLength(1);
    expect(datadog.requests.map((r) => `${r.method} ${r.status}`)).toEqual(["GET 200", "POST 503", "POST 201"]);
  });

  it("no answer: bounded attempts, then failed naming the host and the fix", async () => {
    const url = await closedPortUrl();
    const { registrar: dd, waits } = registrar(url);
    const outcome = await dd.register(datadogRequest());
    expect(outcome.status).toBe("failed");
    expect(outcome.detail).toMatch(
      /could not reach Datadog \(127\.0\.0\.1:\d+\) to list the Cloudflare accounts \(connection refused \(ECONNREFUSED\)\) after 3 attempts\. Fix:/,
    );
    expect(waits).toHaveLength(2);
  });

  it("a redirect is not followed: the token is never re-sent to another URL", async () => {
    const elsewhere = await scriptedServer([status(200, "{}")]);
    const redirecting = await scriptedServer([status(307, "", { Location: `${elsewhere.url}/steal` })]);
    servers.push(elsewhere, redirecting);
    const outcome = await registrar(redirecting.url).registrar.register(datadogRequest());
    expect(outcome.status).toBe("failed");
    expect(outcome.detail).toContain("HTTP 307 (a redirect); cfct does not re-send a token to another URL");
    expect(elsewhere.received).toHaveLength(0);
  });

  describe("deregister (cfct destroy)", () => {
    it("deleteOnDestroy: deletes the account; a second destroy finds it absent", async () => {
      const datadog = await standIn();
      const { registrar: dd } = registrar(datadog.url, { deleteOnDestroy: true });
      await dd.register(datadogRequest());
      const first = await dd.deregister!({ stack: "dev", connection: "datadog" });
      expect([first.status, first.detail]).toEqual(["deleted", expect.stringMatching(/account "datadog" \([0-9a-f]{32}\) deleted/)]);
      expect(datadog.accountNames()).toEqual([]);
      expect((await dd.deregister!({ stack: "dev", connection: "datadog" })).status).toBe("absent");
    });

    it("without deleteOnDestroy: the account is kept, no API call, and the outcome says what to do", async () => {
      const datadog = await standIn();
      const { registrar: dd } = registrar(datadog.url);
      await dd.register(datadogRequest());
      const calls = datadog.requests.length;
      const outcome = await dd.deregister!({ stack: "dev", connection: "datadog" });
      expect(outcome.status).toBe("kept");
      expect(outcome.detail).toContain("deleteOnDestroy is not set");
      expect(datadog.requests).toHaveLength(calls);
      expect(datadog.keyOf("datadog")).toBe(TOKEN_VALUE);
    });

    it("403 on delete: failed with the permission fix", async () => {
      const datadog = await standIn();
      datadog.seed({ name: "datadog", apiKey: "x" });
      datadog.inject("delete", { status: 403, errors: ["Forbidden", "Failed permission authorization checks"] });
      const outcome = await registrar(datadog.url, { deleteOnDestroy: true }).registrar.deregister!({
        stack: "dev",
        connection: "datadog",
      });
      expect(outcome.status).toBe("failed");
      expect(outcome.detail).toContain("lacks the manage_integrations permission");
    });
  });
});

describe("datadog registrar: refused before anything is sent", () => {
  it("names the unset key variable and the config key", () => {
    expect(() => registrar("datadoghq.com", {}, {}, { DD_API_KEY })).toThrow(RegistrationConfigError);
    expect(() => registrar("datadoghq.com", {}, {}, { DD_API_KEY })).toThrow(
      /DD_APP_KEY \(registration\.appKeyEnv\), which is not set\. Fix: export DD_APP_KEY=<key>/,
    );
  });

  it("a documented site and a loopback stand-in are fine; any other host only with the run-time flag", () => {
    expect(registrar("datadoghq.eu").registrar.kind).toBe("datadog");
    expect(registrar("http://127.0.0.1:8126").registrar.kind).toBe("datadog");
    expect(() => registrar("https://datadog-proxy.example.com")).toThrow(
      /registration\.site sends to datadog-proxy\.example\.com, which is not one of Datadog's documented API hosts.*--allow-registration-host datadog-proxy\.example\.com/,
    );
    expect(registrar("https://datadog-proxy.example.com", {}, { allowedHosts: ["datadog-proxy.example.com"] }).registrar.kind).toBe(
      "datadog",
    );
  });

  it("a rehearsal sends sandbox tokens to loopback only, whatever is allowed", () => {
    expect(() => registrar("datadoghq.com", {}, { rehearsal: true })).toThrow(
      /a rehearsal \(--engine sandbox\) hands sandbox tokens to local stand-ins only/,
    );
    expect(() => registrar("https://proxy.example.com", {}, { rehearsal: true, allowedHosts: ["proxy.example.com"] })).toThrow(
      RegistrationConfigError,
    );
    expect(registrar("http://127.0.0.1:8126", {}, { rehearsal: true }).registrar.kind).toBe("datadog");
  });

  it("an allowed host is where the official client sends (through the injected fetch)", async () => {
    const datadog = await standIn();
    const seen: string[] = [];
    const proxyFetch: typeof fetch = (input, init) => {
      const url = new URL(String(input));
      seen.push(url.host);
      return fetch(`${datadog.url}${url.pathname}`, init);
    };
    const outcome = await registrar(
      "https://datadog-proxy.example.com",
      {},
      { allowedHosts: ["datadog-proxy.example.com"], fetch: proxyFetch },
    ).registrar.register(datadogRequest());
    expect(outcome.status, outcome.detail).toBe("registered");
    expect(new Set(seen)).toEqual(new Set(["datadog-proxy.example.com"]));
  });
});
