import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const security = readFileSync("SECURITY.md", "utf8");

describe("SECURITY.md: the threat model, each claim backed by a test that exists", () => {
  it("names every asset and every actor of the threat model, and how to report a vulnerability", () => {
    for (const asset of ["provisioner credential", "minted token values", "webhook secret", "state passphrase", "evidence"])
      expect(security, asset).toContain(`**${asset}`);
    for (const actor of [
      "A pull-request author, including from a fork.",
      "A co-tenant on a runner or a laptop",
      "A compromised platform endpoint",
      "A web page in the user's browser",
      "An insider who can edit the evidence.",
    ])
      expect(security, actor).toContain(`**${actor}`);
    expect(security).toContain("## Reporting a vulnerability");
    expect(security).toContain("## What cfct leaves to you");
    expect(security).toMatch(/\*\*Who can decrypt the state\.\*\*/);
    expect(security).toMatch(/\*\*Who can approve prod\.\*\*/);
  });

  it("every test it cites exists, and every quoted test title is in that file", () => {
    // A citation is `test/….test.ts` followed by its quoted titles, up to the next citation or the end of the item.
    const cited = [...security.matchAll(/`(test\/[\w./-]+\.test\.ts)`([\s\S]*?)(?=`test\/|\n-|\n\n|$)/g)];
    expect(cited.length).toBeGreaterThan(8);
    for (const [, file, after] of cited) {
      expect(existsSync(file!), file).toBe(true);
      for (const [, quoted] of after!.matchAll(/"([^"]+)"/g)) {
        const title = quoted!.replace(/\s+/g, " ").replace(/ ?…$/, "");
        expect(readFileSync(file!, "utf8").replace(/\s+/g, " "), `${file}: ${title}`).toContain(title);
      }
    }
  });

  it("what is not built yet says so: each in-progress item names the part of the issue doing it", () => {
    const inProgress = [...security.matchAll(/\*\*In progress\*\*/g)];
    const named = [...security.matchAll(/\*\*In progress\*\* \(issue 24, items? [\d, and]+\)/g)];
    expect(named.length).toBe(inProgress.length);
  });
});

describe("CODEOWNERS: the stacks and the code that judges them need their owners' review", () => {
  const owners = (text: string) =>
    new Map(
      text
        .split("\n")
        .filter((line) => line.startsWith("/"))
        .map((line) => line.trim().split(/\s+/) as [string, ...string[]])
        .map(([pattern, ...teams]) => [pattern, teams]),
    );

  it("docs/gitops.md's example and .github/CODEOWNERS give stacks/, policies/, src/, .github/ and the lockfile an owner", () => {
    const gitops = readFileSync("docs/gitops.md", "utf8");
    const example = /```text\n# \.github\/CODEOWNERS[^\n]*\n([\s\S]*?)```/.exec(gitops)?.[1];
    expect(example, "docs/gitops.md's CODEOWNERS example").toBeDefined();
    for (const file of [owners(example!), owners(readFileSync(".github/CODEOWNERS", "utf8"))]) {
      for (const path of ["/stacks/", "/policies/", "/src/", "/.github/"]) expect(file.get(path)?.length, path).toBeGreaterThan(0);
      expect([...file.keys()].some((pattern) => /^\/package(\*|-lock)\.json$/.test(pattern))).toBe(true);
    }
  });
});
