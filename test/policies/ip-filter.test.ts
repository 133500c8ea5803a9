import { beforeAll, describe, expect, it } from "vitest";
import { ACCOUNT_TOKEN_TYPE, API_TOKEN_TYPE, COMPLIANCE_TOKEN_TYPE } from "../../policies/rules/common";
import { ipFilter } from "../../policies/rules/ip-filter";
import { IP_FILTER_REQUIRED_DEFAULTS, ipFilterRequired } from "../../policies/rules/ip-filter-required";
import { byName, deployedStacks, edit, type FakeResource } from "./fixtures";
import { runResource } from "./harness";

let prod: FakeResource[];
let shippedProd: FakeResource[];
let dev: FakeResource[];
beforeAll(async () => {
  ({ prod, shippedProd, dev } = await deployedStacks());
});
const unfiltered = (resource: FakeResource) => edit(resource, (inputs) => delete inputs.condition);

describe("ip-filter (advisory, every stack)", () => {
  it("is advisory", () => {
    expect(ipFilter.name).toBe("ip-filter");
    expect(ipFilter.enforcementLevel).toBe("advisory");
  });

  it("passes filtered tokens and is not applicable to the component", async () => {
    for (const token of prod.filter((r) => r.custom)) expect((await runResource(ipFilter, token)).messages).toEqual([]);
    expect((await runResource(ipFilter, byName(prod, COMPLIANCE_TOKEN_TYPE, "drata-prod-g1"))).notApplicable).toBeDefined();
  });

  it("warns about every unfiltered token, on any stack", async () => {
    const devToken = byName(dev, ACCOUNT_TOKEN_TYPE, "ascera-417daa9d-g1");
    expect((await runResource(ipFilter, devToken)).messages).toEqual([
      'cloudflare.AccountToken "ascera-417daa9d-g1" has no client-IP filter: anyone holding its value can use it from anywhere. Fix: set token.allowedIps to the platform\'s egress ranges.',
    ]);
  });

  it("treats only a deny list, an empty allow list or an allow-all range as no filter", async () => {
    const token = byName(prod, API_TOKEN_TYPE, "drata-prod-g1");
    const denyOnly = edit(token, (inputs) => (inputs.condition = { requestIp: { notIns: ["198.51.100.0/24"] } }));
    const empty = edit(token, (inputs) => (inputs.condition = { requestIp: { ins: [] } }));
    const allowAll = edit(token, (inputs) => (inputs.condition = { requestIp: { ins: ["203.0.113.0/24", "0.0.0.0/0"] } }));
    const allowAll6 = edit(token, (inputs) => (inputs.condition = { requestIp: { ins: ["::/0"] } }));
    expect((await runResource(ipFilter, denyOnly)).messages[0]).toMatch(/has no client-IP filter/);
    expect((await runResource(ipFilter, empty)).messages[0]).toMatch(/has no client-IP filter/);
    for (const r of [allowAll, allowAll6]) {
      const { messages } = await runResource(ipFilter, r);
      expect(messages).toEqual([
        'cloudflare.ApiToken "drata-prod-g1" has a client-IP filter that admits every address (a /0 range): anyone holding its value can use it from anywhere. Fix: set token.allowedIps to the platform\'s egress ranges.',
      ]);
      expect(messages[0]).not.toContain("0.0.0.0");
    }
  });
});

describe("ip-filter-required (mandatory on requireForStacks, default prod)", () => {
  it("is mandatory with requireForStacks defaulting to prod", () => {
    expect(ipFilterRequired.enforcementLevel).toBe("mandatory");
    expect(IP_FILTER_REQUIRED_DEFAULTS.requireForStacks).toEqual(["prod"]);
    expect(ipFilterRequired.configSchema?.properties["requireForStacks"]).toMatchObject({ type: "array", default: ["prod"] });
  });

  it("passes a prod stack whose tokens all carry allowedIps", async () => {
    for (const token of prod.filter((r) => r.custom)) expect((await runResource(ipFilterRequired, token)).messages).toEqual([]);
  });

  it("passes the shipped prod stack: every prod token carries an IP filter", async () => {
    const results = await Promise.all(shippedProd.filter((r) => r.custom).map((token) => runResource(ipFilterRequired, token)));
    expect(results.flatMap((r) => r.violations)).toEqual([]);
  });

  it("blocks a prod token without a filter, naming where to set it", async () => {
    const token = unfiltered(byName(shippedProd, ACCOUNT_TOKEN_TYPE, "ascera-prod-417daa9d-g1"));
    expect((await runResource(ipFilterRequired, token)).violations).toEqual([
      {
        policy: "ip-filter-required",
        level: "mandatory",
        message:
          'cloudflare.AccountToken "ascera-prod-417daa9d-g1" has no client-IP filter; stack "prod" requires one (requireForStacks). Fix: set token.allowedIps in stacks/Pulumi.prod.yaml.',
        urn: token.urn,
      },
    ]);
  });

  it("is not applicable on stacks outside requireForStacks, and follows the configured list", async () => {
    const devToken = byName(dev, ACCOUNT_TOKEN_TYPE, "ascera-417daa9d-g1");
    expect(await runResource(ipFilterRequired, devToken)).toEqual({
      messages: [],
      violations: [],
      notApplicable: "stack dev is not in requireForStacks",
    });
    expect((await runResource(ipFilterRequired, devToken, { requireForStacks: ["dev", "prod"] })).messages).toHaveLength(1);
    // Fully qualified names match the URN's stack name.
    expect((await runResource(ipFilterRequired, devToken, { requireForStacks: ["acme/cf-compliance-tokens/dev"] })).messages).toHaveLength(
      1,
    );
    const prodToken = unfiltered(byName(prod, API_TOKEN_TYPE, "drata-prod-g1"));
    expect((await runResource(ipFilterRequired, prodToken, { requireForStacks: [] })).notApplicable).toBe(
      "stack prod is not in requireForStacks",
    );
  });
});
