import { beforeAll, describe, expect, it } from "vitest";
import { ACCOUNT_TOKEN_TYPE, COMPLIANCE_TOKEN_TYPE } from "../../policies/rules/common";
import { readAllProfile } from "../../policies/rules/read-all-profile";
import { ACME_LABS } from "../helpers/settings";
import { byName, compliantProdConfig, deploy, type FakeResource } from "./fixtures";
import { runResource } from "./harness";

let prod: FakeResource[];
let readAll: FakeResource[];
beforeAll(async () => {
  prod = await deploy("prod", compliantProdConfig());
  readAll = await deploy("dev", { connections: [{ platform: "ascera", profile: "read-all", accounts: [ACME_LABS], zones: "all" }] });
});

describe("read-all-profile (advisory)", () => {
  it("is advisory", () => {
    expect(readAllProfile.name).toBe("read-all-profile");
    expect(readAllProfile.enforcementLevel).toBe("advisory");
  });

  it("stays quiet for least-privilege and guide profiles", async () => {
    for (const component of prod.filter((r) => r.type === COMPLIANCE_TOKEN_TYPE)) {
      expect((await runResource(readAllProfile, component)).messages).toEqual([]);
    }
  });

  it("warns when a ComplianceToken uses read-all, counting its groups and pointing at least privilege", async () => {
    const component = byName(readAll, COMPLIANCE_TOKEN_TYPE, "ascera-fca1dc08-g1");
    const groups = (component.inputs as { policies: { permissionGroups: unknown[] }[] }).policies.flatMap((p) => p.permissionGroups).length;
    expect(groups).toBeGreaterThan(50);
    const { messages } = await runResource(readAllProfile, component);
    expect(messages).toEqual([
      `ComplianceToken "ascera-fca1dc08-g1" uses the read-all profile (${groups} Read groups): read-only but not least privilege. ` +
        "Fix: drop `profile: read-all` from the connection to use the platform's least-privilege default (README: \"Why ASCERA's default is not the guide's 'Read all resources'\").",
    ]);
  });

  it("checks only the component (the provider token does not know its profile)", async () => {
    expect((await runResource(readAllProfile, byName(readAll, ACCOUNT_TOKEN_TYPE, "ascera-fca1dc08-g1"))).notApplicable).toBeDefined();
  });
});
