import { describe, expect, it } from "vitest";
import type { DeployedToken } from "../../src/automation/engine";
import { diffTokens } from "../../src/automation/token-diff";

const token = (logicalName: string, groups: [string, string][], resources: Record<string, unknown>[]): DeployedToken => ({
  logicalName,
  key: logicalName.replace(/-g\d+$/, ""),
  id: `id-${logicalName}`,
  name: `cfct prod ${logicalName}`,
  platform: "drata",
  owner: { kind: "user" },
  generation: 1,
  issuedAt: "2026-11-01T00:00:00Z",
  groups: groups.map(([name, scope]) => ({ name, scope: `com.cloudflare.api.${scope}` as never, id: name })),
  resources,
  expiresOn: null,
});

describe("preview's per-token diff", () => {
  const before = token(
    "drata-g1",
    [
      ["Zone Read", "account.zone"],
      ["Account Settings Read", "account"],
    ],
    [{ "com.cloudflare.api.account.zone.aaa": "*" }],
  );

  it("names the groups and resources a change adds and removes", () => {
    const after = token(
      "drata-g1",
      [
        ["Zone Read", "account.zone"],
        ["Zone WAF Read", "account.zone"],
      ],
      [{ "com.cloudflare.api.account.A": { "com.cloudflare.api.account.zone.*": "*" } }],
    );
    expect(diffTokens([before], [after])).toEqual([
      {
        logicalName: "drata-g1",
        kind: "changed",
        lines: [
          "+ group Zone WAF Read [account.zone]",
          "- group Account Settings Read [account]",
          "+ resource com.cloudflare.api.account.A > com.cloudflare.api.account.zone.*",
          "- resource com.cloudflare.api.account.zone.aaa",
        ],
      },
    ]);
  });

  it("reports new and removed tokens, and nothing for an unchanged one", () => {
    const added = token("ascera-g1", [["Access: Audit Logs Read", "account"]], [{ "com.cloudflare.api.account.B": "*" }]);
    expect(diffTokens([before], [before, added]).map((c) => [c.logicalName, c.kind, c.lines])).toEqual([
      ["ascera-g1", "added", ["+ group Access: Audit Logs Read [account]", "+ resource com.cloudflare.api.account.B"]],
    ]);
    expect(diffTokens([before], [])).toEqual([
      { logicalName: "drata-g1", kind: "removed", lines: ["- token cfct prod drata-g1 (id-drata-g1)"] },
    ]);
  });
});
