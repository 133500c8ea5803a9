import { describe, expect, it } from "vitest";
import { readStackState, revealSecrets, tokenResourcesOf } from "../../src/automation/stack-state";
import { shownSecret, stackExport, type StackStateOptions } from "../helpers/pulumi-standin";

const TOKENS = { tokens: { value: { "drata-g1": { id: "tok1" } }, secret: false } };
const exported = (options: Partial<StackStateOptions> = {}) =>
  stackExport({ outputs: TOKENS, tokens: [{ logicalName: "drata-g1", id: "tok1", value: "v-drata" }], ...options }) as {
    deployment: { resources: Record<string, unknown>[] };
  };

describe("reading token values from an exported stack state (Pulumi's deployment v3)", () => {
  it("takes each ComplianceToken's child token resource, by the component's name, with its secret value revealed", () => {
    const state = readStackState(
      exported({
        tokens: [
          { logicalName: "drata-g1", id: "tok1", value: "v-drata" },
          { logicalName: "ascera-417daa9d-g1", id: "acc/tok2", type: "cloudflare:index/accountToken:AccountToken", value: "v-ascera" },
        ],
      }),
    );
    expect([...state.values]).toEqual([
      ["drata-g1", "v-drata"],
      ["ascera-417daa9d-g1", "v-ascera"],
    ]);
    expect(state.outputs).toEqual({ tokens: { "drata-g1": { id: "tok1" } } });
  });

  it("ignores a hand-rolled token of the same name, a token under another name, a replaced one awaiting deletion, and a token with no value", () => {
    const base = exported({ tokens: [{ logicalName: "drata-g1", id: "tok1" }] });
    const [root, , component, child] = base.deployment.resources as [
      Record<string, unknown>,
      unknown,
      { urn: string },
      Record<string, unknown>,
    ];
    const resources = [
      ...base.deployment.resources,
      // A token declared beside the component, not under it: same name and type.
      {
        ...child,
        urn: "urn:pulumi:prod::cf-compliance-tokens::cloudflare:index/apiToken:ApiToken::drata-g1",
        parent: root["urn"],
        outputs: { value: shownSecret("hand-rolled") },
      },
      // Under the component, but not the component's token (another logical name).
      {
        ...child,
        urn: `${String(child["urn"]).replace(/::drata-g1$/, "::other")}`,
        parent: component.urn,
        outputs: { value: shownSecret("other") },
      },
      // The generation a replace left behind until it is deleted.
      { ...child, delete: true, outputs: { value: shownSecret("replaced") } },
    ];
    const state = readStackState({ ...base, deployment: { ...base.deployment, resources } });
    expect(state.values.size).toBe(0);
    expect(tokenResourcesOf(resources as never).get("drata-g1")).toBe(child);
  });

  it("an older stack's `tokenValues` output is revealed among the outputs but never read as a value; the state still gives them", () => {
    const legacy = exported({
      outputs: { ...TOKENS, tokenValues: { value: { "drata-g1": "v-drata" }, secret: true } },
    });
    const root = legacy.deployment.resources[0]!;
    expect(root["outputs"]).toMatchObject({ tokenValues: shownSecret({ "drata-g1": "v-drata" }) });
    const state = readStackState(legacy);
    expect(state.outputs["tokenValues"]).toEqual({ "drata-g1": "v-drata" });
    expect(state.values.get("drata-g1")).toBe("v-drata");
  });

  it("refuses an export whose secrets are still encrypted, and never quotes a secret's text in an error", () => {
    const encrypted = { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", ciphertext: "v1:AAAA-cipher" };
    expect(() => revealSecrets({ value: encrypted })).toThrow(/still encrypted .*without --show-secrets.*Fix: /);
    expect(() => revealSecrets({ value: encrypted })).not.toThrow(/AAAA-cipher/);
    const broken = { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", plaintext: "cfat-not-json-SECRET" };
    expect(() => revealSecrets(broken)).toThrow(/plaintext is not JSON/);
    expect(() => revealSecrets(broken)).not.toThrow(/SECRET/);
  });

  it("an empty stack (just created) has no outputs and no values; a malformed export names what is wrong", () => {
    expect(readStackState({ version: 3, deployment: { manifest: {} } })).toEqual({ outputs: {}, values: new Map() });
    expect(() => readStackState({ version: 3 })).toThrow(/not a Pulumi deployment cfct can read .*Fix: /);
  });
});
