import { readFileSync } from "node:fs";
import path from "node:path";
import { evidenceRecordSchema, type EvidenceClock, type EvidenceRecord } from "./record";

/**
 * Which records an audit period covers, clock by clock. A rehearsal's records are on its sandbox's
 * clock, which the control plane fast-forwards: those times are not real time, and two sandboxes'
 * clocks are not one. So a period is chosen on each clock separately, and nothing here ever compares
 * a time on one clock with a time on another.
 */

export interface LoadedRecord {
  readonly file: string;
  readonly record: EvidenceRecord;
}

/** The stack's records that parse, in the order they were written. The chain report says which to trust. */
export function loadRecords(files: readonly string[]): LoadedRecord[] {
  return files.flatMap((file) => {
    try {
      const parsed = evidenceRecordSchema.safeParse(JSON.parse(readFileSync(file, "utf8")));
      return parsed.success ? [{ file, record: parsed.data }] : [];
    } catch {
      return [];
    }
  });
}

/** Older rehearsal records do not say which sandbox's clock they were on. */
const UNRECORDED_SANDBOX = "not recorded";
const SANDBOX_ENGINE = /^engine: sandbox\b/;

/** A record's clock; records written before clocks were recorded say it through their engine. */
export function clockOf(record: EvidenceRecord): EvidenceClock {
  return record.clock ?? (SANDBOX_ENGINE.test(record.engine) ? { source: "sandbox", sandbox: UNRECORDED_SANDBOX } : { source: "real" });
}

const clockId = (clock: EvidenceClock) => (clock.source === "real" ? "real" : `sandbox:${clock.sandbox}`);

export function clockLabel(clock: EvidenceClock): string {
  if (clock.source === "real") return "real time (UTC)";
  const which = clock.sandbox === UNRECORDED_SANDBOX ? "a sandbox these older records do not name" : `sandbox ${clock.sandbox.slice(0, 8)}`;
  return `the sandbox's clock (rehearsal, ${which}; fast-forwarded, not real time)`;
}

/** A record's place in a report: an anchor in the same document, and the name an auditor reads. */
export interface RecordRef {
  readonly anchor: string;
  readonly label: string;
}

export function recordRef({ file, record }: LoadedRecord): RecordRef {
  const name = path.basename(file, ".json");
  return { anchor: `record-${name.replace(/[^A-Za-z0-9_-]/g, "-")}`, label: record.chain ? `#${record.chain.sequence}` : name };
}

export interface PeriodOptions {
  readonly since?: Date;
  readonly until?: Date;
  /** Real time now: the end of the period on the real clock when there is no --until. */
  readonly now: Date;
  /** Cover only the records on this clock (the demo's report covers its own sandbox). */
  readonly clock?: EvidenceClock;
}

/** The period on one clock. */
export interface ClockPeriod {
  readonly clock: EvidenceClock;
  readonly since: Date;
  readonly until: Date;
  /** A sandbox's clock stops with its sandbox, so without --until its period ends at its newest record, not at real time's now. */
  readonly untilFrom: "--until" | "now" | "newest record";
  /** Every record on this clock up to `until`, in order: the timeline reads those before `since` to know what was live when the period began. */
  readonly history: readonly LoadedRecord[];
  /** The records the period covers: finished within [since, until]. */
  readonly records: readonly LoadedRecord[];
}

export interface PeriodSelection {
  /** One period per clock the records use, real time first. */
  readonly periods: readonly ClockPeriod[];
  /** What the report leaves out and why, in words for the report and the terminal. */
  readonly notices: readonly string[];
}

const finished = ({ record }: LoadedRecord) => Date.parse(record.finishedAt);

export function selectPeriod(records: readonly LoadedRecord[], options: PeriodOptions): PeriodSelection {
  const byClock = new Map<string, { clock: EvidenceClock; records: LoadedRecord[] }>();
  const otherClocks: LoadedRecord[] = [];
  for (const loaded of records) {
    const clock = clockOf(loaded.record);
    if (options.clock && clockId(options.clock) !== clockId(clock)) {
      otherClocks.push(loaded);
      continue;
    }
    const group = byClock.get(clockId(clock)) ?? { clock, records: [] };
    group.records.push(loaded);
    byClock.set(clockId(clock), group);
  }
  const periods: ClockPeriod[] = [];
  const notices: string[] = [];
  for (const { clock, records: onClock } of [...byClock.values()].sort((a, b) => (a.clock.source === "real" ? -1 : b.clock.source === "real" ? 1 : 0))) {
    const untilFrom = options.until ? "--until" : clock.source === "real" ? "now" : "newest record";
    const until = options.until ?? (clock.source === "real" ? options.now : new Date(Math.max(...onClock.map(finished))));
    const since = options.since ?? new Date(Math.min(...onClock.map(({ record }) => Date.parse(record.startedAt))));
    const history = onClock.filter((r) => finished(r) <= until.getTime());
    const covered = history.filter((r) => finished(r) >= since.getTime());
    periods.push({ clock, since, until, untilFrom, history, records: covered });
    const onWhich = byClock.size > 1 || clock.source === "sandbox" ? ` on ${clockLabel(clock)}` : "";
    const before = history.length - covered.length;
    if (before > 0)
      notices.push(
        `${before} record(s)${onWhich} finished before --since ${since.toISOString()} and are left out; the timeline reads them only to know which generations were live when the period began. Fix: pass an earlier --since to include them`,
      );
    const after = onClock.filter((r) => finished(r) > until.getTime());
    if (after.length > 0) {
      const newest = new Date(Math.max(...after.map(finished))).toISOString();
      notices.push(
        `${after.length} record(s)${onWhich} finished after ${untilFrom === "now" ? "now" : `--until ${until.toISOString()}`} (the newest at ${newest}) and are left out. Fix: pass --until ${newest} or later to include them`,
      );
    }
  }
  if (otherClocks.length > 0 && options.clock)
    notices.push(`${otherClocks.length} record(s) on other clocks are left out: this report covers ${clockLabel(options.clock)} only`);
  return { periods, notices };
}
