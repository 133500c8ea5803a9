import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/config/schema";
import { CREDENTIAL_ENV_PREFIXES } from "../../src/config/registration/fields";
import { DATADOG_SITES, datadogApiBase } from "../../src/config/registration/datadog";
import { secretEnvNamesIn } from "../../src/automation/pulumi-environment";
import { pipelineFor } from "../../src/cli/engine-options";
import { ACME_CORP, settingsFrom } from "../helpers/settings";

const datadog = (registration: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  connections: [
    {
      platform: "datadog",
      accounts: [ACME_CORP],
      zones: "all",
      registration: { kind: "datadog", site: "datadoghq.com", apiKeyEnv: "DD_API_KEY", appKeyEnv: "DD_APP_KEY", ...registration },
      ...extra,
    },
  ],
});

function problemsOf(raw: unknown) {
  try {
    settingsFrom(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error("expected the config to be rejected");
}

describe("registration kind datadog in the stack file", () => {
  it("accepts every documented site and a loopback stand-in; the API base is https://api.<site>", () => {
    for (const site of DATADOG_SITES) {
      const settings = settingsFrom(datadog({ site }));
      expect(settings.connections[0]!.registration).toMatchObject({ kind: "datadog", site });
      expect(datadogApiBase({ site })).toBe(`https://api.${site}`);
    }
    expect(datadogApiBase({ site: "http://127.0.0.1:8126/" })).toBe("http://127.0.0.1:8126");
    expect(
      settingsFrom(datadog({ site: "http://127.0.0.1:8126", name: "cloudflare-prod", resources: ["web", "lb"], deleteOnDestroy: true }))
        .connections[0]!.registration,
    ).toMatchObject({ name: "cloudflare-prod", resources: ["web", "lb"], deleteOnDestroy: true });
  });

  it.each([
    {
      what: "an app hostname for a site",
      registration: { site: "app.datadoghq.eu" },
      key: "site",
      fix: /is a Datadog host, not a site name\. Fix: write site: datadoghq\.eu/,
    },
    {
      what: "an unknown site name",
      registration: { site: "datadoghq.org" },
      key: "site",
      fix: /is not a Datadog site\. Fix: use one of datadoghq\.com, us3\.datadoghq\.com/,
    },
    {
      what: "plain http to a remote host",
      registration: { site: "http://datadog.example.com" },
      key: "site",
      fix: /uses plain http to datadog\.example\.com/,
    },
    {
      what: "a site URL with a path",
      registration: { site: "http://127.0.0.1:8126/api/v2" },
      key: "site",
      fix: /has a path or query.*write the base URL only/,
    },
    {
      what: "a value where a variable name goes",
      registration: { apiKeyEnv: "0123abcd-pasted-key" },
      key: "apiKeyEnv",
      fix: /is not the name of an environment variable/,
    },
    {
      what: "a missing application key variable",
      registration: { appKeyEnv: undefined },
      key: "appKeyEnv",
      fix: /is required\. Fix: name the environment variable that holds the secret, e\.g\. DD_APP_KEY/,
    },
    {
      what: "a resource Datadog does not document",
      registration: { resources: ["workers"] },
      key: "resources",
      fix: /is not a resource Datadog documents\. Fix: use web, dns, lb, worker/,
    },
  ])("refuses $what, naming the key and the fix", ({ registration, key, fix }) => {
    const problems = problemsOf(datadog(registration));
    const problem = problems.find((p) => p.path.includes(`.registration.${key}`));
    expect(problem, JSON.stringify(problems)).toBeDefined();
    expect(problem!.message).toMatch(fix);
  });

  it("a pasted key under apiKeyEnv is never echoed", () => {
    const error = (() => {
      try {
        settingsFrom(datadog({ apiKeyEnv: "dd0123456789abcdef0123456789abcdef" }));
      } catch (e) {
        return e as ConfigError;
      }
    })();
    expect(error!.message).not.toContain("dd0123456789abcdef");
    expect(error!.message).toContain("(hidden: not an environment variable name)");
  });

  it.each(CREDENTIAL_ENV_PREFIXES.map((prefix) => ({ prefix, name: `${prefix}TOKEN` })))(
    "refuses a credential-class variable ($name) for either key",
    ({ prefix, name }) => {
      for (const key of ["apiKeyEnv", "appKeyEnv"]) {
        const problem = problemsOf(datadog({ [key]: name })).find((p) => p.path.endsWith(`.registration.${key}`));
        expect(problem?.message).toContain(`names a ${prefix}* variable`);
        expect(problem?.message).toMatch(/Fix: put this secret in a variable of its own/);
      }
    },
  );

  it("kind datadog only on a datadog connection", () => {
    const raw = datadog({});
    const problems = problemsOf({ connections: [{ ...raw.connections[0], platform: "drata", zones: ["example.com"] }] });
    expect(problems.find((p) => p.path.endsWith(".registration.kind"))?.message).toMatch(
      /platform is drata\. Fix: use kind: datadog only on datadog connections/,
    );
  });

  it("both key variables are withheld from the Pulumi process, like every secret a stack names", () => {
    expect(secretEnvNamesIn(datadog({ apiKeyEnv: "MY_DD_API", appKeyEnv: "MY_DD_APP" })).sort()).toEqual(["MY_DD_API", "MY_DD_APP"]);
  });
});

describe("--allow-registration-host reaches the registrars of a run", () => {
  it("a Pulumi-engine run may send to an allowed host; without the flag the same stack is refused", () => {
    const connection = settingsFrom(datadog({ site: "https://dd-proxy.example.com" })).connections[0]!;
    const saved = { token: process.env.CLOUDFLARE_API_TOKEN, api: process.env.DD_API_KEY, app: process.env.DD_APP_KEY };
    Object.assign(process.env, { CLOUDFLARE_API_TOKEN: "provisioner", DD_API_KEY: "a", DD_APP_KEY: "b" });
    try {
      const options = {
        stack: "test",
        engine: "pulumi" as const,
        provisionerTokenEnv: "CLOUDFLARE_API_TOKEN",
        evidenceDir: "evidence",
        projectDir: ".",
      };
      expect(() => pipelineFor(options, () => {}).context.registrarFor(connection)).toThrow(
        /--allow-registration-host dd-proxy\.example\.com/,
      );
      const allowed = pipelineFor({ ...options, allowRegistrationHost: ["dd-proxy.example.com"] }, () => {}).context.registrarFor(
        connection,
      );
      expect(allowed.kind).toBe("datadog");
    } finally {
      for (const [key, value] of Object.entries({ CLOUDFLARE_API_TOKEN: saved.token, DD_API_KEY: saved.api, DD_APP_KEY: saved.app })) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
  });
});
