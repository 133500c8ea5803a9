import { describe, expect, it } from "vitest";
import type { LoadedRecord } from "../../src/evidence/period";
import type { EvidenceRecord, EvidenceToken, RotationEvent } from "../../src/evidence/record";
import { buildTimeline } from "../../src/evidence/timeline";
import { evidenceContent } from "../helpers/histories";

/** Times are hours after 2026-01-01T00:00:00Z, so the tables stay readable. */
const H = (hours: number) => new Date(Date.UTC(2026, 0, 1) + hours * 3_600_000).toISOString();

interface TokenSpec {
  key: string;
  generation: number;
  change?: EvidenceToken["change"];
  registeredAt?: number;
  registration?: "registered" | "handed-off" | "failed";
  verified?: boolean;
  expiresAt?: number;
}

function token(spec: TokenSpec): EvidenceToken {
  return {
    key: spec.key,
    id: `${spec.key}-g${spec.generation}-id`,
    name: `cfct prod ${spec.key} g${spec.generation}`,
    platform: spec.key,
    owner: { kind: "user" },
    generation: spec.generation,
    resources: [],
    logicalName: `${spec.key}-g${spec.generation}`,
    groups: [],
    expiresOn: spec.expiresAt === undefined ? null : H(spec.expiresAt),
    ipFilter: { allowed: [], denied: [] },
    change: spec.change ?? "create",
    ...(spec.verified === undefined ? {} : { verify: { ok: spec.verified, apiCalls: 1, checks: [] } }),
    ...(spec.registeredAt === undefined
      ? {}
      : {
          registration: { registrar: "webhook", status: spec.registration ?? "registered", detail: "", attempts: 1, at: H(spec.registeredAt) },
        }),
  };
}

const event = (key: string, at: number, kind: RotationEvent["event"], generation: number): RotationEvent => ({ key, at: H(at), event: kind, generation, detail: kind });

let sequence = 0;
function record(command: EvidenceRecord["command"], at: number, parts: { tokens?: TokenSpec[]; events?: RotationEvent[]; ok?: boolean } = {}): LoadedRecord {
  sequence += 1;
  return {
    file: `/evidence/prod/${String(sequence).padStart(3, "0")}-${command}.json`,
    record: evidenceContent(command, H(at), { ok: parts.ok ?? true, tokens: (parts.tokens ?? []).map(token), rotation: parts.events ?? [] }),
  };
}

const timelineOf = (history: LoadedRecord[], since = 0, until = 100) =>
  buildTimeline({ clock: { source: "real" }, since: new Date(H(since)), until: new Date(H(until)), history });

const barsOf = (history: LoadedRecord[], since?: number, until?: number) =>
  timelineOf(history, since, until).lanes.flatMap((lane) => lane.bars.map((b) => [b.key, b.generation, b.start, b.end, b.ended]));
const gapsOf = (history: LoadedRecord[], since?: number, until?: number) => timelineOf(history, since, until).gaps.map((g) => [g.key, g.start, g.end]);

const A1 = { key: "a", generation: 1 };
const A2 = { key: "a", generation: 2 };
const B1 = { key: "b", generation: 1 };

describe("the timeline of token generations, from records", () => {
  it.each([
    {
      story: "one up: one live, registered bar to the period's end",
      history: () => [record("up", 1, { tokens: [{ ...A1, registeredAt: 1, verified: true }] })],
      bars: [["a", 1, H(1), H(100), "live"]],
      gaps: [],
    },
    {
      story: "a rotation picked up by use: the generations overlap from the successor's creation to the old one's revocation",
      history: () => [
        record("up", 1, { tokens: [{ ...A1, registeredAt: 1 }] }),
        record("rotate", 10, { tokens: [{ ...A2, registeredAt: 10 }], events: [event("a", 9, "successor-created", 2), event("a", 10, "waiting-for-pickup", 2)] }),
        record("rotate", 12, { tokens: [{ ...A2, change: "same" }], events: [event("a", 11, "picked-up", 2), event("a", 12, "old-revoked", 1)] }),
      ],
      bars: [
        ["a", 1, H(1), H(12), "revoked"],
        ["a", 2, H(9), H(100), "live"],
      ],
      gaps: [],
    },
    {
      story: "the old generation revoked before its successor was registered: a gap between the two",
      history: () => [
        record("up", 1, { tokens: [{ ...A1, registeredAt: 1 }] }),
        record("rotate", 5, { events: [event("a", 5, "old-revoked", 1)] }),
        record("up", 8, { tokens: [{ ...A2, registeredAt: 8 }] }),
      ],
      bars: [
        ["a", 1, H(1), H(5), "revoked"],
        ["a", 2, H(8), H(100), "live"],
      ],
      gaps: [["a", H(5), H(8)]],
    },
    {
      story: "a generation that expired before anyone rotated it: a gap from its expiry to the successor's registration",
      history: () => [
        record("up", 1, { tokens: [{ ...A1, registeredAt: 1, expiresAt: 20 }] }),
        record("rotate", 30, { tokens: [{ ...A2, registeredAt: 30, expiresAt: 200 }], events: [event("a", 29, "successor-created", 2)] }),
      ],
      bars: [
        ["a", 1, H(1), H(20), "expired"],
        ["a", 2, H(29), H(100), "live"],
      ],
      gaps: [["a", H(20), H(30)]],
    },
    {
      story: "an expiry past the period's end is not an end",
      history: () => [record("up", 1, { tokens: [{ ...A1, registeredAt: 1, expiresAt: 150 }] })],
      bars: [["a", 1, H(1), H(100), "live"]],
      gaps: [],
    },
    {
      story: "cfct destroy ends every generation and retires the keys: no gap after it",
      history: () => [record("up", 1, { tokens: [{ ...A1, registeredAt: 1 }, { ...B1, registeredAt: 1 }] }), record("destroy", 40)],
      bars: [
        ["a", 1, H(1), H(40), "destroyed"],
        ["b", 1, H(1), H(40), "destroyed"],
      ],
      gaps: [],
    },
    {
      story: "a failed destroy ends nothing",
      history: () => [record("up", 1, { tokens: [{ ...A1, registeredAt: 1 }] }), record("destroy", 40, { ok: false })],
      bars: [["a", 1, H(1), H(100), "live"]],
      gaps: [],
    },
    {
      story: "a connection removed from the stack: the next successful up no longer lists it, so it ended and its key retired",
      history: () => [
        record("up", 1, { tokens: [{ ...A1, registeredAt: 1 }, { ...B1, registeredAt: 1 }] }),
        record("up", 50, { tokens: [{ ...A1, change: "same" }] }),
      ],
      bars: [
        ["a", 1, H(1), H(100), "live"],
        ["b", 1, H(1), H(50), "removed"],
      ],
      gaps: [],
    },
    {
      story: "a registration that failed, then succeeded on the next run: covered from then on, no gap before",
      history: () => [
        record("up", 1, { tokens: [{ ...A1, registeredAt: 1, registration: "failed" }], ok: false }),
        record("up", 6, { tokens: [{ ...A1, change: "same", registeredAt: 6, registration: "handed-off" }] }),
      ],
      bars: [["a", 1, H(1), H(100), "live"]],
      gaps: [],
    },
    {
      story: "a key covered, retired, then back: only the covered spans can have gaps",
      history: () => [
        record("up", 1, { tokens: [{ ...A1, registeredAt: 1 }] }),
        record("destroy", 10),
        record("up", 20, { tokens: [{ ...A2, registeredAt: 20, expiresAt: 30 }] }),
      ],
      bars: [
        ["a", 1, H(1), H(10), "destroyed"],
        ["a", 2, H(20), H(30), "expired"],
      ],
      gaps: [["a", H(30), H(100)]],
    },
  ])("$story", ({ history, bars, gaps }) => {
    const records = history();
    expect(barsOf(records)).toEqual(bars);
    expect(gapsOf(records)).toEqual(gaps);
  });

  it("a period that starts later reads the earlier records for what was live, and clips gaps to the period", () => {
    const history = [
      record("up", 1, { tokens: [{ ...A1, registeredAt: 1, expiresAt: 5 }] }),
      record("up", 8, { tokens: [{ ...A2, registeredAt: 8, expiresAt: 70 }] }),
      record("up", 9, { tokens: [{ ...B1, registeredAt: 9 }, { ...A2, change: "same", expiresAt: 70 }] }),
    ];
    expect(barsOf(history, 6, 100)).toEqual([
      ["a", 2, H(8), H(70), "expired"],
      ["b", 1, H(9), H(100), "live"],
    ]);
    // a's gap from 5 to 8 began before the period: only its part inside the period counts.
    expect(gapsOf(history, 6, 100)).toEqual([
      ["a", H(6), H(8)],
      ["a", H(70), H(100)],
    ]);
  });

  it("marks verifications, registrations, pickups, revocations and failed rotations at their times, each naming its record", () => {
    const history = [
      record("up", 1, { tokens: [{ ...A1, registeredAt: 1, verified: true }] }),
      record("rotate", 3, { tokens: [{ ...A2, verified: false }], events: [event("a", 2, "successor-created", 2), event("a", 3, "failed", 2)] }),
      record("rotate", 9, { tokens: [{ ...A2, change: "same", verified: true, registeredAt: 8 }], events: [event("a", 9, "picked-up", 2), event("a", 9, "old-revoked", 1)] }),
    ];
    const [lane] = timelineOf(history).lanes;
    expect(lane!.markers.map((m) => [m.kind, m.generation, m.at, m.record.label.replace(/^\d+-/, "")])).toEqual([
      ["verified", 1, H(1), "up"],
      ["registered", 1, H(1), "up"],
      ["verification-failed", 2, H(3), "rotate"],
      ["rotation-failed", 2, H(3), "rotate"],
      ["registered", 2, H(8), "rotate"],
      ["verified", 2, H(9), "rotate"],
      ["picked-up", 2, H(9), "rotate"],
      ["revoked", 1, H(9), "rotate"],
    ]);
  });

  it("names a key the platform never had: no registration that did not fail", () => {
    const timeline = timelineOf([record("up", 1, { tokens: [{ ...A1, registeredAt: 1, registration: "failed" }, { ...B1, registeredAt: 1 }], ok: false })]);
    expect(timeline.neverRegistered).toEqual(["a"]);
    expect(timeline.gaps).toEqual([]);
  });
});
