import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it, vi } from "vitest";
import { currentCommit } from "../../src/evidence/write";
import { childEnv, gitChildEnv } from "../../src/process/child-env";
import { gitRefusal } from "../../src/registration/handoff";

const OURS = {
  CLOUDFLARE_API_TOKEN: "provisioner-CANARY",
  CFCT_WEBHOOK_SECRET: "webhook-CANARY",
  CFCT_TOKEN_DRATA: "token-CANARY",
  DRATA_API_KEY: "drata-CANARY",
  CFCT_REHEARSAL_PASSPHRASE: "passphrase-CANARY",
  GIT_DIR: "/elsewhere/.git",
};

describe("child environments are allow-lists", () => {
  const from = { PATH: "/usr/bin", HOME: "/home/u", LC_ALL: "C", PULUMI_ACCESS_TOKEN: "pul", PULUMI_CONFIG_PASSPHRASE: "pp", ...OURS };

  it("git gets none of our secrets and no repository override", () => {
    expect(gitChildEnv(from)).toEqual({ PATH: "/usr/bin", HOME: "/home/u", LC_ALL: "C" });
  });

  it("extra names and prefixes are opt-in", () => {
    expect(childEnv({ names: ["DRATA_API_KEY"] }, from)).toMatchObject({ DRATA_API_KEY: "drata-CANARY" });
    expect(childEnv({}, from)).not.toHaveProperty("DRATA_API_KEY");
  });
});

describe("every git child cfct spawns gets that environment", () => {
  it("the hand-off git check and the evidence commit lookup", () => {
    // A `git` first on PATH that records the environment it was given.
    const bin = mkdtempSync(path.join(tmpdir(), "cfct-fakegit-"));
    const dump = path.join(bin, "env.txt");
    writeFileSync(path.join(bin, "git"), `#!/bin/sh\nenv >> "${dump}"\necho deadbeef\nexit 0\n`);
    chmodSync(path.join(bin, "git"), 0o755);
    for (const [name, value] of Object.entries({ ...OURS, PATH: `${bin}${path.delimiter}${process.env.PATH}` })) vi.stubEnv(name, value);

    const dir = mkdtempSync(path.join(tmpdir(), "cfct-childenv-"));
    gitRefusal(dir, path.join(dir, "sheet.md"));
    expect(currentCommit(dir)).toBe("deadbeef");

    const seen = readFileSync(dump, "utf8");
    expect(seen).toContain("PATH=");
    expect(seen).not.toContain("CANARY");
    expect(seen).not.toContain("GIT_DIR=");
  });
});
