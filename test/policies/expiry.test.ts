import { beforeAll, describe, expect, it } from "vitest";
import { ACCOUNT_TOKEN_TYPE, API_TOKEN_TYPE, COMPLIANCE_TOKEN_TYPE } from "../../policies/rules/common";
import { EXPIRY_DEFAULTS, expiry, maxTtlDaysFor } from "../../policies/rules/expiry";
import { byName, compliantProdConfig, deploy, edit, stackFileConfig, type FakeResource } from "./fixtures";
import { runResource } from "./harness";
import { rfc3339 } from "../../src/domain/time";

const DAY = 86_400_000;
const inDays = (days: number) => rfc3339(new Date(Date.now() + days * DAY));

let prod: FakeResource[];
let dev: FakeResource[];
beforeAll(async () => {
  prod = await deploy("prod", compliantProdConfig());
  dev = await deploy("dev", stackFileConfig("dev"));
});
const prodToken = () => byName(prod, API_TOKEN_TYPE, "drata-prod-g1");
const devToken = () => byName(dev, ACCOUNT_TOKEN_TYPE, "ascera-fca1dc08-g1");
const expiringIn = (resource: FakeResource, days: number) => edit(resource, (inputs) => (inputs.expiresOn = inDays(days)));

describe("expiry (mandatory, configurable)", () => {
  it("is a mandatory resource policy with maxTtlDays 90 by default and 30 for prod, both in its configSchema", () => {
    expect(expiry.enforcementLevel).toBe("mandatory");
    expect(EXPIRY_DEFAULTS).toEqual({ maxTtlDays: 90, maxTtlDaysByStack: { prod: 30 } });
    expect(expiry.configSchema?.properties["maxTtlDays"]).toMatchObject({ type: "integer", default: 90, maximum: 365 });
    expect(expiry.configSchema?.properties["maxTtlDaysByStack"]).toMatchObject({ type: "object", default: { prod: 30 } });
    expect(maxTtlDaysFor("prod", {})).toBe(30);
    expect(maxTtlDaysFor("dev", {})).toBe(90);
    expect(maxTtlDaysFor("dev", { maxTtlDays: 60 })).toBe(60);
    expect(maxTtlDaysFor("prod", { maxTtlDays: 60, maxTtlDaysByStack: { prod: 14 } })).toBe(14);
    expect(maxTtlDaysFor("staging", { maxTtlDaysByStack: { staging: 45 } })).toBe(45);
  });

  it("passes the tokens the shipped stacks plan (prod ttlDays 30, dev 90) and ignores the component", async () => {
    for (const token of [...prod, ...dev].filter((r) => r.custom)) {
      expect((await runResource(expiry, token)).messages, token.name).toEqual([]);
    }
    expect((await runResource(expiry, byName(prod, COMPLIANCE_TOKEN_TYPE, "drata-prod-g1"))).notApplicable).toBeDefined();
  });

  it("blocks a token without expiresOn", async () => {
    const never = edit(prodToken(), (inputs) => delete inputs.expiresOn);
    expect((await runResource(expiry, never)).messages).toEqual([
      'cloudflare.ApiToken "drata-prod-g1" has no expiresOn: it would never expire. Fix: create tokens through ComplianceToken, which always sets one from ttlDays.',
    ]);
  });

  it("blocks a lifetime above the stack's limit: 31 days on prod, 91 on dev; configurable", async () => {
    expect((await runResource(expiry, expiringIn(prodToken(), 31))).messages).toEqual([
      'cloudflare.ApiToken "drata-prod-g1" expires in 31 days, more than maxTtlDays 30 for stack "prod". ' +
        "Fix: set token.ttlDays to 30 or less in stacks/Pulumi.prod.yaml; an existing generation keeps its expiry until npx cfct rotate --stack prod.",
    ]);
    expect((await runResource(expiry, expiringIn(devToken(), 89))).messages).toEqual([]);
    expect((await runResource(expiry, expiringIn(devToken(), 91))).messages).toEqual([
      'cloudflare.AccountToken "ascera-fca1dc08-g1" expires in 91 days, more than maxTtlDays 90 for stack "dev". ' +
        "Fix: set token.ttlDays to 90 or less in stacks/Pulumi.dev.yaml; an existing generation keeps its expiry until npx cfct rotate --stack dev.",
    ]);
    // Pack config: a stricter dev limit, a looser prod one.
    expect((await runResource(expiry, expiringIn(devToken(), 89), { maxTtlDays: 60 })).messages).toHaveLength(1);
    expect((await runResource(expiry, expiringIn(prodToken(), 45), { maxTtlDaysByStack: { prod: 60 } })).messages).toEqual([]);
  });

  it("leaves an expiry in the past to not-expired (which lets a rotation through)", async () => {
    expect((await runResource(expiry, expiringIn(prodToken(), -3))).messages).toEqual([]);
  });

  it("blocks an expiresOn that is not an RFC 3339 timestamp, without echoing it", async () => {
    for (const value of ["next tuesday", 1_900_000_000, "2027-13-45T00:00:00Z"]) {
      const odd = edit(prodToken(), (inputs) => (inputs.expiresOn = value));
      const { messages } = await runResource(expiry, odd);
      expect(messages).toEqual(['cloudflare.ApiToken "drata-prod-g1": expiresOn is not an RFC 3339 timestamp.']);
    }
  });
});
