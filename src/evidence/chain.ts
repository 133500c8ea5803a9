import { createHash } from "node:crypto";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { controlsEvidenced } from "./controls";
import { evidenceRecordSchema, type ChainLink, type EvidenceContent, type EvidenceRecord } from "./record";

/**
 * The hash chain of one stack's evidence folder. Each record carries the SHA-256 of its own
 * canonical content and of the record before it, so editing, removing or reordering a record
 * breaks the chain at that record. (Removing the newest records leaves a shorter valid chain: keep
 * the head hash `cfct evidence verify` prints, e.g. in the CI run's log, to detect that too.)
 */

/** JSON with object keys sorted at every level: the same record always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** The hash a record must carry: everything but `chain.hash` itself. */
export function recordHash(record: EvidenceRecord): string {
  const { chain, ...content } = record;
  const link = chain ? { sequence: chain.sequence, previous: chain.previous } : undefined;
  return createHash("sha256").update(canonicalJson({ ...content, chain: link })).digest("hex");
}

/** Adds the control claims and the chain link after `previous` (the stack's newest chained record). */
export function seal(content: EvidenceContent, previous: ChainLink | undefined): EvidenceRecord {
  const unsealed: EvidenceRecord = {
    ...content,
    controls: controlsEvidenced(content),
    chain: { sequence: (previous?.sequence ?? 0) + 1, previous: previous?.hash ?? null, hash: "0".repeat(64) },
  };
  return { ...unsealed, chain: { ...unsealed.chain!, hash: recordHash(unsealed) } };
}

/** Record files of a stack's folder, by name (names start with the finish time). */
export function recordFiles(folder: string): string[] {
  if (!existsSync(folder)) return [];
  return readdirSync(folder)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((f) => path.join(folder, f));
}

/**
 * A chained record's file name, derived from its content: `<finishedAt>-<sequence>-<command>.json`.
 * The sequence keeps two records of one second apart; a file whose name does not match its content
 * was moved or renamed.
 */
export function recordFileName(record: EvidenceRecord): string {
  const sequence = record.chain ? `-${String(record.chain.sequence).padStart(6, "0")}` : "";
  return `${record.finishedAt.replace(/[:.]/g, "-")}${sequence}-${record.command}.json`;
}

/** Every chained record's link, in sequence order. A record that does not parse is skipped here; verify names it. */
export function chainLinks(folder: string): ChainLink[] {
  return recordFiles(folder)
    .flatMap((file) => {
      const parsed = evidenceRecordSchema.safeParse(readJson(file));
      return parsed.success && parsed.data.chain ? [parsed.data.chain] : [];
    })
    .sort((a, b) => a.sequence - b.sequence);
}

/** The newest chained record's link, to append after. */
export function chainHead(folder: string): ChainLink | undefined {
  return chainLinks(folder).at(-1);
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch {
    return undefined;
  }
}

export type ChainProblemKind = "edited" | "removed" | "reordered" | "unreadable";

export interface ChainProblem {
  readonly file: string;
  readonly kind: ChainProblemKind;
  readonly detail: string;
}

export interface ChainReport {
  readonly folder: string;
  /** Chained records that checked out, in order. */
  readonly verified: number;
  /** Records written before the hash chain existed: listed, not trusted, not an error. */
  readonly unchained: readonly string[];
  /** The first break: a file that does not parse, else the first record in chain order that fails. */
  readonly problem?: ChainProblem;
  /** The newest record's hash: keep it elsewhere to detect removal of the newest records. */
  readonly head?: ChainLink;
}

/**
 * Checks every record of one stack's folder and the chain through them, in chain order. A file that
 * does not parse cannot be placed in the chain and is named first. `markdownOf` renders a record's
 * Markdown twin, which must match it byte for byte (it is derived from the record).
 */
export function verifyChain(folder: string, markdownOf: (record: EvidenceRecord) => string): ChainReport {
  const unchained: string[] = [];
  const chained: { file: string; record: EvidenceRecord; link: ChainLink }[] = [];
  let verified = 0;
  let previous: { file: string; link: ChainLink } | undefined;
  const report = (problem: ChainProblem): ChainReport => ({ folder, verified, unchained, problem, ...(previous ? { head: previous.link } : {}) });

  for (const file of recordFiles(folder)) {
    const name = path.basename(file);
    const json = readJson(file);
    if (json === undefined) return report({ file, kind: "unreadable", detail: `${name} is not JSON: it was edited or truncated` });
    const parsed = evidenceRecordSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return report({ file, kind: "edited", detail: `${name} does not match the evidence schema (${issue?.path.join(".") || "root"}: ${issue?.message}): it was edited` });
    }
    // A record stripped of its link shows as a gap in the sequence below, so "unchained" cannot hide an edit.
    if (parsed.data.chain) chained.push({ file, record: parsed.data, link: parsed.data.chain });
    else unchained.push(file);
  }

  chained.sort((a, b) => a.link.sequence - b.link.sequence || (a.file < b.file ? -1 : 1));
  for (const { file, record, link } of chained) {
    const name = path.basename(file);
    if (recordHash(record) !== link.hash) return report({ file, kind: "edited", detail: `${name}: its content no longer matches its SHA-256 ${link.hash}: it was edited` });
    const twin = file.replace(/\.json$/, ".md");
    if (existsSync(twin) && readFileSync(twin, "utf8") !== markdownOf(record)) {
      return report({ file: twin, kind: "edited", detail: `${path.basename(twin)} differs from the record it summarises (${name}): it was edited` });
    }
    if (name !== recordFileName(record)) {
      return report({ file, kind: "reordered", detail: `${name} holds record #${link.sequence} of ${record.finishedAt} (${recordFileName(record)}): records were moved or renamed` });
    }
    const expected = (previous?.link.sequence ?? 0) + 1;
    if (link.sequence < expected) {
      return report({ file, kind: "reordered", detail: `${name} claims record #${link.sequence}, as ${previous ? path.basename(previous.file) : "another record"} does: a record was copied or moved` });
    }
    if (link.sequence > expected) {
      return report({ file, kind: "removed", detail: `record(s) #${expected}${link.sequence - 1 > expected ? `..#${link.sequence - 1}` : ""} before ${name} are missing: removed` });
    }
    if (link.previous !== (previous?.link.hash ?? null)) {
      return report({ file, kind: "removed", detail: `${name} follows a record with hash ${link.previous ?? "(none)"}, not ${previous ? path.basename(previous.file) : "the start of the chain"}: a record before it was removed or replaced` });
    }
    previous = { file, link };
    verified += 1;
  }
  return { folder, verified, unchained, ...(previous ? { head: previous.link } : {}) };
}
