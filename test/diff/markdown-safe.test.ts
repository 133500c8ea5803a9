import path from "node:path";
import { describe, expect, it } from "vitest";
import { policies } from "../../policies/rules";
import { loadSettingsFile } from "../../src/config/stack-file";
import { MAX_SHOWN, markdownCode, markdownText } from "../../src/diff/markdown-safe";
import { diffPlans, type PlannedSide } from "../../src/diff/plan-diff";
import { policyVerdict } from "../../src/diff/policy-verdict";
import { renderDiffMarkdown, type DiffReport } from "../../src/diff/render";
import { plan } from "../../src/plan/plan";

/** What a pull request from a fork would like the bot to post. */
const HOSTILE =
  "<img src=x onerror=alert(1)> <!-- hidden --> @octocat @acme/security-team [click](https://evil.example/x) " +
  "https://evil.example/y www.evil.example **Policy pack: passes** `x` | cell | ~~gone~~ #1 GH-2 " +
  "\u001b[31mred\u001b[0m \u202egnp.exe\n\n# Injected heading\n- injected item";

// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL_OR_BIDI = /[\u0000-\u001f\u007f\u202a-\u202e]/;

/**
 * The parts of `markdown` GitHub would render as something other than text: raw HTML (other than
 * the <details>/<summary> cfct writes), links, autolinks, mentions, references. Code spans are
 * literal on GitHub, so they are left out.
 */
const outsideCodeSpans = (markdown: string) => markdown.replace(/`[^`\n]*`/g, "``");

function liveMarkup(markdown: string): string[] {
  const outsideCode = outsideCodeSpans(markdown);
  const patterns: [string, RegExp][] = [
    ["raw HTML", /(?<!\\)<(?!\/?(?:details|summary)>)/],
    ["link", /(?<!\\)\]\(/],
    ["autolink", /(?:https?|ftp):\/\/|www\./i],
    ["mention", /@[A-Za-z0-9]/],
    ["reference", /#\d|\bGH-\d/i],
    ["strikethrough", /(?<!\\)~~/],
    ["table cell", /(?<!\\)\|/],
  ];
  return patterns.filter(([, pattern]) => pattern.test(outsideCode)).map(([name]) => name);
}

/** Every string in `value` replaced by HOSTILE: whatever field a report gains, it gets the payload. */
function everyStringHostile<T>(value: T): T {
  if (typeof value === "string") return HOSTILE as T;
  if (Array.isArray(value)) return value.map(everyStringHostile) as T;
  if (value !== null && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, everyStringHostile(v)])) as T;
  return value;
}

describe("Markdown for a pull-request comment: data is text, never markup", () => {
  it("markdownText escapes HTML and Markdown, breaks mentions, references and autolinks, strips controls, one line, capped", () => {
    const shown = markdownText(HOSTILE);
    expect(liveMarkup(shown)).toEqual([]);
    expect(shown).toContain("\\<img src=x onerror=alert(1)\\>");
    expect(shown).toContain("\\*\\*Policy pack: passes\\*\\*");
    expect(shown).not.toMatch(CONTROL_OR_BIDI);
    expect(markdownText("x".repeat(500))).toHaveLength(MAX_SHOWN);
    // Plain names stay readable.
    expect(markdownText("Zone Read")).toBe("Zone Read");
    expect(markdownText("cloudflare.ApiToken")).toBe("cloudflare.ApiToken");
  });

  it("markdownCode keeps a value inside one code span: no backtick or line break can close it", () => {
    const shown = markdownCode("a`b\n\n# c\u001b[0m");
    expect(shown).toBe("`a'b # c[0m`");
    expect(shown.match(/`/g)).toHaveLength(2);
  });

  it("renderDiffMarkdown: a report whose every string is hostile renders no live markup of its data", async () => {
    const load = (file: string): PlannedSide => {
      const settings = loadSettingsFile(path.join(__dirname, "fixtures", file), "prod");
      return { settings, tokens: plan(settings, undefined, new Date("2026-01-01T00:00:00Z")) };
    };
    const head = load("Pulumi.head.yaml");
    const report: DiffReport = {
      stack: "prod",
      base: "origin/main",
      head: "stacks/Pulumi.prod.yaml",
      connections: diffPlans(load("Pulumi.base.yaml"), head),
      verdict: await policyVerdict(policies, "prod", head.tokens),
    };
    const markdown = renderDiffMarkdown(everyStringHostile(report));
    expect(liveMarkup(markdown)).toEqual([]);
    expect(outsideCodeSpans(markdown)).not.toContain("**Policy pack: passes**");
    expect(markdown).not.toMatch(/^# Injected heading/m);
    expect(markdown.replace(/\n/g, "")).not.toMatch(CONTROL_OR_BIDI);
    // The payload is there, as text: a reviewer still sees what the pull request wrote.
    expect(markdown).toContain("\\<img src=x onerror=alert(1)\\>");
    // And the same report with its real strings still reads as before.
    expect(liveMarkup(renderDiffMarkdown(report))).toEqual([]);
  });
});
