import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { UnsafeDirectoryError, writeSecretFile } from "../../src/files/secret-file";
import { registrarFor } from "../../src/registration";
import { announce, announcementFile } from "../../src/sandbox/announcement";
import { StateStore } from "../../src/rehearsal/state-store";
import { drataRequest, TOKEN_VALUE } from "../helpers/registration";

const scratch = () => mkdtempSync(path.join(tmpdir(), "cfct-secret-file-"));

describe("every secret-bearing file is written one way (issue 24 item 7)", () => {
  it("0600, complete or absent, no temp file left; a link planted at the target is replaced, not followed", () => {
    const dir = scratch();
    const file = path.join(dir, "sheet.md");
    expect(writeSecretFile(file, "one")).toBe(false);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const elsewhere = path.join(scratch(), "victim");
    writeFileSync(elsewhere, "untouched");
    const planted = path.join(dir, "planted.md");
    symlinkSync(elsewhere, planted);
    writeSecretFile(planted, TOKEN_VALUE);
    expect(readFileSync(elsewhere, "utf8")).toBe("untouched");
    expect(readFileSync(planted, "utf8")).toBe(TOKEN_VALUE);
    expect(writeSecretFile(file, "two")).toBe(true);
    expect(readdirSync(dir).sort()).toEqual(["planted.md", "sheet.md"]);
  });

  it("replace: false never overwrites (a sealing key made meanwhile), and leaves no temp file", () => {
    const dir = scratch();
    const key = path.join(dir, "dev.key");
    writeSecretFile(key, "first", { replace: false });
    expect(() => writeSecretFile(key, "second", { replace: false })).toThrow(expect.objectContaining({ code: "EEXIST" }));
    expect(readFileSync(key, "utf8")).toBe("first");
    expect(readdirSync(dir)).toEqual(["dev.key"]);
  });

  it("refuses a group- or world-writable directory, and a ~/.cfct that is, naming the chmod that fixes it", () => {
    const shared = scratch();
    chmodSync(shared, 0o777);
    expect(() => writeSecretFile(path.join(shared, "x"), "secret")).toThrow(UnsafeDirectoryError);
    expect(() => writeSecretFile(path.join(shared, "x"), "secret")).toThrow(
      new RegExp(`${shared} is writable by group and others \\(mode 777\\).*Fix: chmod go-w ${shared}`),
    );
    expect(existsSync(path.join(shared, "x"))).toBe(false);

    const home = scratch();
    mkdirSync(path.join(home, ".cfct"), { mode: 0o700 });
    chmodSync(path.join(home, ".cfct"), 0o770);
    const nested = path.join(home, ".cfct", "handoff", "dev");
    expect(() => writeSecretFile(path.join(nested, "sheet.md"), "secret")).toThrow(/\.cfct is writable by its group \(mode 770\)/);
    expect(existsSync(nested)).toBe(false);
  });

  it("the hand-off registrar refuses such a directory before any token exists (its refusal), and the sheet is never written", async () => {
    const dir = scratch();
    chmodSync(dir, 0o757);
    const registrar = registrarFor({ kind: "handoff", dir }, {});
    expect(registrar.refusal!("dev")).toMatch(/^the hand-off directory .* is writable by others \(mode 757\).*Fix: chmod go-w/);
    const outcome = await registrar.register(drataRequest());
    expect(outcome.status).toBe("failed");
    expect(readdirSync(dir)).toEqual([]);
  });

  it("sandbox.json and rehearsal state refuse an unsafe directory; written ones are 0600 in a 0700 directory", () => {
    const home = scratch();
    const file = announcementFile(home);
    announce(
      {
        baseUrl: "http://127.0.0.1:1/client/v4",
        controlUrl: "http://127.0.0.1:1/__sandbox",
        controlToken: "c",
        provisionerToken: "p",
        pid: process.pid,
      },
      file,
    );
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    chmodSync(path.dirname(file), 0o775);
    expect(() =>
      announce(
        {
          baseUrl: "http://127.0.0.1:2/client/v4",
          controlUrl: "http://127.0.0.1:2/__sandbox",
          controlToken: "c",
          provisionerToken: "p",
          pid: process.pid,
        },
        file,
      ),
    ).toThrow(/Fix: chmod go-w/);

    const stateDir = path.join(scratch(), "state");
    mkdirSync(stateDir, { mode: 0o777 });
    chmodSync(stateDir, 0o777);
    const store = new StateStore(stateDir, "dev");
    expect(() => store.update(() => undefined)).toThrow(/^the rehearsal state directory .* is writable by group and others/);
  });
});
