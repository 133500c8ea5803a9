import { describe, expect, it, vi } from "vitest";
import { credentialProblem } from "../../src/cli/credential";
import { runCfct } from "../helpers/cli-in-process";

/** A credential with a line break at its end: one rule in every command that reads one (refuse, say so, never send it). */
const SECRET = "ZZsecretvalue0123456789abcdefghijklmnopqr";

async function cfct(args: string[], env: Record<string, string>) {
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  const result = await runCfct(args);
  return { code: result.code, out: result.stdout + result.stderr };
}

describe("a trailing newline in a credential", () => {
  it.each([
    { command: "doctor", args: ["doctor", "--stack", "dev"], variable: "CLOUDFLARE_API_TOKEN" },
    { command: "up", args: ["up", "--stack", "dev"], variable: "CLOUDFLARE_API_TOKEN" },
    { command: "audit", args: ["audit", "--stack", "dev"], variable: "CLOUDFLARE_API_TOKEN" },
    { command: "verify --stack", args: ["verify", "--stack", "dev"], variable: "CLOUDFLARE_API_TOKEN" },
    {
      command: "verify --token-env",
      args: ["verify", "--platform", "drata", "--token-env", "CFCT_T", "--accounts", "417daa9dc1293f3af874e997f8bdce54"],
      variable: "CFCT_T",
    },
    {
      command: "sandbox-parity",
      args: ["sandbox-parity", "--account", "417daa9dc1293f3af874e997f8bdce54", "--zone", "576e2aa970f9f4e230116c7c1d498a24"],
      variable: "CLOUDFLARE_API_TOKEN",
    },
  ])(
    "is refused by cfct $command, naming the variable and the fix, before any request",
    async ({ args, variable }) => {
      const run = await cfct(args, { [variable]: `${SECRET}\n`, CLOUDFLARE_BASE_URL: "http://127.0.0.1:1/client/v4" });
      expect(run.code).toBe(1);
      expect(run.out).toContain(`${variable} ends with a line break, which no Cloudflare token has, so cfct does not send it`);
      expect(run.out).toContain("Fix: export it again without it");
      expect(run.out).not.toContain(SECRET);
    },
    60_000,
  );

  it("and whitespace anywhere else, told apart", () => {
    expect(credentialProblem(" abc")).toMatch(/^starts with whitespace/);
    expect(credentialProblem("ab c")).toMatch(/^contains whitespace/);
    expect(credentialProblem("abc\r\n")).toMatch(/^ends with a line break/);
    expect(credentialProblem("abc")).toBeUndefined();
  });
});
