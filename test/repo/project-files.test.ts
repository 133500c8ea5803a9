import { readFileSync, readdirSync } from "node:fs";
import Ajv2020 from "ajv/dist/2020";
import addFormats from "ajv-formats";
import { describe, expect, it } from "vitest";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { stackFileJsonSchema } from "../../src/config/json-schema";
import { projectKeys } from "../../src/config/stack-file";
import { settingsFrom } from "../helpers/settings";

const readJson = (file: string) => JSON.parse(readFileSync(file, "utf8"));

function compile(schema: object) {
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  addFormats(ajv);
  return ajv.compile(schema);
}

describe("project files", () => {
  it("Pulumi.yaml validates against Pulumi's project-file schema", () => {
    const validate = compile(readJson("reference/pulumi-project.schema.json"));
    const project = parseYaml(readFileSync("Pulumi.yaml", "utf8"));
    expect(validate(project), JSON.stringify(validate.errors)).toBe(true);
    expect(project).toMatchObject({ name: "cf-compliance-tokens", runtime: { name: "nodejs" }, stackConfigDir: "stacks" });
  });

  it("schema/stack-config.schema.json is the one generated from the zod schema (run `npm run schema` if this fails)", () => {
    expect(readJson("schema/stack-config.schema.json")).toEqual(stackFileJsonSchema());
  });

  it("every shipped stack file validates against the shipped JSON Schema, and a broken one does not", () => {
    const validate = compile(readJson("schema/stack-config.schema.json"));
    for (const file of readdirSync("stacks")) {
      const document = parseYaml(readFileSync(`stacks/${file}`, "utf8"));
      expect(validate(document), `${file}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
    // Any well-formed key may name a platform the file defines (cf-compliance-tokens:platforms), which
    // a JSON Schema cannot look up: the schema refuses a malformed key, the parser an unknown one.
    const broken = {
      config: { "cf-compliance-tokens:connections": [{ platform: "No Such", accounts: [] }], "cf-compliance-tokens:tokn": {} },
    };
    expect(validate(broken)).toBe(false);
    const paths = validate.errors!.map((e) => e.instancePath);
    expect(paths).toEqual(
      expect.arrayContaining([
        "/config/cf-compliance-tokens:connections/0/platform",
        "/config/cf-compliance-tokens:connections/0/accounts",
      ]),
    );
    expect(validate.errors!.some((e) => e.keyword === "propertyNames" || e.keyword === "not")).toBe(true);
  });

  it("a stack file after a real deploy validates: `pulumi config set --plaintext` stores generations as a JSON string", () => {
    const validate = compile(readJson("schema/stack-config.schema.json"));
    const prod = parseYaml(readFileSync("stacks/Pulumi.prod.yaml", "utf8")) as { config: Record<string, unknown> };
    const generations = { "drata-prod": { active: { generation: 2, issuedAt: "2026-11-01T00:00:00Z" } } };
    // What `pulumi config set cf-compliance-tokens:generations --plaintext -- '<json>'` leaves in the file.
    const written = parseYaml(
      stringifyYaml({ ...prod, config: { ...prod.config, "cf-compliance-tokens:generations": JSON.stringify(generations) } }),
    );
    expect(validate(written), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ ...prod, config: { ...prod.config, "cf-compliance-tokens:generations": generations } })).toBe(true);
    expect(validate({ ...prod, config: { ...prod.config, "cf-compliance-tokens:generations": 7 } })).toBe(false);
    expect(settingsFrom(projectKeys(written.config)).generations).toEqual(generations);
  });
});
