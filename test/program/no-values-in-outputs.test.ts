import { describe, expect, it } from "vitest";
import { COMPLIANCE_TOKEN_TYPE, TOKEN_RESOURCE_TYPES } from "../../src/domain/resource-types";
import { nameOfUrn } from "../../src/automation/stack-state";
import { mockTokenValue, runStackProgram } from "../helpers/program-under-mocks";

const typeOf = (urn: string) => urn.split("::")[2]!.split("$").pop()!;
const tokenTypes: readonly string[] = Object.values(TOKEN_RESOURCE_TYPES);

/**
 * Stack outputs reach `pulumi stack output`, every StackReference and CI actions that turn outputs
 * into step outputs: no token value may ever be one again. Values live in each token resource's
 * state only (issue 21).
 */
describe.each(["dev", "prod"])("the %s stack's program under mocks", (stack) => {
  it("returns no token value in any output, secrets unwrapped, and still names each token's ID", async () => {
    const run = await runStackProgram(stack);
    const tokens = run.resources.filter((r) => tokenTypes.includes(typeOf(r.urn)));
    // Not vacuous: the provider gave every token a value, and the state of its resource holds it.
    expect(tokens.length).toBeGreaterThanOrEqual(2);
    for (const token of tokens) expect(token.state["value"]).toBe(mockTokenValue(nameOfUrn(token.urn)));

    const everything = JSON.stringify(run.outputs);
    for (const token of tokens) expect(everything).not.toContain(mockTokenValue(nameOfUrn(token.urn)));
    expect(Object.keys(run.outputs)).toEqual(["tokens"]);
    expect(run.secretOutputs).toEqual([]);
    const records = run.outputs["tokens"] as Record<string, { id: string }>;
    expect(Object.keys(records).sort()).toEqual(tokens.map((t) => nameOfUrn(t.urn)).sort());
    for (const token of tokens) expect(records[nameOfUrn(token.urn)]!.id).toBe(token.id);
  });

  it("no ComplianceToken registers the value among its outputs; each names its token's ID", async () => {
    const run = await runStackProgram(stack);
    const components = run.resources.filter((r) => typeOf(r.urn) === COMPLIANCE_TOKEN_TYPE);
    expect(components.length).toBeGreaterThanOrEqual(2);
    for (const component of components) {
      const name = nameOfUrn(component.urn);
      expect(Object.keys(component.state).sort()).toEqual(["expiresOn", "permissionGroups", "resources", "tokenId"]);
      expect(JSON.stringify(component.state)).not.toContain(mockTokenValue(name));
      const child = run.resources.find((r) => tokenTypes.includes(typeOf(r.urn)) && nameOfUrn(r.urn) === name)!;
      expect(component.state["tokenId"]).toBe(child.id);
    }
  });
});
