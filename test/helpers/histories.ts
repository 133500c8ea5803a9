import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { EvidenceContent, EvidenceToken } from "../../src/evidence/record";
import { writeEvidence } from "../../src/evidence/write";

/**
 * Evidence histories written through writeEvidence (so they are chained and valid), for the report's
 * tests. Names and details carry markup on purpose: a report must show it as text.
 */

export const HOSTILE_NAME = 'cfct prod drata g1 </title><script>alert("name")</script>';
export const HOSTILE_DETAIL = 'sheet written <img src="https://tracker.invalid/pixel.png"> & "quoted"';

const DAY = 86_400_000;
const T0 = Date.parse("2026-03-01T09:00:00.000Z");
export const at = (days: number) => new Date(T0 + days * DAY).toISOString();

function token(key: string, generation: number, issuedDay: number, overrides: Partial<EvidenceToken> = {}): EvidenceToken {
  const account = key === "drata" ? { kind: "user" as const } : { kind: "account" as const, accountId: "417daa9dc1293f3af874e997f8bdce54" };
  return {
    key,
    id: `${key === "drata" ? "d" : "a"}${generation}`.padEnd(32, "0"),
    name: `cfct prod ${key} g${generation}`,
    platform: key,
    owner: account,
    generation,
    resources: [{ "com.cloudflare.api.account.417daa9dc1293f3af874e997f8bdce54": "*" }],
    logicalName: `${key}-g${generation}`,
    groups: [{ name: "Account Settings Read", scope: "com.cloudflare.api.account" }],
    expiresOn: at(issuedDay + 90),
    ipFilter: { allowed: ["203.0.113.0/24"], denied: [] },
    change: "create",
    verify: { ok: true, apiCalls: 4, checks: [{ id: "liveness", status: "pass", detail: "active" }] },
    registration: { registrar: "handoff", status: "handed-off", detail: "sheet written", attempts: 1, at: at(issuedDay) },
    ...overrides,
  };
}

/** A run's evidence as a command hands it to writeEvidence: an ok run on real time, with what `extra` says. */
export function evidenceContent(
  command: EvidenceContent["command"],
  finishedAt: string,
  extra: Partial<EvidenceContent> = {},
): EvidenceContent {
  return {
    schemaVersion: 1,
    command,
    stack: "prod",
    engine: "engine: test",
    clock: { source: "real" },
    commit: null,
    startedAt: finishedAt,
    finishedAt,
    ok: true,
    apiCalls: 3,
    tokens: [],
    rotation: [],
    problems: [],
    ...extra,
  };
}

/**
 * prod's history with one deliberate gap: drata's first generation expires on day 2 with nobody
 * rotating it, and its successor is registered only on day 3. ascera rotates with an overlap.
 */
export function gapHistory(): { dir: string; folder: string; gap: { key: string; start: string; end: string } } {
  const dir = mkdtempSync(path.join(tmpdir(), "cfct-gap-history-"));
  writeEvidence(
    dir,
    evidenceContent("up", at(0), {
      tokens: [
        token("drata", 1, 0, {
          name: HOSTILE_NAME,
          expiresOn: at(2),
          registration: { registrar: "handoff", status: "handed-off", detail: HOSTILE_DETAIL, attempts: 1, at: at(0) },
        }),
        token("ascera", 1, 0),
      ],
    }),
  );
  writeEvidence(
    dir,
    evidenceContent("rotate", at(3), {
      tokens: [token("drata", 2, 3), token("ascera", 2, 3)],
      rotation: [
        { key: "drata", at: at(3), event: "successor-created", generation: 2, detail: "new token drata-g2" },
        { key: "ascera", at: at(3), event: "successor-created", generation: 2, detail: "new token ascera-g2" },
        { key: "drata", at: at(3), event: "old-revoked", generation: 1, detail: "drata-g1 deleted" },
      ],
    }),
  );
  writeEvidence(
    dir,
    evidenceContent("rotate", at(4), {
      tokens: [token("ascera", 2, 3, { change: "same", verify: undefined, registration: undefined })],
      rotation: [
        { key: "ascera", at: at(4), event: "picked-up", generation: 2, detail: "new token used" },
        { key: "ascera", at: at(4), event: "old-revoked", generation: 1, detail: "ascera-g1 deleted" },
      ],
    }),
  );
  return { dir, folder: path.join(dir, "prod"), gap: { key: "drata", start: at(2), end: at(3) } };
}
