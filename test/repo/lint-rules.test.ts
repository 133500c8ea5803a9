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
  it("a copy of the ID pattern, the day constant, rfc3339, redact, a scope label or word, the provider's token variable or the API base outside its home is refused, naming the module to import", async () => {
    const copies = [
      ["const ID = /^[0-9a-f]{32}$/;", "src/domain/ids.ts"],
      ["const TTL = 90 * 86_400_000;", "src/domain/time.ts"],
      ['export function rfc3339(d: Date) { return d.toISOString().replace(/\\.\\d{3}Z$/, "Z"); }', "src/domain/time.ts"],
      ["export function redact(text: string) { return text; }", "src/cloudflare/http.ts"],
      ["export const local = /^localhost|127\\./;", "src/cloudflare/http.ts"],
      ['const scopeLabel = (scope: string) => scope.replace("com.cloudflare.api.", "");', "src/domain/permission-group.ts"],
      ["export function groupLabel(g: { name: string }) { return g.name; }", "src/domain/permission-group.ts"],
      ['const SCOPE_WORD = { "com.cloudflare.api.account": "account" };', "src/domain/permission-group.ts"],
      ["export function scopeWord(scope: string) { return scope; }", "src/domain/permission-group.ts"],
      ['const PROVIDER_TOKEN_ENV = "TOKEN";', "src/automation/pulumi-environment.ts"],
      ['const variable = process.env["CLOUDFLARE_API_TOKEN"];', "src/automation/pulumi-environment.ts"],
      ['const BASE = "https://api.cloudflare.com/client/v4";', "src/cloudflare/client.ts"],
      ["const host = `api.cloudflare.com`;", "src/cloudflare/client.ts"],
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
    expect(
      await lint(
        'export const scopeLabel = (scope: string) => scope.replace("com.cloudflare.api.", "");',
        "src/domain/permission-group.ts",
      ),
    ).toEqual([]);
    expect(await lint('export const PROVIDER_TOKEN_ENV = "CLOUDFLARE_API_TOKEN";', "src/automation/pulumi-environment.ts")).toEqual([]);
    expect(await lint('export const CLOUDFLARE_API_BASE = "https://api.cloudflare.com/client/v4";', "src/cloudflare/client.ts")).toEqual(
      [],
    );
  });
});

describe("one composition root, enforced by lint (no-restricted-imports)", () => {
  const building =
    'import { createCloudflareClient } from "../cloudflare/client";\nexport const client = createCloudflareClient({ apiToken: null, baseUrl: "" });\n';

  it.each(["src/verify/copy.ts", "src/demo/copy.ts", "src/parity/copy.ts", "src/rehearsal/copy.ts", "src/audit/copy.ts"])(
    "%s may not build a Cloudflare client: it names where clients are built",
    async (file) => {
      const messages = await lint(building, file);
      expect(messages.some((m) => m.startsWith("no-restricted-imports:") && m.includes("src/cli/"))).toBe(true);
    },
  );

  it("src/cli/ builds them, and a lower layer may still take the client's type", async () => {
    expect(await lint(building, "src/cli/copy.ts")).toEqual([]);
    expect(
      await lint(
        'import type { CloudflareClient } from "../cloudflare/client";\nexport type Client = CloudflareClient;\n',
        "src/verify/copy.ts",
      ),
    ).toEqual([]);
  });
});
