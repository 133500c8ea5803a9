import { beforeAll, describe, expect, it } from "vitest";
import { ACCOUNT_TOKEN_TYPE, API_TOKEN_TYPE, COMPLIANCE_TOKEN_TYPE, parentTypeFromUrn, typeOfUrn } from "../../policies/rules/common";
import { noHandRolledTokens, parentTypeOf } from "../../policies/rules/no-hand-rolled-tokens";
import { ACME_CORP } from "../helpers/settings";
import { byName, compliantProdConfig, deploy, urnOf, type FakeResource } from "./fixtures";
import { runStack, stackArgs } from "./harness";

let prod: FakeResource[];
beforeAll(async () => {
  prod = await deploy("prod", compliantProdConfig());
});

const stackResource = (): FakeResource => ({
  type: "pulumi:pulumi:Stack",
  name: "cf-compliance-tokens-prod",
  urn: urnOf("prod", "pulumi:pulumi:Stack", "cf-compliance-tokens-prod"),
  custom: false,
  inputs: {},
  outputs: {},
});

/** A token made with `new cloudflare.AccountToken(...)` straight in a program. */
function handRolled(parent?: FakeResource): FakeResource {
  const typeChain = parent ? `${parent.type}$${ACCOUNT_TOKEN_TYPE}` : ACCOUNT_TOKEN_TYPE;
  const inputs = { name: "quick fix", accountId: ACME_CORP, policies: [] };
  return {
    type: ACCOUNT_TOKEN_TYPE,
    name: "quick-fix",
    urn: urnOf("prod", typeChain, "quick-fix"),
    ...(parent ? { parent: parent.urn } : {}),
    custom: true,
    inputs,
    outputs: { ...inputs, value: "SECRET-TOKEN-VALUE-quick-fix" },
  };
}

describe("no-hand-rolled-tokens (mandatory stack policy)", () => {
  it("is a mandatory stack policy", () => {
    expect(noHandRolledTokens.name).toBe("no-hand-rolled-tokens");
    expect(noHandRolledTokens.enforcementLevel).toBe("mandatory");
    expect("validateStack" in noHandRolledTokens).toBe(true);
  });

  it("passes a stack whose every token is a ComplianceToken child", async () => {
    const outcome = await runStack(noHandRolledTokens, [stackResource(), ...prod]);
    expect(outcome.messages).toEqual([]);
    expect(outcome.notApplicable).toBeUndefined();
  });

  it("is not applicable to a stack without Cloudflare tokens", async () => {
    expect((await runStack(noHandRolledTokens, [stackResource()])).notApplicable).toBe("the stack has no Cloudflare tokens");
  });

  it("blocks a token parented by the stack, reporting it against the token's URN", async () => {
    const token = handRolled();
    const { violations } = await runStack(noHandRolledTokens, [stackResource(), ...prod, token]);
    expect(violations).toEqual([
      {
        policy: "no-hand-rolled-tokens",
        level: "mandatory",
        urn: token.urn,
        message:
          'cloudflare.AccountToken "quick-fix" is not created by a ComplianceToken (its parent is the stack), so no rule could check its permission groups. ' +
          "Fix: declare the connection in cf-compliance-tokens:connections and let the program create it.",
      },
    ]);
  });

  it("blocks a token hidden inside some other component", async () => {
    const wrapper: FakeResource = {
      type: "acme:index:Wrapper",
      name: "w",
      urn: urnOf("prod", "acme:index:Wrapper", "w"),
      custom: false,
      inputs: {},
      outputs: {},
    };
    const token = handRolled(wrapper);
    const { messages } = await runStack(noHandRolledTokens, [...prod, wrapper, token]);
    expect(messages).toEqual([
      expect.stringContaining('cloudflare.AccountToken "quick-fix" is not created by a ComplianceToken (its parent is acme:index:Wrapper)'),
    ]);
    // The same verdict when the parent is not in the resource list: the URNs still say who the parent is.
    expect((await runStack(noHandRolledTokens, [token])).messages).toEqual([expect.stringContaining("(its parent is acme:index:Wrapper)")]);
  });

  it("finds the parent type from the linked resource, the parent URN or the URN's type chain", async () => {
    const child = byName(prod, API_TOKEN_TYPE, "drata-prod-g1");
    const [linked] = stackArgs([byName(prod, COMPLIANCE_TOKEN_TYPE, "drata-prod-g1"), child]).resources.slice(1);
    expect(parentTypeOf(linked!)).toBe(COMPLIANCE_TOKEN_TYPE);
    const [unlinked] = stackArgs([child]).resources;
    expect(unlinked!.parent).toBeUndefined();
    expect(parentTypeOf(unlinked!)).toBe(COMPLIANCE_TOKEN_TYPE);
    expect(typeOfUrn(child.parent!)).toBe(COMPLIANCE_TOKEN_TYPE);
    expect(parentTypeFromUrn(child.urn)).toBe(COMPLIANCE_TOKEN_TYPE);
    expect(parentTypeFromUrn(handRolled().urn)).toBeUndefined();
  });
});
