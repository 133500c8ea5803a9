import { recordRef, type ClockPeriod, type RecordRef } from "./period";
import type { EvidenceClock } from "./record";

/**
 * Every token generation of one clock's period as bars on lanes, one lane per token key, and the
 * moments a key had no live, registered generation (gaps). Pure: records in, lanes out; the
 * renderers draw it (SVG) and list it (tables). Times are ISO 8601 with milliseconds.
 *
 * What the records give, and so what is drawn:
 * - a generation starts at the earliest moment a record shows it existed: its successor-created
 *   event, its registration, or the end of the run that listed it;
 * - it ends when an old-revoked event revokes it, when it expires (expiresOn), when a destroy run
 *   deletes every token, when a successful `up` no longer lists it (removed from the stack or
 *   replaced), or it is live at the period's end;
 * - it is registered from its first registration that did not fail (a webhook accepted it or a
 *   hand-off sheet was written for it);
 * - a key is covered from its first registration until a destroy or an `up` without it retires it;
 *   any moment in between with no live, registered generation is a gap;
 * - verifications keep no time of their own in a record: they are placed at the end of their run.
 */

export type BarEnd = "revoked" | "expired" | "destroyed" | "removed" | "live";

export interface TimelineBar {
  readonly key: string;
  readonly generation: number;
  readonly tokenId: string;
  readonly name: string;
  readonly start: string;
  readonly end: string;
  readonly ended: BarEnd;
  readonly registeredAt: string | null;
  /** The record that first shows this generation, and the one that shows it ended (none when it expired or is live). */
  readonly issuedIn: RecordRef;
  readonly endedIn?: RecordRef;
}

export type MarkerKind = "verified" | "verification-failed" | "registered" | "registration-failed" | "picked-up" | "revoked" | "rotation-failed";

export interface TimelineMarker {
  readonly key: string;
  readonly generation: number | null;
  readonly at: string;
  readonly kind: MarkerKind;
  readonly detail: string;
  readonly record: RecordRef;
}

export interface TimelineGap {
  readonly key: string;
  readonly start: string;
  readonly end: string;
}

export interface TimelineLane {
  readonly key: string;
  readonly bars: readonly TimelineBar[];
  readonly markers: readonly TimelineMarker[];
}

export interface Timeline {
  readonly clock: EvidenceClock;
  readonly start: string;
  readonly end: string;
  readonly lanes: readonly TimelineLane[];
  readonly gaps: readonly TimelineGap[];
  /** Keys with a generation in the period that no record shows registered: the platform never had one to use. */
  readonly neverRegistered: readonly string[];
}

interface OpenBar {
  key: string;
  generation: number;
  tokenId: string;
  name: string;
  start: number;
  expiresOn: number | null;
  registeredAt: number | null;
  issuedIn: RecordRef;
  end?: { at: number; ended: Exclude<BarEnd, "live">; in?: RecordRef };
}

interface Span {
  from: number;
  to: number | null;
}

const ms = (time: string) => Date.parse(time);
const iso = (time: number) => new Date(time).toISOString();

export function buildTimeline(period: Pick<ClockPeriod, "clock" | "since" | "until" | "history">): Timeline {
  const windowStart = period.since.getTime();
  const windowEnd = period.until.getTime();
  const bars = new Map<string, OpenBar>();
  const markers: TimelineMarker[] = [];
  /** Per key: when it was meant to be covered (from its first registration until it was retired). */
  const spans = new Map<string, Span[]>();
  const keys: string[] = [];

  const live = (bar: OpenBar, at: number) => !bar.end && (bar.expiresOn === null || bar.expiresOn > at);
  const end = (bar: OpenBar, at: number, ended: Exclude<BarEnd, "live" | "expired">, record: RecordRef) => {
    if (!live(bar, at)) return;
    bar.end = { at, ended, in: record };
  };
  const retire = (key: string, at: number) => {
    const open = spans.get(key)?.at(-1);
    if (open && open.to === null) open.to = at;
  };
  const cover = (key: string, at: number) => {
    const list = spans.get(key) ?? [];
    const open = list.at(-1);
    if (!open || open.to !== null) list.push({ from: at, to: null });
    spans.set(key, list);
  };

  for (const loaded of period.history) {
    const { record } = loaded;
    const ref = recordRef(loaded);
    const runEnd = ms(record.finishedAt);
    const successorCreated = new Map(
      record.rotation.filter((e) => e.event === "successor-created").map((e) => [`${e.key} ${e.generation}`, ms(e.at)] as const),
    );
    for (const token of record.tokens) {
      const registration = token.registration;
      const registeredAt = registration && registration.status !== "failed" ? ms(registration.at) : null;
      const existedBy = Math.min(runEnd, successorCreated.get(`${token.key} ${token.generation}`) ?? runEnd, registration ? ms(registration.at) : runEnd);
      let bar = bars.get(token.id);
      if (!bar) {
        bar = {
          key: token.key,
          generation: token.generation,
          tokenId: token.id,
          name: token.name,
          start: existedBy,
          expiresOn: token.expiresOn ? ms(token.expiresOn) : null,
          registeredAt: null,
          issuedIn: ref,
        };
        bars.set(token.id, bar);
        if (!keys.includes(token.key)) keys.push(token.key);
      }
      bar.expiresOn = token.expiresOn ? ms(token.expiresOn) : null;
      if (registeredAt !== null && bar.registeredAt === null) {
        bar.registeredAt = registeredAt;
        cover(token.key, registeredAt);
      }
      if (token.verify)
        markers.push({
          key: token.key,
          generation: token.generation,
          at: iso(runEnd),
          kind: token.verify.ok ? "verified" : "verification-failed",
          detail: `${token.name}: verification ${token.verify.ok ? "passed" : "FAILED"} (${token.verify.checks.length} checks)`,
          record: ref,
        });
      if (registration)
        markers.push({
          key: token.key,
          generation: token.generation,
          at: iso(ms(registration.at)),
          kind: registration.status === "failed" ? "registration-failed" : "registered",
          detail: `${token.name}: ${registration.status} via ${registration.registrar}`,
          record: ref,
        });
      if (token.change === "delete") end(bar, runEnd, "revoked", ref);
    }
    for (const event of record.rotation) {
      const at = ms(event.at);
      if (event.event === "old-revoked") {
        for (const bar of bars.values()) if (bar.key === event.key && bar.generation === event.generation) end(bar, at, "revoked", ref);
        markers.push({ key: event.key, generation: event.generation ?? null, at: iso(at), kind: "revoked", detail: event.detail, record: ref });
      } else if (event.event === "picked-up" || event.event === "failed") {
        const kind = event.event === "picked-up" ? "picked-up" : "rotation-failed";
        markers.push({ key: event.key, generation: event.generation ?? null, at: iso(at), kind, detail: event.detail, record: ref });
      }
    }
    if (record.ok && record.command === "destroy") {
      for (const bar of bars.values()) end(bar, runEnd, "destroyed", ref);
      for (const key of keys) retire(key, runEnd);
    }
    if (record.ok && record.command === "up") {
      // A successful `up` lists every token the stack has: one it no longer lists is gone.
      const listed = new Set(record.tokens.map((t) => t.id));
      for (const bar of bars.values()) if (!listed.has(bar.tokenId)) end(bar, runEnd, "removed", ref);
      const listedKeys = new Set(record.tokens.map((t) => t.key));
      for (const key of keys) if (!listedKeys.has(key)) retire(key, runEnd);
    }
  }

  const finished = [...bars.values()].map((bar): TimelineBar => {
    const expired = bar.expiresOn !== null && bar.expiresOn <= Math.min(bar.end?.at ?? windowEnd, windowEnd);
    const endAt = expired ? bar.expiresOn! : Math.min(bar.end?.at ?? windowEnd, windowEnd);
    const ended: BarEnd = expired ? "expired" : bar.end && bar.end.at <= windowEnd ? bar.end.ended : "live";
    return {
      key: bar.key,
      generation: bar.generation,
      tokenId: bar.tokenId,
      name: bar.name,
      start: iso(bar.start),
      end: iso(endAt),
      ended,
      registeredAt: bar.registeredAt === null ? null : iso(bar.registeredAt),
      issuedIn: bar.issuedIn,
      ...(ended !== "live" && ended !== "expired" && bar.end?.in ? { endedIn: bar.end.in } : {}),
    };
  });
  const inWindow = finished.filter((bar) => ms(bar.end) >= windowStart && ms(bar.start) <= windowEnd);
  const lanes = keys
    .map((key) => ({
      key,
      bars: inWindow.filter((bar) => bar.key === key).sort((a, b) => ms(a.start) - ms(b.start) || a.generation - b.generation),
      markers: markers.filter((m) => m.key === key && ms(m.at) >= windowStart && ms(m.at) <= windowEnd).sort((a, b) => ms(a.at) - ms(b.at)),
    }))
    .filter((lane) => lane.bars.length > 0 || lane.markers.length > 0);
  const gaps = lanes.flatMap((lane) => gapsOf(lane.key, finished, spans.get(lane.key) ?? [], windowStart, windowEnd));
  const neverRegistered = lanes.filter((lane) => !finished.some((bar) => bar.key === lane.key && bar.registeredAt !== null)).map((lane) => lane.key);
  return { clock: period.clock, start: iso(windowStart), end: iso(windowEnd), lanes, gaps, neverRegistered };
}

/** The parts of the key's covered spans (clipped to the window) that no live, registered generation covers. */
function gapsOf(key: string, bars: readonly TimelineBar[], spans: readonly Span[], windowStart: number, windowEnd: number): TimelineGap[] {
  const covered = bars
    .filter((bar) => bar.key === key && bar.registeredAt !== null)
    .map((bar) => ({ from: Math.max(ms(bar.start), ms(bar.registeredAt!)), to: ms(bar.end) }))
    .filter((c) => c.to > c.from)
    .sort((a, b) => a.from - b.from);
  const gaps: TimelineGap[] = [];
  for (const span of spans) {
    let cursor = Math.max(span.from, windowStart);
    const spanEnd = Math.min(span.to ?? windowEnd, windowEnd);
    for (const c of covered) {
      if (c.to <= cursor) continue;
      if (c.from >= spanEnd) break;
      if (c.from > cursor) gaps.push({ key, start: iso(cursor), end: iso(c.from) });
      cursor = Math.max(cursor, c.to);
    }
    if (cursor < spanEnd) gaps.push({ key, start: iso(cursor), end: iso(spanEnd) });
  }
  return gaps;
}
