import path from "node:path";
import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";

/** The project's own ESLint configuration, run on a snippet as if it were the named file. */
async function lint(code: string, file: string): Promise<string[]> {
  const eslint = new ESLint({ cwd: path.resolve(__dirname, "../..") });
  const [result] = await eslint.lintText(code, { filePath: file });
  return result!.messages.map((m) => `${m.ruleId}: ${m.message}`);
}

describe("one definition, enforced by lint (eslint.config.mjs DEFINED_ONCE)", () => {
  it("a copy of the ID pattern, the day constant, rfc3339 or redact outside its home is refused, naming the module to import", async () => {
    const copies = [
      ["const ID = /^[0-9a-f]{32}$/;", "src/domain/ids.ts"],
      ["const TTL = 90 * 86_400_000;", "src/domain/time.ts"],
      ['export function rfc3339(d: Date) { return d.toISOString().replace(/\\.\\d{3}Z$/, "Z"); }', "src/domain/time.ts"],
      ["export function redact(text: string) { return text; }", "src/cloudflare/http.ts"],
      ["export const local = /^localhost|127\\./;", "src/cloudflare/http.ts"],
    ] as const;
    for (const [code, home] of copies) {
      for (const file of ["src/verify/copy.ts", "policies/rules/copy.ts", "bench/copy.ts"]) {
        const messages = await lint(code, file);
        expect(
          messages.some((m) => m.startsWith("no-restricted-syntax:") && m.includes(home)),
          `${code} in ${file}: ${messages.join("; ")}`,
        ).toBe(true);
      }
    }
  });

  it("the home module itself may define it", async () => {
    expect(await lint("export const DAY_MS = 86_400_000;", "src/domain/time.ts")).toEqual([]);
    expect(await lint('export const HEX32_PATTERN = "[0-9a-f]{32}";', "src/domain/ids.ts")).toEqual([]);
  });
});
