import { describe, expect, it } from "vitest";
import { COMPLIANCE_TOKEN_TYPE, TOKEN_RESOURCE_TYPES } from "../../src/domain/resource-types";
import { mockTokenValue, runStackProgram } from "../helpers/program-under-mocks";

const tokenTypes: readonly string[] = Object.values(TOKEN_RESOURCE_TYPES);

/**
 * Stack outputs reach `pulumi stack output`, every StackReference and CI actions that turn outputs
 * into step outputs: no token value may ever be one again. Values live in each token resource's
 * state only (issue 21).
 */
describe.each(["dev", "prod"])("the %s stack's program under mocks", (stack) => {
  it("returns no token value in any output, secrets unwrapped, and still names each token's ID", async () => {
    const run = await runStackProgram(stack);
    const tokens = run.resources.filter((r) => tokenTypes.includes(r.type));
    // Not vacuous: the provider gave every token a value, and the state of its resource holds it.
    expect(tokens.length).toBeGreaterThanOrEqual(2);
    for (const token of tokens) expect(token.state["value"]).toBe(mockTokenValue(token.name));

    const everything = JSON.stringify(run.outputs);
    for (const token of tokens) expect(everything).not.toContain(mockTokenValue(token.name));
    expect(Object.keys(run.outputs)).toEqual(["tokens"]);
    expect(run.secretOutputs).toEqual([]);
    const records = run.outputs["tokens"] as Record<string, { id: string }>;
    expect(Object.keys(records).sort()).toEqual(tokens.map((t) => t.name).sort());
    for (const token of tokens) expect(records[token.name]!.id).toBe(token.id);
  });

  it("no ComplianceToken registers the value among its outputs; each names its token's ID", async () => {
    const run = await runStackProgram(stack);
    const components = run.resources.filter((r) => r.type === COMPLIANCE_TOKEN_TYPE);
    expect(components.length).toBeGreaterThanOrEqual(2);
    for (const component of components) {
      expect(Object.keys(component.state).sort()).toEqual(["expiresOn", "permissionGroups", "resources", "tokenId"]);
      expect(JSON.stringify(component.state)).not.toContain(mockTokenValue(component.name));
      const child = run.resources.find((r) => tokenTypes.includes(r.type) && r.name === component.name)!;
      expect(component.state["tokenId"]).toBe(child.id);
    }
  });
});
