import { describe, expect, it } from "vitest";
import { findingsFor } from "../../src/audit/findings";
import { reachesThreshold, summarize } from "../../src/audit/report";
import type { LivePermissionGroup, TokenDetails } from "../../src/cloudflare/client";
import type { ReviewedToken } from "../../src/evidence/access-review";
import { generationNamed, tokenName } from "../../src/plan/plan";

const GROUPS: LivePermissionGroup[] = [
  { id: "g-zone-read", name: "Zone Read", scopes: ["com.cloudflare.api.account.zone"] },
  { id: "g-dns-write", name: "DNS Write", scopes: ["com.cloudflare.api.account.zone"] },
  { id: "g-tokens-write", name: "API Tokens Write", scopes: ["com.cloudflare.api.user"] },
];
const NOW = new Date("2026-06-01T00:00:00Z");

function token(overrides: Record<string, unknown> = {}): TokenDetails {
  return {
    id: "t1",
    name: "reader",
    status: "active",
    issued_on: "2026-05-01T00:00:00Z",
    last_used_on: "2026-05-30T00:00:00Z",
    expires_on: "2026-08-01T00:00:00Z",
    condition: { request_ip: { in: ["203.0.113.0/24"] } },
    policies: [
      {
        id: "p1",
        effect: "allow",
        permission_groups: [{ id: "g-zone-read" }],
        resources: { "com.cloudflare.api.account.zone.576e2aa970f9f4e230116c7c1d498a24": "*" },
      },
    ],
    ...overrides,
  } as unknown as TokenDetails;
}

const ids = (t: TokenDetails, cls: "managed" | "unmanaged" | "provisioner" = "unmanaged") =>
  findingsFor({ token: t, class: cls, groups: GROUPS, now: NOW }).map((f) => `${f.severity}:${f.id}`);

describe("access-review findings", () => {
  it("a scoped, expiring, filtered, recently used reader has none", () => {
    expect(ids(token())).toEqual([]);
  });

  it("write groups and all-accounts / all-zones-of-all-accounts resources are high", () => {
    const wide = token({
      policies: [
        { id: "p1", effect: "allow", permission_groups: [{ id: "g-dns-write" }], resources: { "com.cloudflare.api.account.zone.*": "*" } },
        {
          id: "p2",
          effect: "allow",
          permission_groups: [{ id: "g-zone-read" }],
          resources: { "com.cloudflare.api.account.*": { "com.cloudflare.api.account.zone.*": "*" } },
        },
      ],
    });
    expect(ids(wide)).toEqual(["high:write-access", "high:all-zones"]);
    const accounts = token({
      policies: [
        { id: "p", effect: "allow", permission_groups: [{ id: "g-zone-read" }], resources: { "com.cloudflare.api.account.*": "*" } },
      ],
    });
    expect(ids(accounts)).toEqual(["high:all-accounts"]);
  });

  it("a deny policy only narrows: its write group is no finding", () => {
    const denied = token({
      policies: [
        ...token().policies!,
        { id: "p2", effect: "deny", permission_groups: [{ id: "g-dns-write" }], resources: { "com.cloudflare.api.account.zone.*": "*" } },
      ],
    });
    expect(ids(denied)).toEqual([]);
  });

  it("no expiry, unused for more than 90 days (or never used since issue), disabled: medium; expired, no IP filter: low", () => {
    expect(ids(token({ expires_on: undefined }))).toEqual(["medium:no-expiry"]);
    expect(ids(token({ last_used_on: "2026-02-01T00:00:00Z" }))).toEqual(["medium:unused"]);
    expect(ids(token({ last_used_on: null, issued_on: "2026-01-01T00:00:00Z" }))).toEqual(["medium:unused"]);
    expect(ids(token({ last_used_on: null, issued_on: "2026-05-01T00:00:00Z" }))).toEqual([]);
    expect(ids(token({ status: "disabled" }))).toEqual(["medium:disabled"]);
    expect(ids(token({ status: "expired", expires_on: "2026-05-31T00:00:00Z" }))).toEqual(["low:expired"]);
    expect(ids(token({ condition: {} }))).toEqual(["low:no-ip-filter"]);
  });

  it("the provisioner's own API Tokens Write is its job, not a finding; on any other token it is high", () => {
    const provisioner = token({
      policies: [
        { id: "p", effect: "allow", permission_groups: [{ id: "g-tokens-write" }], resources: { "com.cloudflare.api.user.abc": "*" } },
      ],
    });
    expect(ids(provisioner, "provisioner")).toEqual([]);
    expect(ids(provisioner, "unmanaged")).toEqual(["high:write-access"]);
  });

  it("drift: every exactness check that is not a pass is a high finding", () => {
    const findings = findingsFor({
      token: token(),
      class: "managed",
      groups: GROUPS,
      now: NOW,
      planChecks: [
        { id: "exactness:groups", status: "pass", detail: "exact" },
        { id: "exactness:resources", status: "fail", detail: "wider than planned: zone x" },
      ],
    });
    expect(findings).toEqual([{ id: "drift", severity: "high", detail: "differs from its plan (resources): wider than planned: zone x" }]);
  });

  it("--fail-on: the highest finding against the threshold; none never fails", () => {
    const reviewed = (severity: "low" | "medium" | "high"): ReviewedToken => ({
      id: "t",
      name: "t",
      owner: { kind: "user" },
      class: "unmanaged",
      status: "active",
      lastUsedOn: null,
      expiresOn: null,
      groups: [],
      findings: [{ id: "no-expiry", severity, detail: "" }],
    });
    const review = { stack: "s", generatedAt: "", tokens: [reviewed("medium")], notReviewed: [], summary: summarize([reviewed("medium")]) };
    expect(review.summary).toMatchObject({
      highest: "medium",
      findings: { low: 0, medium: 1, high: 0 },
      byClass: { unmanaged: 1, managed: 0 },
    });
    expect([
      reachesThreshold(review, "high"),
      reachesThreshold(review, "medium"),
      reachesThreshold(review, "low"),
      reachesThreshold(review, "none"),
    ]).toEqual([false, true, true, false]);
  });
});

describe("the stack's token-name grammar", () => {
  const stack = { tokenNamePrefix: "cfct", stack: "prod" };
  it("recognises exactly `<prefix> <stack> <key> g<n>`", () => {
    expect(tokenName(stack, "drata", 3)).toBe("cfct prod drata g3");
    expect(generationNamed(stack, "drata", "cfct prod drata g3")).toBe(3);
    expect(generationNamed(stack, "ascera-417daa9d", "cfct prod ascera-417daa9d g12")).toBe(12);
  });
  it("never by a loose prefix", () => {
    for (const name of [
      "cfct prod drata-gold g1",
      "cfct prod drata g",
      "cfct prod drata g0",
      "cfct prod drata g1 copy",
      "cfct prod drata g01",
      "cfct dev drata g1",
      "cfct  prod drata g1",
      "xcfct prod drata g1",
    ]) {
      expect(generationNamed(stack, "drata", name), name).toBeUndefined();
    }
  });
});
