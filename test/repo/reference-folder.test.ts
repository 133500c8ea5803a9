import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "../..");
const REFERENCE = path.join(ROOT, "reference");

/** Files under a folder, relative to it, skipping installed and built trees. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(dir, path.join(entry.parentPath, entry.name)))
    .filter((file) => !/(^|\/)(node_modules|dist)\//.test(file));
}

/** The rows of reference/README.md's table: file → its cells. */
function tableRows(): Map<string, string[]> {
  const rows = readFileSync(path.join(REFERENCE, "README.md"), "utf8")
    .split("\n")
    .filter((line) => line.startsWith("| `"))
    .map((line) => line.split(" | ").map((cell) => cell.replace(/^\| |`| \|$/g, "").trim()));
  return new Map(rows.map(([file, ...cells]) => [file!, cells]));
}

describe("reference/: the repository tests on its own", () => {
  it("every reference file has a row naming its source, dates and licence, and every row names a file", () => {
    const documented = [...tableRows().keys()].sort();
    const present = filesUnder(REFERENCE)
      .filter((file) => file !== "README.md" && !file.startsWith("licences/"))
      .sort();
    expect(documented).toEqual(present);
    for (const [file, [what, source, sourceDate, copied, licence, readBy]] of tableRows()) {
      for (const [column, value] of Object.entries({ what, source, sourceDate, copied, licence, readBy }))
        expect(value, `${file}: ${column}`).toMatch(/\S/);
      expect(copied, file).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    }
  });

  it("nothing outside reference/ refers to the shared folder beside the checkout", () => {
    const outside = new RegExp(["\\.\\./shared", "shared/(reference|seeds)"].join("|"));
    const files = ["src", "test", "scripts", "policies", "docs", "bench", ".ci", ".github", "stacks", "schema"]
      .flatMap((dir) => {
        try {
          return filesUnder(path.join(ROOT, dir)).map((file) => path.join(dir, file));
        } catch {
          return [];
        }
      })
      .concat(readdirSync(ROOT, { withFileTypes: true }).flatMap((entry) => (entry.isFile() ? [entry.name] : [])))
      .filter((file) => !/\.(png|jpe?g|gif|ico)$/.test(file) && file !== "package-lock.json");
    expect(files.length).toBeGreaterThan(100);
    const referring = files.filter((file) => outside.test(readFileSync(path.join(ROOT, file), "utf8")));
    expect(referring).toEqual([]);
  });
});
