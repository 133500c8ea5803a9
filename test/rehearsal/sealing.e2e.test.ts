import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { runUp } from "../../src/automation/pipeline";
import { KEY_DIR_ENV, PASSPHRASE_ENV, SecretBox, keyFilePath } from "../../src/rehearsal/secret-box";
import { StateStore } from "../../src/rehearsal/state-store";
import type { RunningSandbox } from "../../src/sandbox";
import { ACME_CORP, pipelineFor, sandboxAndReceiver, testProject } from "../helpers/pipeline";

const STACK = "seal";

function fixture(env: NodeJS.ProcessEnv = {}) {
  const root = mkdtempSync(path.join(tmpdir(), "cfct-seal-"));
  const keyDir = path.join(root, "keys");
  const store = new StateStore(path.join(root, "state"), STACK);
  const fullEnv = { [KEY_DIR_ENV]: keyDir, ...env };
  const box = () => new SecretBox(store, STACK, fullEnv);
  /** What the engine does after creating a token: seal its value into the state. */
  const sealResource = (value: string) => {
    const sealed = box().seal(value);
    store.update((s) => void (s.resources["t::a"] = { type: "t", name: "a", id: "1", inputs: {}, value: sealed, createdAt: "x" }));
  };
  const sealedValue = () => store.read().resources["t::a"]!.value;
  return { root, store, keyFile: keyFilePath(STACK, fullEnv), box, sealResource, sealedValue };
}

describe("the rehearsal sealing key never sits beside the sealed state", () => {
  it("by default a 0600 key file outside the state directory seals; the state records which key, never the key", () => {
    const f = fixture();
    f.sealResource("CANARY-token-value");
    expect(statSync(f.keyFile).mode & 0o777).toBe(0o600);
    expect(path.relative(f.store.dir, f.keyFile).startsWith("..")).toBe(true);
    expect(existsSync(path.join(f.store.dir, "secrets.key"))).toBe(false);
    const stateText = readFileSync(f.store.file, "utf8");
    expect(stateText).not.toContain("CANARY");
    expect(stateText).not.toContain(readFileSync(f.keyFile, "utf8"));
    expect(f.store.read().sealing?.kind).toBe("keyfile");
    expect(f.box().open(f.sealedValue())).toBe("CANARY-token-value");
  });

  it("a deleted key file is an error naming the file and the ways out, and no new key is made", () => {
    const f = fixture();
    f.sealResource("v");
    rmSync(f.keyFile);
    expect(() => f.box().open(f.sealedValue())).toThrow(
      new RegExp(
        `the key file ${f.keyFile.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} that sealed the token values in .* is missing\\. Fix: restore it \\(mode 0600\\), or point ${KEY_DIR_ENV} at the directory that holds it, or delete .* to start over`,
      ),
    );
    expect(() => f.box().seal("w")).toThrow(/is missing/);
    expect(existsSync(f.keyFile)).toBe(false);
  });

  it("once nothing is sealed any more (destroyed), a new key may be chosen", () => {
    const f = fixture();
    f.sealResource("v");
    rmSync(f.keyFile);
    f.store.update((s) => void (s.resources = {}));
    const box = new SecretBox(f.store, STACK, {
      [KEY_DIR_ENV]: path.dirname(f.keyFile),
      [PASSPHRASE_ENV]: "a new passphrase, long enough",
    });
    expect(box.open(box.seal("w"))).toBe("w");
    expect(f.store.read().sealing?.kind).toBe("passphrase");
  });

  it("another key file is told apart from damaged state", () => {
    const f = fixture();
    f.sealResource("v");
    writeFileSync(f.keyFile, Buffer.alloc(32, 7).toString("base64"), { mode: 0o600 });
    expect(() => f.box().open(f.sealedValue())).toThrow(/is not the key that sealed the token values.*Fix: use the one it was sealed with/);
  });

  it("a key file others can read is refused", () => {
    const f = fixture();
    f.sealResource("v");
    chmodSync(f.keyFile, 0o644);
    expect(() => f.box().open(f.sealedValue())).toThrow(/readable by others \(mode 644\)\. Fix: chmod 600/);
  });

  it("CFCT_REHEARSAL_PASSPHRASE derives the key (scrypt); no key file is written", () => {
    const f = fixture({ [PASSPHRASE_ENV]: "correct horse battery staple" });
    f.sealResource("v");
    expect(existsSync(f.keyFile)).toBe(false);
    expect(f.store.read().sealing).toMatchObject({ kind: "passphrase", salt: expect.any(String) });
    expect(f.box().open(f.sealedValue())).toBe("v");
    expect(() => new SecretBox(f.store, STACK, { [PASSPHRASE_ENV]: "wrong" }).open(f.sealedValue())).toThrow(
      /CFCT_REHEARSAL_PASSPHRASE is not the passphrase that sealed/,
    );
    expect(() => new SecretBox(f.store, STACK, {}).open(f.sealedValue())).toThrow(
      /sealed with a passphrase, and CFCT_REHEARSAL_PASSPHRASE is not set\. Fix: export CFCT_REHEARSAL_PASSPHRASE=/,
    );
  });

  it("a key left beside the state by an earlier version is refused with the command that moves it", () => {
    const f = fixture();
    mkdirSync(f.store.dir, { recursive: true });
    writeFileSync(path.join(f.store.dir, "secrets.key"), Buffer.alloc(32).toString("base64"), { mode: 0o600 });
    expect(() => f.box().seal("v")).toThrow(
      /sits beside the state it protects\. Fix: move it out of the state directory, mkdir -p .* && mv .*secrets\.key .*seal\.key/,
    );
  });
});

describe("a state directory inside a git work tree must be ignored", () => {
  function repo(): string {
    const dir = mkdtempSync(path.join(tmpdir(), "cfct-repo-"));
    execFileSync("git", ["init", "-q", dir]);
    return dir;
  }

  it("refused when not ignored, before anything is written", () => {
    const dir = repo();
    const store = new StateStore(path.join(dir, "rehearsal", "dev"), "dev");
    expect(() => store.update(() => undefined)).toThrow(
      /refusing to write rehearsal state in .*not git-ignored.*Fix: pass --sandbox-state-dir <a directory outside the repository>, or add it to \.gitignore/,
    );
    expect(existsSync(path.join(dir, "rehearsal"))).toBe(false);
  });

  it("accepted when ignored", () => {
    const dir = repo();
    writeFileSync(path.join(dir, ".gitignore"), "/.cfct/\n");
    const store = new StateStore(path.join(dir, ".cfct", "sandbox", "dev"), "dev");
    store.update(() => undefined);
    expect(existsSync(store.file)).toBe(true);
  });
});

describe("through the engine", () => {
  const running = sandboxAndReceiver();
  let sandbox: RunningSandbox;
  beforeAll(() => {
    ({ sandbox } = running);
  });

  it("a deleted key stops the next run with the way out, not 'unable to authenticate data'", async () => {
    const project = testProject(STACK);
    project.writeConfig({ connections: [{ platform: "drata", accounts: [ACME_CORP], zones: ["acme-corp.com"] }] });
    expect((await runUp(pipelineFor(sandbox, project).context)).problems).toEqual([]);
    const keyFile = keyFilePath(STACK, { [KEY_DIR_ENV]: project.keyDir });
    expect(existsSync(keyFile)).toBe(true);
    rmSync(keyFile);
    const engine = pipelineFor(sandbox, project).context.engine;
    const failure = await engine.tokenValue("drata-g1").then(
      () => "no error",
      (error: Error) => error.message,
    );
    expect(failure).toMatch(/key file .* is missing\. Fix:/);
    expect(failure).not.toMatch(/unable to authenticate/);
    expect(existsSync(keyFile)).toBe(false);
  });
});
