import { beforeAll, describe, expect, it } from "vitest";
import { COMPLIANCE_TOKEN_TYPE } from "../../policies/rules/common";
import { policies } from "../../policies/rules";
import { readOnly } from "../../policies/rules/read-only";
import { byName, deploy, type FakeResource } from "./fixtures";
import { runResource } from "./harness";
import { ACME_CORP } from "../helpers/settings";
import { ACME_GRC, ACME_SIEM } from "../helpers/platforms";

/** A stack that defines two platforms of its own: one that reads, one whose guide needs a write group. */
const CONFIG = {
  platforms: { "acme-grc": ACME_GRC, "acme-siem": ACME_SIEM },
  connections: [
    { platform: "acme-grc", accounts: [ACME_CORP], zones: ["acme-corp.com"], token: { allowedIps: ["192.0.2.0/24"] } },
    { platform: "acme-siem", accounts: [ACME_CORP], token: { allowedIps: ["192.0.2.0/24"] } },
  ],
};

let resources: FakeResource[];
beforeAll(async () => {
  resources = await deploy("prod", CONFIG);
});

describe("the policy pack on platforms defined in the stack file", () => {
  it("judges a stack-defined platform's token like a built-in's: every resource rule passes the read-only one", async () => {
    const grc = byName(resources, COMPLIANCE_TOKEN_TYPE, "acme-grc-g1");
    expect(grc.inputs.platform).toBe("acme-grc");
    for (const policy of policies.filter((p) => "validateResource" in p)) {
      const outcome = await runResource(policy as Parameters<typeof runResource>[0], grc);
      expect(outcome.messages, policy.name).toEqual([]);
    }
  });

  it("read-only still fails a write group that allowWrite let through validation", async () => {
    const siem = byName(resources, COMPLIANCE_TOKEN_TYPE, "acme-siem-417daa9d-g1");
    const { messages } = await runResource(readOnly, siem);
    expect(messages).toEqual([
      'ComplianceToken "acme-siem-417daa9d-g1": permission group "Logs Write" (com.cloudflare.api.account) is not a Read group (write access); compliance tokens may only read. ' +
        'Fix: remove it from the platform profile (src/platforms/, or the stack file\'s platforms), or allow it by name in the pack config: {"read-only": {"allowWrite": {"acme-siem": ["Logs Write"]}}}.',
    ]);
  });

  it("passes it only when the pack's config names that platform and that group", async () => {
    const siem = byName(resources, COMPLIANCE_TOKEN_TYPE, "acme-siem-417daa9d-g1");
    expect((await runResource(readOnly, siem, { allowWrite: { "acme-siem": ["Logs Write"] } })).messages).toEqual([]);
    expect((await runResource(readOnly, siem, { allowWrite: { "acme-grc": ["Logs Write"] } })).messages).toHaveLength(1);
    expect((await runResource(readOnly, siem, { allowWrite: { "acme-siem": ["Logs Read"] } })).messages).toHaveLength(1);
  });
});
