import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { prodStacksOf } from "../../src/automation/doctor-secrets";
import { secretsProviderFinding, stackSecretsProvider, type SecretsProvider } from "../../src/automation/secrets-provider";
import { PROD_STACKS, PROD_STACKS_KEY, PROD_STACKS_POLICY } from "../../src/domain/prod-stacks";
import { IP_FILTER_REQUIRED_DEFAULTS, ipFilterRequired } from "../../policies/rules/ip-filter-required";

const FILE = "stacks/Pulumi.prod.yaml";
const DIY = "s3://acme-pulumi-state/cfct";

describe("the stack's secrets provider, decided in Pulumi's order (pkg/cmd/pulumi/stack/secrets.go)", () => {
  it.each([
    [{ secretsprovider: "awskms://alias/cfct?region=us-east-1", encryptedkey: "AQID" }, DIY, "kms", "secretsprovider"],
    [{ secretsprovider: "azurekeyvault://acme.vault.azure.net/keys/cfct" }, DIY, "kms", "secretsprovider"],
    [{ secretsprovider: "gcpkms://projects/p/locations/l/keyRings/r/cryptoKeys/k" }, DIY, "kms", "secretsprovider"],
    [{ secretsprovider: "hashivault://cfct" }, DIY, "kms", "secretsprovider"],
    // A URL beats a stale salt, as in Pulumi.
    [{ secretsprovider: "awskms://alias/cfct", encryptionsalt: "v1:abc" }, DIY, "kms", "secretsprovider"],
    [{ secretsprovider: "base64key://c2VjcmV0" }, DIY, "other", "secretsprovider"],
    [{ encryptionsalt: "v1:abc" }, "https://api.pulumi.com", "passphrase", "encryptionsalt"],
    [{ secretsprovider: "passphrase" }, DIY, "passphrase", "secretsprovider"],
    [{ secretsprovider: "default" }, DIY, "passphrase", "Pulumi's default on a DIY backend"],
    [undefined, "file:///tmp/state", "passphrase", "Pulumi's default on a DIY backend"],
    [{ config: {} }, "https://api.pulumi.com", "service", "Pulumi Cloud's default"],
    [undefined, undefined, "passphrase", "Pulumi's default once a DIY backend is chosen"],
  ])("%j on %s: %s", (stackFile, backend, kind, source) => {
    const provider = stackSecretsProvider(FILE, stackFile, backend);
    expect(provider.kind).toBe(kind);
    expect(provider.source).toContain(source);
  });
});

describe("cfct doctor's secrets-provider finding", () => {
  const passphrase: SecretsProvider = { kind: "passphrase", name: "passphrase", source: `${FILE}: encryptionsalt` };
  const kms: SecretsProvider = { kind: "kms", name: "awskms://alias/cfct", source: `${FILE}: secretsprovider` };
  const defaults = prodStacksOf([]);

  it("warns when a prod stack keeps its token values with a passphrase, naming who can decrypt them and the KMS fix", () => {
    const finding = secretsProviderFinding("prod", passphrase, defaults);
    expect(finding).toEqual({
      status: "warn",
      detail:
        `secrets provider of stack prod: passphrase (${FILE}: encryptionsalt): anyone who holds the passphrase and can read the state can decrypt every token value, and nothing records it. ` +
        'Stack prod is a prod stack for the policy pack (ip-filter-required requireForStacks, default ["prod"])',
      fix:
        'move it to a KMS secrets provider with audit logs, e.g. `pulumi stack change-secrets-provider --stack prod "awskms://alias/cfct?region=us-east-1"` ' +
        "(or azurekeyvault://, gcpkms://, hashivault://), then commit its stack file",
    });
  });

  it("reports, without a warning, a passphrase on a stack that is not prod and a KMS provider on prod", () => {
    expect(secretsProviderFinding("dev", passphrase, defaults)).toMatchObject({ status: "ok" });
    const onKms = secretsProviderFinding("prod", kms, defaults);
    expect(onKms.status).toBe("ok");
    expect(onKms.detail).toMatch(/awskms:\/\/alias\/cfct .*audit log records each use/);
  });

  it("calls prod what the pack's config calls prod: requireForStacks of ip-filter-required, from --policy-pack-config", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "cfct-pack-config-"));
    const config = path.join(dir, "config.json");
    writeFileSync(
      config,
      JSON.stringify({ all: "mandatory", "ip-filter-required": { requireForStacks: ["acme/cf-compliance-tokens/staging"] } }),
    );
    const named = prodStacksOf([config]);
    expect(secretsProviderFinding("staging", passphrase, named)).toMatchObject({ status: "warn" });
    expect(secretsProviderFinding("prod", passphrase, named)).toMatchObject({ status: "ok" });
    expect(secretsProviderFinding("staging", passphrase, named).detail).toContain(`ip-filter-required requireForStacks in ${config}`);

    const broken = path.join(dir, "broken.json");
    writeFileSync(broken, "{ not json");
    expect(() => prodStacksOf([broken])).toThrow(new RegExp(`--policy-pack-config ${broken} is not readable JSON .*Fix: `));
  });

  it("reads the same policy, key and default as the pack itself", () => {
    expect(ipFilterRequired.name).toBe(PROD_STACKS_POLICY);
    expect(ipFilterRequired.configSchema?.properties).toHaveProperty(PROD_STACKS_KEY);
    expect(IP_FILTER_REQUIRED_DEFAULTS.requireForStacks).toBe(PROD_STACKS);
  });
});
