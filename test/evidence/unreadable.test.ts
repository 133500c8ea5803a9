import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { cfctUnableToRead } from "../helpers/unreadable";

describe("cfct evidence verify on a folder this user may not read", () => {
  it("names the folder, the cause and the fix instead of a raw EACCES scandir", () => {
    const parent = mkdtempSync(path.join(tmpdir(), "cfct-evidence-"));
    chmodSync(parent, 0o755);
    const dir = path.join(parent, "prod");
    mkdirSync(dir);
    writeFileSync(path.join(dir, "2026-01-01T00-00-00Z-0001-up.json"), "{}");
    const run = cfctUnableToRead(dir, ["evidence", "verify", "--dir", dir]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`cannot read ${dir} (EACCES: this user may not read it). Fix: run cfct as the user that wrote the evidence`);
    expect(run.stderr).not.toMatch(/scandir/);
  });
});
