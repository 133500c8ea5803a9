import { existsSync, readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "../..");

/** The pages a reader starts from, every page of docs/, and the pages the docs send a reader on to. */
const DOCUMENTS = [
  "README.md",
  "CONTRIBUTING.md",
  "SECURITY.md",
  "src/sandbox/FIDELITY.md",
  "reference/README.md",
  ...readdirSync(path.join(ROOT, "docs"))
    .filter((file) => file.endsWith(".md"))
    .map((file) => `docs/${file}`),
];

/** The text outside fenced code blocks: a link or heading inside one is an example, not part of the page. */
function prose(markdown: string): string {
  let fenced = false;
  return markdown
    .split("\n")
    .filter((line) => {
      if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
      return !fenced && !/^\s*(```|~~~)/.test(line);
    })
    .join("\n");
}

/** GitHub's anchor for a heading (github-slugger): link text kept, lower-cased, punctuation dropped, spaces as hyphens. */
function slug(heading: string): string {
  return heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1")
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, "")
    .replace(/ /g, "-");
}

/** Every anchor a page's headings make; a repeated heading gets -1, -2, … as on GitHub. */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  for (const [, heading] of prose(markdown).matchAll(/^#{1,6}[ \t]+(.+?)[ \t]*$/gm)) {
    const base = slug(heading!);
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    result.add(count === 0 ? base : `${base}-${count}`);
  }
  return result;
}

/** Link targets of a page, leaving out code spans (which may run over a line break) and absolute URLs. */
function relativeLinks(markdown: string): string[] {
  const withoutCode = prose(markdown).replace(/`[^`]*`/g, "");
  return [...withoutCode.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)]
    .map(([, target]) => target!)
    .filter((target) => !/^([a-z][a-z0-9+.-]*:|\/\/)/i.test(target));
}

/** What is wrong with each relative link of `file` (a path from the repository root), given its text. */
function brokenLinks(file: string, markdown: string): string[] {
  return relativeLinks(markdown).flatMap((target) => {
    const [pathPart, anchor] = target.split("#", 2) as [string, string | undefined];
    const resolved = pathPart === "" ? file : path.join(path.dirname(file), decodeURIComponent(pathPart));
    if (pathPart !== "" && !existsSync(path.join(ROOT, resolved))) return [`${file}: ${target}: no file ${resolved}`];
    if (anchor === undefined) return [];
    if (!resolved.endsWith(".md")) return [`${file}: ${target}: ${resolved} is not Markdown, it has no headings to link to`];
    const headings = pathPart === "" ? markdown : readFileSync(path.join(ROOT, resolved), "utf8");
    return anchors(headings).has(anchor) ? [] : [`${file}: ${target}: ${resolved} has no heading whose anchor is #${anchor}`];
  });
}

describe("the documentation's relative links", () => {
  it("every relative link in README.md, CONTRIBUTING.md, SECURITY.md, docs/*.md, src/sandbox/FIDELITY.md and reference/README.md names a file that exists, and a heading of it", () => {
    expect(DOCUMENTS.length).toBeGreaterThan(5);
    const checked = DOCUMENTS.map((file) => ({ file, markdown: readFileSync(path.join(ROOT, file), "utf8") }));
    expect(checked.flatMap(({ markdown }) => relativeLinks(markdown)).length).toBeGreaterThan(40);
    expect(checked.flatMap(({ file, markdown }) => brokenLinks(file, markdown))).toEqual([]);
  });

  it("reports a missing file, a missing heading and an anchor into a file without headings; links in code are not links", () => {
    const page = [
      "# Title",
      "[ok](#title) [ok too](../README.md#platforms) [gone](missing.md) [no heading](../README.md#no-such-section)",
      "[not markdown](../package.json#scripts) `[code](missing.md)` [site](https://example.com/missing.md)",
      "```md",
      "[example](missing-too.md)",
      "```",
    ].join("\n");
    expect(brokenLinks("docs/page.md", page)).toEqual([
      "docs/page.md: missing.md: no file docs/missing.md",
      "docs/page.md: ../README.md#no-such-section: README.md has no heading whose anchor is #no-such-section",
      "docs/page.md: ../package.json#scripts: package.json is not Markdown, it has no headings to link to",
    ]);
  });

  it.each([
    ["Registration (`registration:` on each connection)", "registration-registration-on-each-connection"],
    ["Datadog: registration by Datadog's API", "datadog-registration-by-datadogs-api"],
    ["Before a run: `cfct doctor --stack <env>`", "before-a-run-cfct-doctor---stack-env"],
    ["Why ASCERA's default is not the guide's \"Read all resources\"", "why-asceras-default-is-not-the-guides-read-all-resources"],
    ["The sandbox: [`cfct sandbox`](x.md) and its_fidelity", "the-sandbox-cfct-sandbox-and-its_fidelity"],
  ])("anchors a heading as GitHub does: %s", (heading, anchor) => {
    expect(slug(heading)).toBe(anchor);
  });

  it("numbers a repeated heading's anchors as GitHub does", () => {
    expect([...anchors("# Usage\n## Usage\n### Usage")]).toEqual(["usage", "usage-1", "usage-2"]);
  });
});
