import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { registrarFor, renderSheet, type Registrar } from "../../src/registration";
import { ACME_CORP } from "../helpers/settings";
import { TOKEN_VALUE, asceraRequest, drataRequest, expectNoSecrets } from "../helpers/registration";

const temps: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "cfct-handoff-"));
  temps.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const mode = (file: string) => statSync(file).mode & 0o777;
const fixedNow = () => new Date("2025-11-25T10:00:00Z");

function handoff(dir: string | undefined, env: Record<string, string> = {}, homedir = tempDir()): Registrar {
  return registrarFor({ kind: "handoff", ...(dir ? { dir } : {}) }, env, { now: fixedNow, homedir, cwd: homedir });
}

describe("handoff registrar", () => {
  it("writes one 0600 sheet per generation in a 0700 directory it creates, and the outcome only says where", async () => {
    const dir = path.join(tempDir(), "nested", "sheets");
    const outcome = await handoff(dir).register(asceraRequest());
    const file = path.join(dir, "dev-ascera-417daa9d-g1.md");
    expect(outcome).toEqual({
      registrar: "handoff",
      status: "handed-off",
      detail: expect.stringContaining(file),
      location: file,
      attempts: 1,
      at: "2025-11-25T10:00:00.000Z",
    });
    expectNoSecrets(outcome);
    expect(mode(file)).toBe(0o600);
    expect(mode(dir)).toBe(0o700);
    expect(mode(path.dirname(dir))).toBe(0o700);
    expect(readFileSync(file, "utf8")).toContain(TOKEN_VALUE);
  });

  it("keeps 0600/0700 even with a permissive umask", async () => {
    const previous = process.umask(0o000);
    try {
      const dir = path.join(tempDir(), "wide-open");
      const outcome = await handoff(dir).register(drataRequest());
      expect(mode(outcome.location!)).toBe(0o600);
      expect(mode(dir)).toBe(0o700);
    } finally {
      process.umask(previous);
    }
  });

  it("ASCERA's sheet has the connector name, the exact base endpoint, the token, the account ID for the lookup list, and the expiry", () => {
    const sheet = renderSheet(asceraRequest());
    expect(sheet).toContain("- **Name**: `cfct dev ascera-417daa9d`");
    expect(sheet).toContain("- **Base Endpoint URL**: `https://api.cloudflare.com/client/v4`");
    expect(sheet).toContain(`- **API Token**: \`${TOKEN_VALUE}\``);
    expect(sheet).toContain(`- **Accounts (lookup list Input Configuration)**: \`${ACME_CORP}\``);
    expect(sheet).toContain("- **Token expires**: `2026-02-23T00:00:00Z`");
    // The lookup list ASCERA creates is named after the connector; the sheet names it.
    expect(sheet).toContain('open "Users - cfct dev ascera-417daa9d"');
    expect(sheet).toContain("ConMon: Maintain > Connectors");
    expect(sheet).toMatch(/the Account ID does not go here/);
    expect(sheet).not.toMatch(/This is a rotation/);
  });

  it("Drata's sheet says where to paste the token and gives only what Drata asks for", () => {
    const sheet = renderSheet(drataRequest());
    expect(sheet).toMatch(/1\. In Drata, go to Connections > Available Connections\./);
    expect(sheet).toContain("Connect > Create Connection");
    expect(sheet).toContain(`- **API Token**: \`${TOKEN_VALUE}\``);
    expect(sheet).toContain("- **Token expires**: `2026-02-23T00:00:00Z`");
    expect(sheet).not.toContain("Base Endpoint URL");
    expect(sheet).not.toContain(ACME_CORP);
    expect(sheet).toContain("user-owned");
  });

  it("a token scoped to specific zones: the sheet says it cannot list zones and names the zones to give the platform", () => {
    const sheet = renderSheet(drataRequest({ unlistedZones: ["acme-corp.com", "acme-payments.com"] }));
    expect(sheet).toContain("## This token cannot list zones");
    expect(sheet).toContain(
      `If Drata discovers zones by listing them, it will see none (the guides' "no data returned"): give it these zone names, or set \`zones: all\` on the connection and redeploy.`,
    );
    expect(sheet).toContain("- `acme-corp.com`\n- `acme-payments.com`");
    // The section comes before the steps, so it is read first.
    expect(sheet.indexOf("cannot list zones")).toBeLessThan(sheet.indexOf("## Steps in Drata"));
    expect(renderSheet(drataRequest())).not.toContain("cannot list zones");
  });

  it("a token without expiry says so, and a later generation is a rotation in its own file", async () => {
    expect(renderSheet(drataRequest({ expiresOn: null }))).toContain("- **Token expires**: `never (this token has no expiry)`");
    const dir = tempDir();
    const registrar = handoff(dir);
    const first = await registrar.register(drataRequest());
    const second = await registrar.register(
      drataRequest({ generation: 2, tokenName: "cfct dev drata g2", tokenId: "f".repeat(32), value: `${TOKEN_VALUE}2` }),
    );
    expect(path.basename(first.location!)).toBe("dev-drata-g1.md");
    expect(path.basename(second.location!)).toBe("dev-drata-g2.md");
    const sheet = readFileSync(second.location!, "utf8");
    expect(sheet).toMatch(/## This is a rotation/);
    expect(sheet).toMatch(/Generation 2 replaces generation 1/);
    expect(readFileSync(first.location!, "utf8")).toContain(TOKEN_VALUE);
  });

  it("re-registering the same generation replaces its sheet atomically and leaves no temp file", async () => {
    const dir = tempDir();
    const registrar = handoff(dir);
    await registrar.register(drataRequest({ value: "CANARY_old_value_0000000000" }));
    const outcome = await registrar.register(drataRequest());
    expect(outcome.status).toBe("handed-off");
    expect(outcome.detail).toMatch(/replacing the earlier sheet of this generation/);
    expect(readdirSync(dir)).toEqual(["dev-drata-g1.md"]);
    const sheet = readFileSync(outcome.location!, "utf8");
    expect(sheet).toContain(TOKEN_VALUE);
    expect(sheet).not.toContain("CANARY_old_value");
    expect(mode(outcome.location!)).toBe(0o600);
  });

  it("defaults to $CFCT_HANDOFF_DIR, else ~/.cfct/handoff/<stack>, and expands ~/ in dir", async () => {
    const home = tempDir();
    const fromEnv = path.join(tempDir(), "env-dir");
    expect((await handoff(undefined, { CFCT_HANDOFF_DIR: fromEnv }, home).register(drataRequest())).location).toBe(
      path.join(fromEnv, "dev-drata-g1.md"),
    );
    expect((await handoff(undefined, {}, home).register(drataRequest())).location).toBe(
      path.join(home, ".cfct", "handoff", "dev", "dev-drata-g1.md"),
    );
    expect((await handoff("~/sheets", {}, home).register(drataRequest())).location).toBe(path.join(home, "sheets", "dev-drata-g1.md"));
  });

  it("in a rehearsal, writes to the rehearsal directory, never the real runs' one, whatever dir or CFCT_HANDOFF_DIR say", async () => {
    const home = tempDir();
    const real = path.join(tempDir(), "real");
    const rehearsal = (env: Record<string, string>) =>
      registrarFor(
        { kind: "handoff", dir: real },
        { CFCT_HANDOFF_DIR: real, ...env },
        { now: fixedNow, homedir: home, cwd: home, rehearsal: true },
      );
    expect((await rehearsal({}).register(drataRequest())).location).toBe(
      path.join(home, ".cfct", "rehearsal", "handoff", "dev", "dev-drata-g1.md"),
    );
    const chosen = path.join(tempDir(), "rehearsal-sheets");
    expect((await rehearsal({ CFCT_REHEARSAL_HANDOFF_DIR: chosen }).register(drataRequest())).location).toBe(
      path.join(chosen, "dev-drata-g1.md"),
    );
    expect(existsSync(real)).toBe(false);
  });

  it("in a rehearsal, still refuses a configured directory the real run would refuse (inside a repository)", () => {
    const root = tempDir();
    execFileSync("git", ["init", "-q", root]);
    const home = tempDir();
    const rehearsal = registrarFor(
      { kind: "handoff", dir: path.join(root, "handoff") },
      { CFCT_REHEARSAL_HANDOFF_DIR: path.join(tempDir(), "rehearsal-sheets") },
      { now: fixedNow, homedir: home, cwd: home, rehearsal: true },
    );
    expect(rehearsal.refusal!("dev")).toMatch(
      /^refusing to write a hand-off sheet in .*handoff: it is inside a git work tree and not git-ignored.* \(a rehearsal writes its sheets to .*rehearsal-sheets, but refuses what the real run would\)$/,
    );
  });

  it("withdraws the sheet of a revoked generation, and only that one", async () => {
    const dir = tempDir();
    const registrar = handoff(dir);
    await registrar.register(drataRequest({ generation: 1 }));
    await registrar.register(drataRequest({ generation: 2 }));
    registrar.withdraw!({ stack: "dev", tokenKey: "drata", generation: 1 });
    expect(readdirSync(dir)).toEqual(["dev-drata-g2.md"]);
  });

  it("says before any token exists that it would refuse a directory inside a repository", () => {
    const root = tempDir();
    execFileSync("git", ["init", "-q", root]);
    expect(handoff(path.join(root, "handoff")).refusal!("dev")).toMatch(
      /^refusing to write a hand-off sheet in .*handoff: it is inside a git work tree and not git-ignored/,
    );
    expect(handoff(path.join(tempDir(), "handoff")).refusal!("dev")).toBeUndefined();
  });

  describe("inside a git work tree", () => {
    function repo(): string {
      const root = tempDir();
      execFileSync("git", ["init", "-q", root]);
      return root;
    }

    it("refuses a directory that is not git-ignored, names it and the fix, and creates nothing", async () => {
      const root = repo();
      const dir = path.join(root, "handoff");
      const outcome = await handoff(dir).register(drataRequest());
      expect(outcome.status).toBe("failed");
      expect(outcome.detail).toMatch(/^refusing to write a hand-off sheet in .*handoff: it is inside a git work tree and not git-ignored/);
      expect(outcome.detail).toMatch(
        /Fix: set registration\.dir \(or CFCT_HANDOFF_DIR\) to a directory outside the repository, or add it to \.gitignore/,
      );
      expect(outcome.location).toBeUndefined();
      expectNoSecrets(outcome);
      expect(existsSync(dir)).toBe(false);
    });

    it("refuses an existing, non-ignored directory too", async () => {
      const root = repo();
      const outcome = await handoff(root).register(drataRequest());
      expect(outcome.status).toBe("failed");
      expect(readdirSync(root)).toEqual([".git"]);
    });

    it("writes into a git-ignored directory", async () => {
      const root = repo();
      writeFileSync(path.join(root, ".gitignore"), ".cfct/\n");
      const outcome = await handoff(path.join(root, ".cfct", "handoff")).register(drataRequest());
      expect(outcome.status).toBe("handed-off");
      expect(mode(outcome.location!)).toBe(0o600);
      expect(execFileSync("git", ["-C", root, "status", "--porcelain"], { encoding: "utf8" })).toBe("?? .gitignore\n");
    });
  });
});

describe("handoff registrar failures", () => {
  it("a directory it cannot write is a failed outcome naming the path and the fix, not a throw", async () => {
    const blocked = path.join(tempDir(), "sheets");
    writeFileSync(blocked, "a file where the directory should be");
    const outcome = await handoff(blocked).register(drataRequest());
    expect(outcome.status).toBe("failed");
    expect(outcome.detail).toMatch(
      /could not write the hand-off sheet .*sheets\/dev-drata-g1\.md \(ENOTDIR\)\. Fix: make the directory writable by you, or set registration\.dir/,
    );
    expect(outcome.location).toBeUndefined();
    expectNoSecrets(outcome);
  });
});
