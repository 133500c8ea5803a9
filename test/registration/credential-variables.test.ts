import { describe, expect, it } from "vitest";
import { ConfigError } from "../../src/config/schema";
import { CREDENTIAL_ENV_PREFIXES } from "../../src/config/registration/fields";
import { RegistrationConfigError, pickupCheckFor, registrarFor } from "../../src/registration";
import { DRATA_KEY, WEBHOOK_SECRET } from "../helpers/registration";
import { ACME_CORP, settingsFrom } from "../helpers/settings";

const drata = (registration: Record<string, unknown>) => ({
  connections: [{ platform: "drata", accounts: [ACME_CORP], zones: ["example.com"], registration }],
});

function problemOf(raw: unknown, key: string) {
  try {
    settingsFrom(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems.find((p) => p.path.endsWith(key));
  }
  throw new Error("expected the config to be rejected");
}

describe("no registrar reads a credential-class variable (issue 24 item 1)", () => {
  it.each(CREDENTIAL_ENV_PREFIXES.map((prefix) => ({ prefix, name: `${prefix}TOKEN` })))(
    "the webhook's secretEnv and drataStatus.apiKeyEnv refuse $name, naming the key and the fix",
    ({ prefix, name }) => {
      const webhook = problemOf(
        drata({ kind: "webhook", url: "https://bridge.example.com/cfct", secretEnv: name }),
        ".registration.secretEnv",
      );
      expect(webhook?.message).toContain(`names a ${prefix}* variable`);
      expect(webhook?.message).toMatch(/Fix: put this secret in a variable of its own, e\.g\. CFCT_WEBHOOK_SECRET/);
      const status = problemOf(drata({ kind: "handoff", drataStatus: { apiKeyEnv: name } }), ".registration.drataStatus.apiKeyEnv");
      expect(status?.message).toContain(`names a ${prefix}* variable`);
      expect(status?.message).toMatch(/e\.g\. DRATA_API_KEY/);
    },
  );

  it("the provisioner's variable, chosen at run time (--provisioner-token-env), is refused by every registrar before it is built", () => {
    const env = { MY_PROVISIONER: WEBHOOK_SECRET };
    const overrides = { provisionerTokenEnv: "MY_PROVISIONER" };
    expect(() =>
      registrarFor({ kind: "webhook", url: "https://bridge.example.com/cfct", secretEnv: "MY_PROVISIONER" }, env, overrides),
    ).toThrow(RegistrationConfigError);
    expect(() =>
      registrarFor({ kind: "webhook", url: "https://bridge.example.com/cfct", secretEnv: "MY_PROVISIONER" }, env, overrides),
    ).toThrow(
      /registration\.secretEnv names MY_PROVISIONER, the variable that holds the provisioner credential .*--provisioner-token-env.*Fix:/,
    );
    expect(() => pickupCheckFor({ kind: "handoff", drataStatus: { apiKeyEnv: "MY_PROVISIONER" } }, env, overrides)).toThrow(
      /registration\.drataStatus\.apiKeyEnv names MY_PROVISIONER/,
    );
    expect(() =>
      registrarFor(
        { kind: "datadog", site: "datadoghq.com", apiKeyEnv: "DD_API_KEY", appKeyEnv: "MY_PROVISIONER" },
        { ...env, DD_API_KEY: "k" },
        overrides,
      ),
    ).toThrow(/registration\.appKeyEnv names MY_PROVISIONER/);
    // Another variable is fine.
    expect(
      registrarFor({ kind: "webhook", url: "https://bridge.example.com/cfct", secretEnv: "HOOK" }, { HOOK: WEBHOOK_SECRET }, overrides)
        .kind,
    ).toBe("webhook");
  });
});

describe("Drata's baseUrl is one of Drata's documented hosts unless the run allows another (issue 24 item 1)", () => {
  const env = { DRATA_API_KEY: DRATA_KEY };
  const status = (baseUrl?: string) => ({
    kind: "handoff" as const,
    drataStatus: { apiKeyEnv: "DRATA_API_KEY", ...(baseUrl ? { baseUrl } : {}) },
  });

  it("accepts Drata's hosts and a loopback stand-in; refuses any other host, naming the key, the host and the flag", () => {
    for (const url of [undefined, "https://public-api.eu.drata.com", "https://public-api.apac.drata.com", "http://127.0.0.1:9000"]) {
      expect(pickupCheckFor(status(url), env)?.kind, String(url)).toBe("drata-status");
    }
    expect(() => pickupCheckFor(status("https://attacker.example"), env)).toThrow(RegistrationConfigError);
    expect(() => pickupCheckFor(status("https://attacker.example"), env)).toThrow(
      /registration\.drataStatus\.baseUrl sends to attacker\.example, which is not one of Drata's documented API hosts.*--allow-registration-host attacker\.example/,
    );
    expect(pickupCheckFor(status("https://drata-proxy.acme.example"), env, { allowedHosts: ["drata-proxy.acme.example"] })?.kind).toBe(
      "drata-status",
    );
  });

  it("a rehearsal sends to loopback only, even Drata's own host", () => {
    expect(() => pickupCheckFor(status(), env, { rehearsal: true })).toThrow(
      /a rehearsal \(--engine sandbox\) hands sandbox tokens to local stand-ins only/,
    );
    expect(pickupCheckFor(status("http://127.0.0.1:9000"), env, { rehearsal: true })?.kind).toBe("drata-status");
  });
});
