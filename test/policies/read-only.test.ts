import { beforeAll, describe, expect, it } from "vitest";
import { COMPLIANCE_TOKEN_TYPE } from "../../policies/rules/common";
import { readOnly } from "../../policies/rules/read-only";
import { byName, compliantProdConfig, deploy, edit, stackFileConfig, type FakeResource } from "./fixtures";
import { runResource } from "./harness";
import { SCOPES } from "../../src/domain/permission-group";

let prod: FakeResource[];
let dev: FakeResource[];
beforeAll(async () => {
  prod = await deploy("prod", compliantProdConfig());
  dev = await deploy("dev", stackFileConfig("dev"));
});
const drata = () => byName(prod, COMPLIANCE_TOKEN_TYPE, "drata-prod-g1");

describe("read-only (mandatory)", () => {
  it("is registered as a mandatory, critical resource policy", () => {
    expect(readOnly.name).toBe("read-only");
    expect(readOnly.enforcementLevel).toBe("mandatory");
    expect(readOnly.severity).toBe("critical");
    expect(readOnly.description).toMatch(/Read group/);
  });

  it("passes every ComplianceToken of the shipped dev and prod stacks", async () => {
    const components = [...prod, ...dev].filter((r) => r.type === COMPLIANCE_TOKEN_TYPE);
    expect(components.map((c) => c.name).sort()).toEqual([
      "ascera-417daa9d-g1",
      "ascera-fca1dc08-g1",
      "ascera-prod-417daa9d-g1",
      "datadog-g1",
      "drata-g1",
      "drata-prod-g1",
    ]);
    for (const component of components) expect((await runResource(readOnly, component)).messages).toEqual([]);
  });

  it("is not applicable to anything but ComplianceToken (provider tokens carry only group IDs)", async () => {
    const child = prod.find((r) => r.custom)!;
    expect((await runResource(readOnly, child)).notApplicable).toMatch(/only checks cf-compliance-tokens:index:ComplianceToken/);
  });

  it("blocks a Write group and names the group, its scope and the token", async () => {
    const bad = edit(drata(), (inputs) => inputs.policies[1].permissionGroups.push({ name: "Zone Write", scope: SCOPES.zone }));
    const { messages } = await runResource(readOnly, bad);
    expect(messages).toEqual([
      'ComplianceToken "drata-prod-g1": permission group "Zone Write" (com.cloudflare.api.account.zone) is not a Read group (write access); compliance tokens may only read. ' +
        'Fix: remove it from the platform profile (src/platforms/, or the stack file\'s platforms), or allow it by name in the pack config: {"read-only": {"allowWrite": {"drata": ["Zone Write"]}}}.',
    ]);
  });

  it("blocks Edit, Revoke and Purge groups and other non-read access, one message each", async () => {
    const bad = edit(drata(), (inputs) => {
      inputs.policies[0].permissionGroups.push({ name: "API Tokens Write", scope: SCOPES.user });
      inputs.policies[1].permissionGroups.push({ name: "Cache Purge", scope: SCOPES.zone });
      inputs.policies[1].permissionGroups.push({ name: "DNS Edit", scope: SCOPES.zone });
      inputs.policies[2].permissionGroups.push({ name: "Workers Tail Revoke", scope: SCOPES.account });
    });
    const { messages } = await runResource(readOnly, bad);
    expect(messages).toHaveLength(4);
    expect(messages.map((m) => /permission group "([^"]+)"/.exec(m)?.[1])).toEqual([
      "API Tokens Write",
      "Cache Purge",
      "DNS Edit",
      "Workers Tail Revoke",
    ]);
    for (const m of messages) expect(m).toMatch(/^ComplianceToken "drata-prod-g1": .* is not a Read group/);
  });

  it("refuses a documentation display name Cloudflare's list lacks, naming the API's group", async () => {
    const bad = edit(drata(), (inputs) => inputs.policies[1].permissionGroups.push({ name: "Cache Rules Read", scope: SCOPES.zone }));
    expect((await runResource(readOnly, bad)).messages).toEqual([
      'ComplianceToken "drata-prod-g1": permission group "Cache Rules Read" (com.cloudflare.api.account.zone) is not a Read group of Cloudflare\'s permission-group list, so it cannot be proven read-only. ' +
        '"Cache Rules Read" is the documentation\'s display name; the API names it "Cache Settings Read". Fix: did you mean "Cache Settings Read"?',
    ]);
  });

  it("identifies a group by (name, scope): a Read name at an unknown scope is refused", async () => {
    const bad = edit(drata(), (inputs) =>
      inputs.policies[0].permissionGroups.push({ name: "Zone Read", scope: "com.cloudflare.api.organization" }),
    );
    expect((await runResource(readOnly, bad)).messages).toEqual([
      'ComplianceToken "drata-prod-g1": permission group "Zone Read" has an unknown scope "com.cloudflare.api.organization" (expected one of com.cloudflare.api.user, com.cloudflare.api.account, com.cloudflare.api.account.zone).',
    ]);
  });

  it("ignores deny policies (they only subtract) but refuses an unknown effect", async () => {
    const withDeny = edit(drata(), (inputs) =>
      inputs.policies.push({ effect: "deny", permissionGroups: [{ name: "Zone Write", scope: SCOPES.zone }], resources: {} }),
    );
    expect((await runResource(readOnly, withDeny)).messages).toEqual([]);
    const odd = edit(drata(), (inputs) => (inputs.policies[0].effect = "grant"));
    expect((await runResource(readOnly, odd)).messages).toEqual([
      'ComplianceToken "drata-prod-g1": policies[0] has an effect other than allow or deny: cannot prove it read-only.',
    ]);
  });

  it("fails closed when the component's inputs are missing or malformed", async () => {
    const empty = edit(drata(), (inputs) => delete inputs.policies);
    expect((await runResource(readOnly, empty)).messages).toEqual([
      'ComplianceToken "drata-prod-g1" has no policies input, so its permissions cannot be checked (is PULUMI_NODEJS_SKIP_COMPONENT_INPUTS set? the pack needs component inputs): cannot prove it read-only.',
    ]);
    const nameless = edit(drata(), (inputs) => (inputs.policies[1].permissionGroups[0] = { id: "abc" }));
    expect((await runResource(readOnly, nameless)).messages).toEqual([
      'ComplianceToken "drata-prod-g1" policies[1].permissionGroups[0] has no name and scope: cannot prove it read-only.',
    ]);
  });
});
