import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { controlsEvidenced } from "../../src/evidence/controls";
import { renderPeriodMarkdown, reportOfFolder } from "../../src/evidence/period-report";
import type { EvidenceContent, EvidenceToken, RotationEvent } from "../../src/evidence/record";
import { writeEvidence } from "../../src/evidence/write";
import { recordFiles } from "../../src/evidence/chain";
import type { AccessReview } from "../../src/evidence/access-review";

const FINISHED = "2026-03-01T10:00:00.000Z";

function record(command: EvidenceContent["command"], extra: Partial<EvidenceContent> = {}): EvidenceContent {
  return {
    schemaVersion: 1,
    command,
    stack: "prod",
    engine: "engine: test",
    commit: "4f2a9c1",
    startedAt: FINISHED,
    finishedAt: FINISHED,
    ok: true,
    apiCalls: 0,
    tokens: [],
    rotation: [],
    problems: [],
    clock: { source: "real" },
    ...extra,
  };
}

function token(change: EvidenceToken["change"], extra: Partial<EvidenceToken> = {}): EvidenceToken {
  return {
    key: "drata",
    logicalName: "drata-g1",
    id: "46d638101ead68295afc73a5d2a69e06",
    name: "cfct prod drata g1",
    platform: "drata",
    owner: { kind: "user" },
    generation: 1,
    resources: [{ "com.cloudflare.api.account.zone.576e2aa970f9f4e230116c7c1d498a24": "*" }],
    groups: [{ name: "Zone Read", scope: "com.cloudflare.api.account.zone" }],
    expiresOn: "2026-04-01T00:00:00Z",
    ipFilter: { allowed: ["203.0.113.0/24"], denied: [] },
    change,
    ...extra,
  };
}

const VERIFIED = {
  ok: true,
  apiCalls: 12,
  checks: [
    { id: "liveness", status: "pass" as const, detail: "active" },
    { id: "exactness:groups", status: "pass" as const, detail: "as planned" },
    { id: "probes", status: "warn" as const, detail: "one zone slow" },
  ],
};
const FAILED_VERIFY = { ok: false, apiCalls: 3, checks: [{ id: "exactness:groups", status: "fail" as const, detail: "extra group" }] };
const HANDED_OFF = { registrar: "handoff", status: "handed-off" as const, detail: "sheet written", attempts: 1, at: "2026-03-01T10:00:05Z" };

const text = (content: EvidenceContent) => controlsEvidenced(content).map((c) => `${c.control}: ${c.proves}`);
const event = (kind: RotationEvent["event"], generation: number): RotationEvent => ({
  key: "drata",
  at: "2026-03-01T09:00:00Z",
  event: kind,
  generation,
  detail: kind,
});

describe("controls are derived from what the record shows happened", () => {
  describe("up", () => {
    it("success: issued at the commit, verified with these results, handed off through this channel, provisioned with expiry and filter", () => {
      const lines = text(record("up", { tokens: [token("create", { verify: VERIFIED, registration: HANDED_OFF })] }));
      expect(lines).toEqual([
        "SOC 2 CC6.2: 1 token issued by the code at commit 4f2a9c1: cfct prod drata g1",
        "SOC 2 CC6.2: cfct prod drata g1 handed-off through handoff at 2026-03-01T10:00:05Z",
        "ISO/IEC 27001:2022 A.5.17: the values of cfct prod drata g1 went only to their registration channel (handoff); no value is recorded",
        "SOC 2 CC6.1: verified against Cloudflare: cfct prod drata g1 (passed liveness, exactness:groups; warn probes)",
        "ISO/IEC 27001:2022 A.5.15: Cloudflare holds exactly the planned groups, resources, expiry and IP filter for cfct prod drata g1",
        "ISO/IEC 27001:2022 A.8.2: only Read groups, as Cloudflare confirmed them, on cfct prod drata g1: no write, edit or admin group",
        "ISO/IEC 27001:2022 A.5.18: cfct prod drata g1 provisioned: expires 2026-04-01T00:00:00Z, only from 203.0.113.0/24",
      ]);
    });

    it("no-op: every token unchanged and already registered claims no issuance, verification or registration", () => {
      const lines = text(record("up", { tokens: [token("same")] }));
      expect(lines).toEqual(["SOC 2 CC6.2: no token was issued, changed or revoked: cfct prod drata g1 unchanged"]);
    });

    it("failed before any change (a config error: 0 tokens, 0 API calls): refused, nothing else", () => {
      const lines = text(
        record("up", { ok: false, problems: ["stopped: cf-compliance-tokens:token.ttlDays = 400: too big"], stopped: { afterChange: false } }),
      );
      expect(lines).toEqual([
        "SOC 2 CC6.2: refused before any change (stopped: cf-compliance-tokens:token.ttlDays = 400: too big): no token was issued, changed or revoked",
      ]);
      expect(lines.join("\n")).not.toMatch(/verified|registered|no write/);
    });

    it("failed after a change: says it stopped, claims nothing it did not record", () => {
      const lines = text(record("up", { ok: false, problems: ["stopped: fetch failed"], stopped: { afterChange: true } }));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain("stopped after changing the stack (stopped: fetch failed)");
      expect(lines[0]).toContain("evidences no issuance, verification or registration");
    });

    it("a token that failed verification is not claimed verified, read-only or registered", () => {
      const lines = text(record("up", { ok: false, tokens: [token("create", { verify: FAILED_VERIFY })] }));
      expect(lines).toContain("ISO/IEC 27001:2022 A.5.15: verification FAILED: cfct prod drata g1 (passed none; fail exactness:groups)");
      expect(lines.join("\n")).not.toMatch(/SOC 2 CC6\.1|A\.8\.2|A\.5\.17|handed-off/);
    });

    it("a write group confirmed by Cloudflare is not evidence of read-only access", () => {
      const writer = token("create", { verify: VERIFIED, groups: [{ name: "DNS Write", scope: "com.cloudflare.api.account.zone" }] });
      expect(text(record("up", { tokens: [writer] })).join("\n")).not.toContain("A.8.2");
    });
  });

  describe("rotate", () => {
    it("success: successor issued, predecessor revoked at its time, grants unchanged", () => {
      const g1 = token("same", { generation: 1 });
      const g2 = token("create", { generation: 2, logicalName: "drata-g2", name: "cfct prod drata g2", verify: VERIFIED, registration: HANDED_OFF });
      const lines = text(record("rotate", { tokens: [g1, g2], rotation: [event("successor-created", 2), event("old-revoked", 1)] }));
      expect(lines).toContain("ISO/IEC 27001:2022 A.5.17: drata g2 issued at 2026-03-01T09:00:00Z to replace the current generation");
      expect(lines).toContain("SOC 2 CC6.2: drata g1 revoked at 2026-03-01T09:00:00Z after its successor took over");
      expect(lines).toContain("SOC 2 CC6.3: drata g2 carries exactly the groups and resources of g1: access renewed, not widened");
    });

    it("a successor still waiting for pickup is not claimed revoked", () => {
      const lines = text(record("rotate", { rotation: [event("successor-created", 2), event("waiting-for-pickup", 2)] }));
      expect(lines.join("\n")).not.toContain("revoked");
    });

    it("no-op: nothing due claims no rotation and no revocation", () => {
      const lines = text(record("rotate", { tokens: [token("same")], rotation: [event("not-due", 1)] }));
      expect(lines).toEqual([
        "ISO/IEC 27001:2022 A.5.17: rotation was checked and nothing was due (drata): no token was issued or revoked",
      ]);
    });

    it("failed before any change", () => {
      const lines = text(record("rotate", { ok: false, problems: ["stopped: stack locked"], stopped: { afterChange: false } }));
      expect(lines).toEqual(["SOC 2 CC6.2: refused before any change (stopped: stack locked): no token was issued, changed or revoked"]);
    });

    it("failed after a change", () => {
      const lines = text(record("rotate", { ok: false, problems: ["stopped: deploy failed"], stopped: { afterChange: true } }));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^SOC 2 CC6\.2: stopped after changing the stack/);
    });
  });

  describe("destroy", () => {
    it("success: names each token revoked", () => {
      const lines = text(record("destroy", { tokens: [token("delete")] }));
      expect(lines).toEqual([
        `SOC 2 CC6.2: 1 token revoked and deleted by ${FINISHED}: cfct prod drata g1`,
        "ISO/IEC 27001:2022 A.5.18: access rights removed: cfct prod drata g1",
      ]);
    });

    it("no-op: a stack with no token revoked nothing", () => {
      expect(text(record("destroy"))).toEqual(["SOC 2 CC6.2: the stack had no token to revoke: nothing was removed"]);
    });

    it("failed before and after a change", () => {
      expect(text(record("destroy", { ok: false, problems: ["stopped: x"], stopped: { afterChange: false } }))[0]).toContain(
        "refused before any change",
      );
      expect(text(record("destroy", { ok: false, problems: ["stopped: x"], stopped: { afterChange: true } }))[0]).toContain(
        "stopped after changing the stack",
      );
    });
  });

  describe("verify", () => {
    it("success: the live token matched its plan, with the checks that ran; nothing issued or registered", () => {
      const lines = text(record("verify", { tokens: [token("same", { verify: VERIFIED })] }));
      expect(lines).toContain("SOC 2 CC6.1: verified against Cloudflare: cfct prod drata g1 (passed liveness, exactness:groups; warn probes)");
      expect(lines.join("\n")).not.toMatch(/issued|registration channel|revoked/);
    });

    it("failure: names the failed checks and claims no match", () => {
      const lines = text(record("verify", { ok: false, tokens: [token("same", { verify: FAILED_VERIFY })] }));
      expect(lines).toEqual(["ISO/IEC 27001:2022 A.5.15: verification FAILED: cfct prod drata g1 (passed none; fail exactness:groups)"]);
    });

    it("no-op: a stack with no token verified nothing", () => {
      expect(text(record("verify"))).toEqual(["SOC 2 CC6.2: the stack had no token: nothing was issued, verified or revoked"]);
    });

    it("failed before any change", () => {
      expect(text(record("verify", { ok: false, problems: ["stopped: unreachable"], stopped: { afterChange: false } }))).toEqual([
        "SOC 2 CC6.2: refused before any change (stopped: unreachable): no token was issued, changed or revoked",
      ]);
    });
  });

  describe("audit", () => {
    const review = (extra: Partial<AccessReview> = {}): AccessReview => ({
      stack: "prod",
      generatedAt: FINISHED,
      tokens: [],
      notReviewed: [],
      summary: { tokens: 0, byClass: { managed: 0, orphaned: 0, unmanaged: 0, provisioner: 0 }, findings: { high: 0, medium: 0, low: 0 }, highest: null },
      ...extra,
    });

    it("a review with findings: what was listed, what was found outside the stack, which writers", () => {
      const writer = {
        id: "a".repeat(32),
        name: "old hand-made",
        owner: { kind: "user" as const },
        class: "unmanaged" as const,
        status: "active",
        lastUsedOn: null,
        expiresOn: null,
        groups: ["DNS Write [account.zone]"],
        findings: [{ id: "write-access" as const, severity: "high" as const, detail: "DNS Write" }],
      };
      const lines = text(
        record("audit", {
          review: review({
            tokens: [writer],
            summary: { tokens: 1, byClass: { managed: 0, orphaned: 0, unmanaged: 1, provisioner: 0 }, findings: { high: 1, medium: 0, low: 0 }, highest: "high" },
            notReviewed: [{ owner: { kind: "account", accountId: "b".repeat(32) }, detail: "403" }],
          }),
        }),
      );
      expect(lines).toContain("SOC 2 CC6.2: tokens issued outside the stack were found for removal: 1 unmanaged, 0 orphaned");
      expect(lines).toContain("ISO/IEC 27001:2022 A.8.2: write, edit or admin grants flagged high on old hand-made");
      expect(lines).toContain(`ISO/IEC 27001:2022 A.5.18: access rights reviewed at ${FINISHED}; NOT reviewed: account ${"b".repeat(32)} tokens`);
      expect(lines.join("\n")).not.toMatch(/reviewer's keep\/revoke decision per token/);
    });

    it("a clean review claims no finding it did not make", () => {
      const lines = text(record("audit", { review: review() }));
      expect(lines).toContain("SOC 2 CC6.2: no token issued outside the stack (unmanaged or orphaned) was found");
      expect(lines).toContain("ISO/IEC 27001:2022 A.8.2: no token with a write, edit or admin grant was found");
    });
  });
});

describe("cfct evidence report carries only the records' derived statements", () => {
  it("a failed up and a no-op rotate add no issuance, verification or revocation claim to the Controls section", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "cfct-controls-"));
    writeEvidence(dir, record("up", { ok: false, problems: ["stopped: bad config"], stopped: { afterChange: false } }));
    writeEvidence(dir, record("rotate", { finishedAt: "2026-03-01T11:00:00.000Z", tokens: [token("same")], rotation: [event("not-due", 1)] }));
    const folder = path.join(dir, "prod");
    const period = { since: new Date("2026-01-01T00:00:00Z"), until: new Date("2026-12-31T00:00:00Z"), now: new Date("2026-12-31T00:00:00Z") };
    const report = renderPeriodMarkdown(reportOfFolder("prod", folder, folder, period).report);
    const controls = report.slice(report.indexOf("## 2. Controls evidenced"), report.indexOf("## 3."));
    expect(controls).toContain("refused before any change (stopped: bad config)");
    expect(controls).toContain("rotation was checked and nothing was due (drata)");
    expect(controls).not.toMatch(/were issued|verified and registered|revoked after pickup|no write, edit or admin group was granted/);
    const [failedUp] = recordFiles(folder);
    expect(readFileSync(failedUp!.replace(/\.json$/, ".md"), "utf8")).toContain("## Controls evidenced\n\n- **SOC 2 CC6.2**");
  });
});
