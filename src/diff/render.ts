import { registrationText, type RegistrationSummary } from "../config/registration/summary";
import { scopeLabel } from "../domain/permission-group";
import { markdownCode as code, markdownText as text } from "./markdown-safe";
import type { ConnectionDiff, Delta, GroupChange } from "./plan-diff";
import type { PolicyVerdict } from "./policy-verdict";

export interface DiffReport {
  readonly stack: string;
  /** What was compared: the base's git ref or file, and the new side's file. */
  readonly base: string;
  readonly head: string;
  readonly connections: readonly ConnectionDiff[];
  /** Absent with --no-policy-pack. */
  readonly verdict?: PolicyVerdict;
  /** What the new side's config is still likely to get wrong (src/config/warnings.ts); absent when nothing. */
  readonly warnings?: readonly string[];
}

const warningLines = (report: DiffReport) => (report.warnings ?? []).map((w) => `- ⚠️ warning: ${text(w)}`);

// Every string shown comes from the stack file, the pack config or a rule: each goes through
// `text` or `code` (./markdown-safe), so the comment's only markup is the markup written here.
function groupText(group: GroupChange): string {
  const shown = `${text(group.name)} [${text(scopeLabel(group.scope))}]`;
  return group.read ? shown : `**${shown} (not read-only)**`;
}

function deltaLines<T>(label: string, change: Delta<T>, show: (item: T) => string): string[] {
  return [...change.added.map((item) => `- ➕ ${label} ${show(item)}`), ...change.removed.map((item) => `- ➖ ${label} ${show(item)}`)];
}

/** Read groups beyond this many fold away (a profile switch adds a hundred); non-read groups never do. */
const READ_GROUPS_SHOWN = 10;

function groupLines(groups: Delta<GroupChange>): string[] {
  const lines: string[] = [];
  for (const [sign, list] of [
    ["➕", groups.added],
    ["➖", groups.removed],
  ] as const) {
    const read = list.filter((g) => g.read);
    lines.push(...list.filter((g) => !g.read).map((g) => `- ${sign} group ${groupText(g)}`));
    if (read.length <= READ_GROUPS_SHOWN) lines.push(...read.map((g) => `- ${sign} group ${groupText(g)}`));
    else lines.push(`- ${sign} ${read.length} read groups <details><summary>list</summary>${read.map(groupText).join("; ")}</details>`);
  }
  return lines;
}

/** `cloudflare.ApiToken "a", "b"; ComplianceToken "a"`: resources grouped by kind, so a rule's line stays short. */
function resourceList(labels: readonly string[]): string {
  const byKind = new Map<string, string[]>();
  for (const label of labels) {
    const [kind, ...name] = label.split(" ");
    byKind.set(kind!, [...(byKind.get(kind!) ?? []), name.join(" ")]);
  }
  return [...byKind].map(([kind, names]) => `${text(kind)} ${names.map(text).join(", ")}`).join("; ");
}

/** What each resource rule ran on, and why it declined the rest: a reviewer sees which rules judged the change. */
function ruleLines(verdict: PolicyVerdict): string[] {
  return verdict.rules.map((rule) => {
    const reasons = [...new Set(rule.notApplicable.map((n) => text(n.reason)))].join("; ");
    return rule.judged.length > 0
      ? `- ${code(rule.policy)} (${text(rule.level)}) judged ${resourceList(rule.judged)}`
      : `- ${code(rule.policy)} (${text(rule.level)}) judged nothing: not applicable (${reasons})`;
  });
}

function verdictLines(verdict: PolicyVerdict | undefined): string[] {
  if (!verdict) return ["Policy pack: not run (--no-policy-pack)."];
  const head = verdict.passes
    ? `Policy pack: **passes** (${verdict.ran.length} rule(s) judged the new plan${verdict.violations.length ? `, ${verdict.violations.length} advisory` : ""})`
    : `Policy pack: **FAILS** (${verdict.violations.filter((v) => v.level === "mandatory").length} mandatory violation(s))`;
  return [
    `${head}; ${verdict.previewOnly.length > 0 ? `${verdict.previewOnly.map(text).join(", ")} run in \`pulumi preview\` only.` : ""}`.trim(),
    ...verdict.violations.map((v) => `- ${text(v.level)} ${code(v.policy)} on ${text(v.resource)} ${code(v.token)}: ${text(v.message)}`),
    "",
    "<details><summary>What each rule ran on</summary>",
    "",
    ...ruleLines(verdict),
    "",
    "</details>",
  ];
}

/** A registration change is flagged: it decides where the token and the registrar's secrets are sent. */
function registrationLines(change: ConnectionDiff["registration"]): string[] {
  if (!change) return [];
  const shown = (summary: RegistrationSummary | undefined) => (summary ? code(registrationText(summary)) : "none");
  const hosts = (summary: RegistrationSummary | undefined) => new Set(summary?.destinations.flatMap((d) => (d.host ? [d.host] : [])));
  const before = hosts(change.from);
  const newHosts = [...hosts(change.to)].filter((h) => !before.has(h));
  return [
    `- ⚠️ **registration ${change.from && change.to ? "changed" : change.to ? "added" : "removed"}** (where the token and the registrar's secrets go): ${shown(change.from)} → ${shown(change.to)}`,
    ...(change.from && newHosts.length > 0 ? [`- ⚠️ **secrets now go to a new host**: ${newHosts.map(code).join(", ")}`] : []),
  ];
}

/** Markdown for a pull-request comment; an empty diff is one line. */
export function renderDiffMarkdown(report: DiffReport): string {
  if (report.connections.length === 0) {
    return [
      `cfct diff (${text(report.stack)}): no change to tokens, permission groups, accounts, zones, TTL, IP filters or registration against ${text(report.base)}.${
        report.verdict && !report.verdict.passes ? " Policy pack: FAILS." : ""
      }`,
      ...warningLines(report),
      "",
    ].join("\n");
  }
  const lines = [
    `### cfct diff — stack ${text(report.stack)}`,
    "",
    `Base ${code(report.base)} → ${code(report.head)}. Offline: the planner on both sides, no credentials.`,
    "",
  ];
  for (const c of report.connections) {
    lines.push(`#### ${text(c.connection)} (${text(c.change)})`, "");
    lines.push(
      ...deltaLines("token", c.tokens, code),
      ...groupLines(c.groups),
      ...deltaLines("account", c.accounts, code),
      ...deltaLines("zone", c.zones, (z) => (z === "all" ? "all zones of the accounts" : code(z))),
      ...(c.ttlDays ? [`- TTL ${c.ttlDays.from} → ${c.ttlDays.to} days`] : []),
      ...deltaLines("allowed IP", c.allowedIps, code),
      ...deltaLines("denied IP", c.deniedIps, code),
      ...registrationLines(c.registration),
      "",
    );
  }
  lines.push(...warningLines(report), ...(report.warnings?.length ? [""] : []), ...verdictLines(report.verdict), "");
  return `${lines.join("\n")}\n`;
}
