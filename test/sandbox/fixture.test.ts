import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import YAML from "yaml";
import { describe, expect, it } from "vitest";
import { FixtureError, defaultFixture, parseFixture, startSandbox } from "../../src/sandbox";
import { withGeneratedZones } from "../../src/sandbox/fixture/generate-zones";
import { IDS, SandboxClient } from "../helpers/sandbox-client";

const dir = mkdtempSync(path.join(tmpdir(), "cfct-fixture-"));
const write = (name: string, text: string) => {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
};

/** A small valid fixture: one account, two zones, a provisioner that can read them. */
function smallFixture() {
  const fixture = defaultFixture();
  const account = fixture.accounts[1]!;
  return {
    ...fixture,
    memberships: fixture.memberships.filter((m) => m.account_id === account.id),
    accounts: [account],
    zones: fixture.zones.filter((z) => z.account_id === account.id).slice(0, 2),
    provisioner_token: {
      ...fixture.provisioner_token,
      policies: [
        {
          effect: "allow" as const,
          permission_groups: [{ name: "Zone Read", scope: "com.cloudflare.api.account.zone" as const }],
          resources: { [`com.cloudflare.api.account.${account.id}`]: { "com.cloudflare.api.account.zone.*": "*" as const } },
        },
      ],
    },
  };
}

describe("fixtures", () => {
  it("the default fixture has the IDs stacks/Pulumi.dev.yaml relies on", () => {
    const fixture = defaultFixture();
    expect(fixture.user).toMatchObject({ id: IDS.user, email: "svc-compliance@acme-corp.com" });
    expect(fixture.accounts.map((a) => [a.name, a.id])).toEqual([
      ["Acme Corp", IDS.acmeCorp],
      ["Acme Labs", IDS.acmeLabs],
    ]);
    expect(fixture.zones).toHaveLength(12);
    expect(fixture.zones.find((z) => z.name === "acme-status.com")?.id).toBe(IDS.acmeStatus);
    expect(fixture.memberships.map((m) => m.roles)).toEqual([
      ["Super Administrator - All Privileges"],
      ["Super Administrator - All Privileges"],
    ]);
  });

  it("runs a sandbox from a YAML file", async () => {
    const file = write("small.yaml", YAML.stringify(smallFixture()));
    const sandbox = await startSandbox({ fixture: file });
    try {
      const zones = (await new SandboxClient(sandbox).get("/zones")).body.result.map((z: { name: string }) => z.name);
      expect(zones).toEqual(["acmelabs.dev", "acmelabs.io"]);
    } finally {
      await sandbox.close();
    }
  });

  it("names every bad key and its fix", async () => {
    const fixture = smallFixture();
    const bad = { ...fixture, zones: [{ ...fixture.zones[0]!, account_id: "0123456789abcdef0123456789abcdef", name: "not a zone" }] };
    const file = write("bad.json", JSON.stringify(bad));
    await expect(startSandbox({ fixture: file })).rejects.toThrow(FixtureError);
    try {
      parseFixture(bad, "bad.json");
    } catch (error) {
      expect((error as Error).message).toMatch(/zones\.0\.name: is not a zone name\. Fix: /);
      expect((error as Error).message).toMatch(
        /zones\.0\.account_id: names account 0123456789abcdef0123456789abcdef, which is not in accounts\. Fix: /,
      );
      return;
    }
    throw new Error("expected a FixtureError");
  });

  it("refuses a provisioner token with an unknown group or beyond the user's accounts", async () => {
    const fixture = smallFixture();
    const unknownGroup = {
      ...fixture,
      provisioner_token: {
        ...fixture.provisioner_token,
        policies: [
          {
            ...fixture.provisioner_token.policies[0]!,
            permission_groups: [{ name: "Zone Reed", scope: "com.cloudflare.api.account.zone" as const }],
          },
        ],
      },
    };
    await expect(startSandbox({ fixture: unknownGroup })).rejects.toThrow(
      /provisioner_token\.policies\.0: permission group "Zone Reed" \(com\.cloudflare\.api\.account\.zone\) is not in Cloudflare's permission-group list/,
    );
    const docsName = {
      ...fixture,
      provisioner_token: {
        ...fixture.provisioner_token,
        policies: [
          {
            ...fixture.provisioner_token.policies[0]!,
            permission_groups: [{ name: "Cache Rules Read", scope: "com.cloudflare.api.account.zone" as const }],
          },
        ],
      },
    };
    await expect(startSandbox({ fixture: docsName })).rejects.toThrow(
      /the API names it "Cache Settings Read"\. Fix: did you mean "Cache Settings Read"\?/,
    );

    const beyond = {
      ...fixture,
      provisioner_token: {
        ...fixture.provisioner_token,
        policies: [
          {
            ...fixture.provisioner_token.policies[0]!,
            resources: { [`com.cloudflare.api.account.${IDS.acmeCorp}`]: { "com.cloudflare.api.account.zone.*": "*" as const } },
          },
        ],
      },
    };
    await expect(startSandbox({ fixture: beyond })).rejects.toThrow(new RegExp(`provisioner_token: .*account ${IDS.acmeCorp}`));
  });

  it("refuses an unknown file type, naming the accepted ones", async () => {
    await expect(startSandbox({ fixture: write("fixture.toml", "") })).rejects.toThrow(/use a \.json, \.yaml or \.yml file/);
  });

  it("generates extra zones deterministically, spread over the accounts", () => {
    const once = withGeneratedZones(defaultFixture(), 4).zones.slice(12);
    const again = withGeneratedZones(defaultFixture(), 4).zones.slice(12);
    expect(once).toEqual(again);
    expect(once.map((z) => z.name)).toEqual(["acme-corp-00001.com", "acme-labs-00002.net", "acme-corp-00003.io", "acme-labs-00004.dev"]);
    expect(once.map((z) => z.account_id)).toEqual([IDS.acmeCorp, IDS.acmeLabs, IDS.acmeCorp, IDS.acmeLabs]);
    expect(new Set(once.map((z) => z.id)).size).toBe(4);
  });
});
