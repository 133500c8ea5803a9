import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import Ajv from "ajv";
import { beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { ACCOUNT_TOKEN_TYPE, API_TOKEN_TYPE, COMPLIANCE_TOKEN_TYPE as PACK_COMPONENT_TYPE } from "../../policies/rules/common";
import { policies } from "../../policies/rules";
import { ACME_CORP, ACME_LABS } from "../helpers/settings";
import { PROJECT_DIR, SECRET_PREFIX, byName, deployedStacks, edit, urnOf, type FakeResource } from "./fixtures";
import { analyzeAll } from "./harness";
import { COMPLIANCE_TOKEN_TYPE } from "../../src/domain/resource-types";
import { SCOPES } from "../../src/domain/permission-group";

const POLICIES_DIR = path.join(PROJECT_DIR, "policies");
const RULE_FILES = readdirSync(path.join(POLICIES_DIR, "rules")).filter((f) => f.endsWith(".ts") && f !== "index.ts" && f !== "common.ts");

describe("the policy pack", () => {
  it("registers every rule module's policy exactly once, in policies/rules/index.ts", async () => {
    const exported = [];
    for (const file of RULE_FILES) {
      const module = (await import(path.join(POLICIES_DIR, "rules", file))) as Record<string, unknown>;
      const found = Object.values(module).filter(
        (v): v is (typeof policies)[number] =>
          typeof v === "object" && v !== null && "name" in v && ("validateResource" in v || "validateStack" in v),
      );
      expect(found, `${file} defines one policy`).toHaveLength(1);
      expect(found[0]!.name, `${file} is named after its policy`).toBe(file.replace(/\.ts$/, ""));
      exported.push(found[0]!);
    }
    expect(policies).toHaveLength(RULE_FILES.length);
    for (const policy of exported) expect(policies).toContain(policy);
    expect(new Set(policies.map((p) => p.name)).size).toBe(policies.length);
    expect(policies.map((p) => [p.name, p.enforcementLevel])).toEqual([
      ["read-only", "mandatory"],
      ["scoped-resources", "mandatory"],
      ["expiry", "mandatory"],
      ["not-expired", "mandatory"],
      ["no-hand-rolled-tokens", "mandatory"],
      ["ip-filter", "advisory"],
      ["ip-filter-required", "mandatory"],
      ["read-all-profile", "advisory"],
      ["registration-hosts", "advisory"],
      ["registration-hosts-required", "mandatory"],
    ]);
  });

  it("index.ts only constructs the pack from that list (importing it would start the analyzer's gRPC server)", () => {
    const source = readFileSync(path.join(POLICIES_DIR, "index.ts"), "utf8").replace(/\/\/.*$/gm, "");
    expect(source).toMatch(/import \{ PolicyPack \} from "@pulumi\/policy";/);
    expect(source).toMatch(/import \{ policies \} from "\.\/rules";/);
    expect(source.match(/new \w+/g)).toEqual(["new PolicyPack"]);
    expect(source).toMatch(/new PolicyPack\("cf-compliance-tokens", \{[\s\S]*\bpolicies,?\s*\}\);/);
  });

  it("has the files Pulumi needs: PulumiPolicy.yaml (nodejs) and a versioned package.json with the SDKs", () => {
    const project = parseYaml(readFileSync(path.join(POLICIES_DIR, "PulumiPolicy.yaml"), "utf8")) as Record<string, unknown>;
    expect(project["runtime"]).toBe("nodejs");
    expect(project["description"]).toEqual(expect.any(String));
    const pkg = JSON.parse(readFileSync(path.join(POLICIES_DIR, "package.json"), "utf8"));
    expect(pkg.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(pkg.private).toBe(true);
    expect(pkg.dependencies).toMatchObject({
      "@pulumi/policy": "^1.21.0",
      "@pulumi/pulumi": "3.248.0",
      "@pulumi/cloudflare": expect.stringMatching(/^\^6\./),
    });
    // Without a project-local TypeScript, Pulumi falls back to its vendored TypeScript 3.8.
    expect(Object.keys(pkg.devDependencies)).toEqual(expect.arrayContaining(["typescript", "ts-node"]));
  });

  it("uses the type tokens of the component and the provider resources", async () => {
    expect(PACK_COMPONENT_TYPE).toBe(COMPLIANCE_TOKEN_TYPE);
    // The provider's tokens as its resources register them, seen through Pulumi's mocks.
    const registered = new Map<string, string>();
    await pulumi.runtime.setMocks(
      {
        newResource: (args) => {
          registered.set(args.name, args.type);
          return { id: `${args.name}-id`, state: args.inputs };
        },
        call: (args) => args.inputs,
      },
      "pack",
      "dev",
      false,
    );
    const tokens = [
      new cloudflare.ApiToken("user-owned", { name: "user-owned", policies: [] }),
      new cloudflare.AccountToken("account-owned", { accountId: ACME_CORP, name: "account-owned", policies: [] }),
    ];
    await Promise.all(tokens.map((token) => new Promise((resolve) => token.id.apply(resolve))));
    expect(Object.fromEntries(registered)).toEqual({ "user-owned": API_TOKEN_TYPE, "account-owned": ACCOUNT_TOKEN_TYPE });
  });

  it("declares config schemas the CLI accepts, whose defaults validate", () => {
    const ajv = new Ajv({ strict: false, useDefaults: true });
    for (const policy of policies) {
      expect(policy.name).not.toBe("all");
      if (!policy.configSchema) continue;
      expect(Object.keys(policy.configSchema.properties)).not.toContain("enforcementLevel");
      const validate = ajv.compile({ type: "object", ...policy.configSchema });
      const config: Record<string, unknown> = {};
      expect(validate(config), JSON.stringify(validate.errors)).toBe(true);
      expect(Object.keys(config).length).toBeGreaterThan(0);
    }
  });

  it("ships a pack config example that every policy's schema accepts", () => {
    const example = JSON.parse(readFileSync(path.join(POLICIES_DIR, "config.example.json"), "utf8")) as Record<string, unknown>;
    const levels = ["advisory", "mandatory", "remediate", "disabled"];
    const ajv = new Ajv({ strict: false });
    for (const [name, value] of Object.entries(example)) {
      if (name === "all" || typeof value === "string") {
        expect(levels).toContain(value);
        continue;
      }
      const policy = policies.find((p) => p.name === name);
      expect(policy, name).toBeDefined();
      const { enforcementLevel: _level, ...properties } = value as Record<string, unknown>;
      const validate = ajv.compile({ type: "object", additionalProperties: false, ...policy!.configSchema });
      expect(validate(properties), `${name}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
  });
});

/** Wraps props so a test can see every key a rule reads, however deep. */
function recording(reads: Set<string>) {
  const wrap = (value: unknown): unknown => {
    if (value === null || typeof value !== "object") return value;
    return new Proxy(value as object, {
      get(target, key, receiver) {
        if (typeof key === "string") reads.add(key);
        return wrap(Reflect.get(target, key, receiver));
      },
    });
  };
  return (props: Record<string, unknown>) => wrap(props) as Record<string, unknown>;
}

describe("a whole preview through every rule", () => {
  let prod: FakeResource[];
  let shippedProd: FakeResource[];
  let dev: FakeResource[];
  beforeAll(async () => {
    ({ prod, shippedProd, dev } = await deployedStacks());
  });

  it("a compliant prod stack raises nothing", async () => {
    expect(await analyzeAll(policies, prod)).toEqual([]);
  });

  it("the shipped dev stack passes every mandatory rule, with an ip-filter advisory per token", async () => {
    const violations = await analyzeAll(policies, dev);
    expect(violations.filter((v) => v.level === "mandatory")).toEqual([]);
    // Registration order is up to the engine: compare sorted.
    expect(violations.map((v) => `${v.policy}: ${v.message.split(" has ")[0]}`).sort()).toEqual([
      'ip-filter: cloudflare.AccountToken "ascera-417daa9d-g1"',
      'ip-filter: cloudflare.AccountToken "ascera-fca1dc08-g1"',
      'ip-filter: cloudflare.ApiToken "datadog-g1"',
      'ip-filter: cloudflare.ApiToken "drata-g1"',
    ]);
  });

  it("the shipped prod stack passes every mandatory rule", async () => {
    const mandatory = (await analyzeAll(policies, shippedProd)).filter((v) => v.level === "mandatory");
    expect(mandatory).toEqual([]);
  });

  it("no rule reads the token value or serializes props, even while reporting", async () => {
    const drata = byName(prod, COMPLIANCE_TOKEN_TYPE, "drata-prod-g1");
    const ascera = byName(prod, ACCOUNT_TOKEN_TYPE, "ascera-prod-417daa9d-g1");
    const bad = [
      ...prod,
      // Every rule has something to say about these, so every message path runs.
      edit(drata, (inputs) => {
        inputs.profile = "read-all";
        inputs.value = `${SECRET_PREFIX}component-input`;
        inputs.registrationHosts = ["collector.attacker.example"];
        inputs.policies[0].permissionGroups.push({ name: "Account Settings Write", scope: SCOPES.account });
        inputs.policies[0].resources = { "com.cloudflare.api.account.*": "*" };
      }),
      edit(ascera, (inputs) => {
        inputs.value = `${SECRET_PREFIX}input`;
        inputs.expiresOn = "2001-01-01T00:00:00Z";
        delete inputs.condition;
        inputs.policies[0].resources = JSON.stringify({
          [`com.cloudflare.api.account.${ACME_LABS}`]: "*",
          "com.cloudflare.api.account.zone.*": "*",
        });
      }),
      {
        type: API_TOKEN_TYPE,
        name: "by-hand",
        urn: urnOf("prod", API_TOKEN_TYPE, "by-hand"),
        custom: true,
        inputs: { name: "by hand", policies: "not a list", value: `${SECRET_PREFIX}by-hand` },
        outputs: { name: "by hand", accountId: ACME_CORP, value: `${SECRET_PREFIX}by-hand` },
      },
    ];
    const reads = new Set<string>();
    const violations = await analyzeAll(policies, bad, {}, recording(reads));
    expect(new Set(violations.map((v) => v.policy))).toEqual(new Set(policies.map((p) => p.name)));
    expect(reads.has("value")).toBe(false);
    expect(reads.has("toJSON")).toBe(false);
    for (const v of violations) expect(v.message).not.toContain(SECRET_PREFIX);
  });
});
