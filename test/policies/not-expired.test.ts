import { beforeAll, describe, expect, it } from "vitest";
import { API_TOKEN_TYPE, parseLogicalName } from "../../policies/rules/common";
import { notExpired } from "../../policies/rules/not-expired";
import { logicalName } from "../../src/program/program";
import { byName, compliantProdConfig, deploy, edit, urnOf, type FakeResource } from "./fixtures";
import { runStack } from "./harness";
import { rfc3339 } from "../../src/domain/time";

const DAY = 86_400_000;
const daysAgo = (days: number) => rfc3339(new Date(Date.now() - days * DAY));

let prod: FakeResource[];
let rotating: FakeResource[];
beforeAll(async () => {
  prod = await deploy("prod", compliantProdConfig());
  // Mid-rotation: generation 1 issued 40 days ago with ttlDays 30 (expired 10 days ago), its successor issued today.
  rotating = await deploy("prod", {
    ...compliantProdConfig(),
    generations: { "drata-prod": { active: { generation: 1, issuedAt: daysAgo(40) }, successor: { generation: 2, issuedAt: daysAgo(0) } } },
  });
});
const expired = (resource: FakeResource, days: number) => edit(resource, (inputs) => (inputs.expiresOn = daysAgo(days)));

describe("not-expired (mandatory stack policy)", () => {
  it("is a mandatory stack policy", () => {
    expect(notExpired.name).toBe("not-expired");
    expect(notExpired.enforcementLevel).toBe("mandatory");
    expect("validateStack" in notExpired).toBe(true);
  });

  it("reads token keys and generations the way the program names tokens", () => {
    expect(parseLogicalName(logicalName({ key: "ascera-prod-417daa9d", generation: 12 }))).toEqual({
      key: "ascera-prod-417daa9d",
      generation: 12,
    });
    expect(parseLogicalName("quick-fix")).toBeUndefined();
  });

  it("passes a stack whose tokens are all live", async () => {
    expect((await runStack(notExpired, prod)).messages).toEqual([]);
  });

  it("blocks a stack holding an expired token with no newer generation, pointing at cfct rotate", async () => {
    const stale = expired(byName(prod, API_TOKEN_TYPE, "drata-prod-g1"), 2);
    const { violations } = await runStack(
      notExpired,
      prod.map((r) => (r.urn === stale.urn ? stale : r)),
    );
    expect(violations).toEqual([
      {
        policy: "not-expired",
        level: "mandatory",
        urn: stale.urn,
        message:
          'cloudflare.ApiToken "drata-prod-g1" has expired (2 days ago) and no newer generation is declared: the platform has lost access. Fix: npx cfct rotate --stack prod.',
      },
    ]);
  });

  it("lets a rotation through: an expired generation next to its successor is not a violation", async () => {
    const tokens = rotating.filter((r) => r.type === API_TOKEN_TYPE).map((r) => [r.name, r.inputs["expiresOn"]]);
    expect(tokens.map(([name]) => name).sort()).toEqual(["drata-prod-g1", "drata-prod-g2"]);
    expect(Date.parse(String(byName(rotating, API_TOKEN_TYPE, "drata-prod-g1").inputs["expiresOn"]))).toBeLessThan(Date.now());
    expect((await runStack(notExpired, rotating)).messages).toEqual([]);
    // ... but an expired successor has nothing newer behind it.
    const deadSuccessor = expired(byName(rotating, API_TOKEN_TYPE, "drata-prod-g2"), 1);
    const { messages } = await runStack(
      notExpired,
      rotating.map((r) => (r.urn === deadSuccessor.urn ? deadSuccessor : r)),
    );
    expect(messages).toEqual([expect.stringMatching(/^cloudflare\.ApiToken "drata-prod-g2" has expired \(1 day ago\)/)]);
  });

  it("blocks an expired token that is not a generation of anything", async () => {
    const inputs = { name: "quick fix", policies: [], expiresOn: daysAgo(0.5) };
    const token: FakeResource = {
      type: API_TOKEN_TYPE,
      name: "quick-fix",
      urn: urnOf("prod", API_TOKEN_TYPE, "quick-fix"),
      custom: true,
      inputs,
      outputs: inputs,
    };
    expect((await runStack(notExpired, [...prod, token])).messages).toEqual([
      'cloudflare.ApiToken "quick-fix" has expired and no newer generation is declared: the platform has lost access. Fix: npx cfct rotate --stack prod.',
    ]);
  });

  it("leaves missing or malformed expiry to the expiry policy", async () => {
    const broken = edit(byName(prod, API_TOKEN_TYPE, "drata-prod-g1"), (inputs) => (inputs.expiresOn = "soon"));
    expect((await runStack(notExpired, [broken])).messages).toEqual([]);
  });
});
