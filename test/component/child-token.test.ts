import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { ComplianceToken, type ComplianceTokenArgs } from "../../src/index";
import { COMPLIANCE_TOKEN_TYPE } from "../../src/domain/resource-types";
import { endMockedRun, unwrap } from "../helpers/mocked-run";
import { ACME_CORP } from "../helpers/settings";
import { componentMocks } from "../helpers/component-mocks";

/** The component as a resource among others: its child token to depend on, and rehydration by URN. */
const { mocks, registered, invokes } = componentMocks();

async function start() {
  registered.length = 0;
  invokes.length = 0;
  await pulumi.runtime.setMocks(mocks, "consumer", "dev", false);
}

describe("ComplianceToken's child token", () => {
  it("is the component's `token`: the user-owned ApiToken, parented to it, with the component's tokenId", async () => {
    await start();
    const drata = new ComplianceToken("drata", { platform: "drata", accounts: [ACME_CORP], zones: "all" });
    expect(drata.token).toBeInstanceOf(cloudflare.ApiToken);
    expect(await unwrap(drata.token.urn)).toBe(
      "urn:pulumi:dev::consumer::cf-compliance-tokens:index:ComplianceToken$cloudflare:index/apiToken:ApiToken::drata",
    );
    expect(await unwrap(drata.token.id)).toBe(await unwrap(drata.tokenId));
    await endMockedRun();
  });

  it("is the AccountToken for an account-owned platform, and another resource can depend on it", async () => {
    await start();
    const ascera = new ComplianceToken("ascera", { platform: "ascera", accounts: [ACME_CORP] });
    expect(ascera.token).toBeInstanceOf(cloudflare.AccountToken);
    const consumer = new pulumi.ComponentResource("consumer:index:Registration", "ascera-registration", {}, { dependsOn: [ascera.token] });
    await unwrap(consumer.urn);
    await endMockedRun();
    expect(registered.map((r) => `${r.type} ${r.name}`)).toEqual(
      expect.arrayContaining(["cloudflare:index/accountToken:AccountToken ascera", "consumer:index:Registration ascera-registration"]),
    );
  });
});

/**
 * A ComplianceToken as the engine already holds it. Registered without outputs: Pulumi's mock
 * monitor keeps registered outputs in a form its own getResource cannot send back.
 */
class ExistingComplianceToken extends pulumi.ComponentResource {
  constructor(name: string) {
    super(COMPLIANCE_TOKEN_TYPE, name, {}, {});
  }

  protected override registerOutputs(): void {}
}

async function existingUrn(name: string): Promise<string> {
  // Its URN is the answer to its registration, and it registers nothing else: the run goes on from here.
  const urn = await unwrap(new ExistingComplianceToken(name).urn);
  registered.length = 0;
  invokes.length = 0;
  return urn;
}

describe("ComplianceToken constructed with opts.urn (Pulumi rehydrating one that exists)", () => {
  it("plans, invokes and declares nothing, even without arguments, and reads itself back by URN", async () => {
    await start();
    const urn = await existingUrn("drata");
    // A resource reference read back carries no arguments: the constructor must not touch them.
    const rehydrated = new ComplianceToken("drata", undefined as unknown as ComplianceTokenArgs, { urn });
    expect(await unwrap(rehydrated.urn)).toBe(urn);
    await endMockedRun();
    expect(registered).toEqual([]);
    expect(invokes).toEqual([]);
    expect(rehydrated.token).toBeUndefined();
  });

  it("does not refuse arguments it will not use: a rehydrated component's children exist already", async () => {
    await start();
    const urn = await existingUrn("ascera");
    const twoAccounts = { platform: "ascera", accounts: [ACME_CORP, "fca1dc0809e072ce2cf9eb2831e0e03b"] } as const;
    const rehydrated = new ComplianceToken("ascera", twoAccounts, { urn });
    expect(await unwrap(rehydrated.urn)).toBe(urn);
    await endMockedRun();
    expect(registered).toEqual([]);
    expect(invokes).toEqual([]);
  });
});
