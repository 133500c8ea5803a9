import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { groupLabel } from "../domain/permission-group";
import { gitChildEnv } from "../process/child-env";
import { chainHead, recordFileName, seal } from "./chain";
import { describeControls } from "./controls";
import { markdownCell } from "./markdown";
import { evidenceRecordSchema, type ChainLink, type EvidenceContent, type EvidenceRecord } from "./record";

export interface WrittenEvidence {
  readonly json: string;
  readonly markdown: string;
  /** The record's link: the stack's chain head now, which the command prints for anchoring elsewhere. */
  readonly head: ChainLink;
}

/** The project's commit, when it is a git work tree: evidence says which code made the tokens. */
export function currentCommit(projectDir: string): string | null {
  try {
    return execFileSync("git", ["rev-parse", "HEAD"], { cwd: projectDir, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], env: gitChildEnv() }).trim() || null;
  } catch {
    return null;
  }
}

/** The newest link of a folder that may have become unreadable: none then. */
function readableChainHead(folder: string) {
  try {
    return chainHead(folder);
  } catch {
    return undefined;
  }
}

/**
 * Writes one run's evidence as JSON (validated against the schema first) and a Markdown summary,
 * under <dir>/<stack>/<finishedAt>-<sequence>-<command>.{json,md}, chained to the stack's newest record and
 * mapped to the controls it evidences. `chainFrom`: chain to that folder's newest record instead (a
 * fallback record that belongs to another folder's chain).
 */
export function writeEvidence(dir: string, content: EvidenceContent, chainFrom?: string): WrittenEvidence {
  const folder = path.join(dir, content.stack);
  const valid = evidenceRecordSchema.parse(seal(content, chainFrom !== undefined ? readableChainHead(chainFrom) ?? chainHead(folder) : chainHead(folder)));
  mkdirSync(folder, { recursive: true });
  const base = path.join(folder, recordFileName(valid).replace(/\.json$/, ""));
  writeFileSync(`${base}.json`, `${JSON.stringify(valid, null, 2)}\n`);
  writeFileSync(`${base}.md`, renderEvidenceMarkdown(valid));
  return { json: `${base}.json`, markdown: `${base}.md`, head: valid.chain! };
}

export function renderEvidenceMarkdown(record: EvidenceRecord): string {
  const lines = [
    `# cfct ${record.command} — stack ${record.stack}`,
    "",
    `| | |`,
    `|---|---|`,
    `| result | ${record.ok ? "OK" : "FAILED"} |`,
    `| started / finished | ${record.startedAt} / ${record.finishedAt} |`,
    `| engine | ${record.engine} |`,
    `| commit | ${record.commit ?? "unknown"} |`,
    `| Cloudflare API calls | ${record.apiCalls} |`,
    "",
  ];
  if (record.problems.length > 0) lines.push("## Problems", "", ...record.problems.map((p) => `- ${p}`), "");
  for (const token of record.tokens) {
    const owner = token.owner.kind === "account" ? `account ${token.owner.accountId}` : "user";
    lines.push(
      `## ${token.name}`,
      "",
      `- token ID \`${token.id}\` (${owner}-owned), platform ${token.platform}, generation ${token.generation}, ${token.change}`,
      `- expires ${token.expiresOn ?? "never"}; IP filter: ${token.ipFilter.allowed.length > 0 ? `only ${token.ipFilter.allowed.join(", ")}` : "none"}${token.ipFilter.denied.length > 0 ? `, never ${token.ipFilter.denied.join(", ")}` : ""}`,
      `- permission groups (${token.groups.length}): ${token.groups.map(groupLabel).join("; ")}`,
      `- resources: ${token.resources.map((r) => Object.keys(r).join(", ")).join(" | ")}`,
    );
    if (token.verify) {
      lines.push(`- verification: ${token.verify.ok ? "passed" : "FAILED"} (${token.verify.apiCalls} API calls)`, "", "| check | status | detail |", "|---|---|---|");
      for (const check of token.verify.checks) lines.push(`| ${check.id} | ${check.status} | ${markdownCell(check.detail)}${check.remedy ? ` — fix: ${markdownCell(check.remedy)}` : ""} |`);
      lines.push("");
    }
    if (token.registration) lines.push(`- registration: ${token.registration.status} via ${token.registration.registrar} — ${token.registration.detail}`);
    lines.push("");
  }
  if (record.cleanup && record.cleanup.length > 0) {
    lines.push("## Clean-up of an interrupted run", "", "| time | token | ID | detail |", "|---|---|---|---|");
    for (const token of record.cleanup) lines.push(`| ${token.at} | ${markdownCell(token.name)} | \`${token.id}\` | ${markdownCell(token.detail)} |`);
    lines.push("");
  }
  if (record.rotation.length > 0) {
    lines.push("## Rotation", "", "| time | token | event | detail |", "|---|---|---|---|");
    for (const event of record.rotation) lines.push(`| ${event.at} | ${event.key}${event.generation ? ` g${event.generation}` : ""} | ${event.event} | ${markdownCell(event.detail)} |`);
    lines.push("");
  }
  if (record.review) {
    const { summary } = record.review;
    lines.push(
      "## Access review",
      "",
      `${summary.tokens} token(s) reviewed; findings: ${summary.findings.high} high, ${summary.findings.medium} medium, ${summary.findings.low} low.`,
      "",
      "| token | ID | class | findings |",
      "|---|---|---|---|",
      ...record.review.tokens.map((t) => `| ${markdownCell(t.name)} | \`${t.id}\` | ${t.class} | ${t.findings.map((f) => `${f.severity}: ${f.id}`).join(", ") || "none"} |`),
      "",
    );
  }
  if (record.controls) lines.push("## Controls evidenced", "", ...describeControls(record.controls), "");
  if (record.chain) lines.push("## Hash chain", "", `record #${record.chain.sequence}, SHA-256 \`${record.chain.hash}\`, previous \`${record.chain.previous ?? "none (first record)"}\``, "");
  return `${lines.join("\n")}\n`;
}

