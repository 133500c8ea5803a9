import type { ChainLink } from "./record";
import { CfctError } from "../domain/cfct-error";

/**
 * Anchors: chain heads kept apart from the evidence folder (a CI log, an attested record, a file in
 * another store). The chain is unkeyed SHA-256, so whoever can write the folder can rewrite a record
 * and re-seal every record after it; only a head held elsewhere shows that. Pure: no I/O here.
 */

/** A head as cfct prints it and an anchor file holds it: `#14 sha256 <64 hex>`. */
export const headText = (link: Pick<ChainLink, "sequence" | "hash">): string => `#${link.sequence} sha256 ${link.hash}`;

/** The last line of every command that appends to the chain (up, rotate, destroy, audit), for a log or an anchor file. */
export const chainHeadLine = (link: Pick<ChainLink, "sequence" | "hash">): string => `evidence chain head: ${headText(link)}`;

export interface Anchor {
  /** Where it was read: `--anchor` or `<file>:<line>`, for the message. */
  readonly source: string;
  readonly hash: string;
  /** Absent when only the hash was given: the hash itself commits to its record's sequence. */
  readonly sequence?: number;
}

const HASH = /^[0-9a-f]{64}$/i;
/** `#14 sha256 <hash>` anywhere in a line (as cfct prints it, so a log line can be kept as is), or a bare hash. */
const HEAD_IN_LINE = /(?:#(\d+)\s+sha256\s+)?\b([0-9a-f]{64})\b/i;

export class AnchorFormatError extends CfctError {
  override name = "AnchorFormatError";
}

/** Anchors from a file's text: one per non-blank line, each line holding a head or a bare hash. */
export function parseAnchorLines(text: string, file: string): Anchor[] {
  const anchors: Anchor[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    if (line.trim() === "") return;
    const match = HEAD_IN_LINE.exec(line);
    if (!match)
      throw new AnchorFormatError({ summary: `--anchor ${file}: line ${index + 1} holds no SHA-256`, fix: "one head per line, as cfct prints it (#14 sha256 <64 hex>), or a bare hash" });
    anchors.push({
      source: `${file}:${index + 1}`,
      hash: match[2]!.toLowerCase(),
      ...(match[1] !== undefined ? { sequence: Number(match[1]) } : {}),
    });
  });
  if (anchors.length === 0) throw new AnchorFormatError({ summary: `--anchor ${file} is empty`, fix: "name a file of heads, or give the hash itself" });
  return anchors;
}

/** `--anchor <value>` when it is a hash rather than a file. */
export function anchorFromHash(value: string): Anchor | undefined {
  return HASH.test(value) ? { source: "--anchor", hash: value.toLowerCase() } : undefined;
}

/**
 * Why a verified chain (its links, in sequence order) does not hold `anchor` at its sequence, or
 * undefined when it does. A hash covers its record's sequence and previous hash, so a record with
 * the anchored hash is the anchored head at its place in the chain.
 */
export function anchorProblem(links: readonly ChainLink[], anchor: Anchor): string | undefined {
  const shown = `${anchor.source} (${anchor.sequence !== undefined ? headText({ sequence: anchor.sequence, hash: anchor.hash }) : `sha256 ${anchor.hash}`})`;
  const held = links.find((link) => link.hash === anchor.hash);
  if (held) {
    return anchor.sequence === undefined || held.sequence === anchor.sequence
      ? undefined
      : `${shown}: that hash is record #${held.sequence}, not #${anchor.sequence}: the anchor was written wrongly or the chain was renumbered`;
  }
  const newest = links.at(-1);
  if (anchor.sequence !== undefined) {
    const at = links.find((link) => link.sequence === anchor.sequence);
    if (!at) return `${shown}: the chain ends at #${newest?.sequence ?? 0}: its newest record(s) were removed`;
    return `${shown}: record #${at.sequence} has sha256 ${at.hash}: the chain was rewritten at or before #${at.sequence} and re-sealed`;
  }
  return `${shown}: no record has that hash: the chain was rewritten and re-sealed, or the records up to it were removed`;
}
