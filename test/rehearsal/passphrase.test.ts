import { createCipheriv, randomBytes, scryptSync } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { MIN_PASSPHRASE_LENGTH, PASSPHRASE_ENV, SCRYPT_COST, SecretBox } from "../../src/rehearsal/secret-box";
import { StateStore } from "../../src/rehearsal/state-store";
import { NothingChangedError } from "../../src/domain/run-errors";

const PASSPHRASE = "correct horse battery staple";
const store = () => new StateStore(path.join(mkdtempSync(path.join(tmpdir(), "cfct-kdf-")), "state"), "kdf");

/** AES-256-GCM as the box seals, with a key the test derives itself. */
function seal(key: Buffer, plaintext: string) {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  const data = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return { iv: iv.toString("base64"), tag: cipher.getAuthTag().toString("base64"), data: data.toString("base64") };
}

describe("the rehearsal passphrase: scrypt N ≥ 2^17 and a minimum length; older seals still open (issue 24 item 8)", () => {
  it("a new seal derives with N = 2^17 and records the cost beside the salt; the key is the one that cost gives", () => {
    const s = store();
    const box = new SecretBox(s, "kdf", { [PASSPHRASE_ENV]: PASSPHRASE });
    box.unlock();
    const sealing = s.read().sealing;
    expect(SCRYPT_COST.N).toBeGreaterThanOrEqual(2 ** 17);
    expect(sealing).toMatchObject({ kind: "passphrase", scrypt: { N: 2 ** 17, r: 8, p: 1 } });
    const salt = Buffer.from((sealing as { salt: string }).salt, "base64");
    const expected = scryptSync(PASSPHRASE, salt, 32, { N: 2 ** 17, r: 8, p: 1, maxmem: 256 * 1024 * 1024 });
    expect(box.unlock().equals(expected)).toBe(true);
  });

  it("a passphrase shorter than the minimum is refused before anything is sealed, naming the variable and the fix", () => {
    const s = store();
    const short = "x".repeat(MIN_PASSPHRASE_LENGTH - 1);
    const box = new SecretBox(s, "kdf", { [PASSPHRASE_ENV]: short });
    expect(() => box.unlock()).toThrow(NothingChangedError);
    expect(() => box.unlock()).toThrow(/CFCT_REHEARSAL_PASSPHRASE is shorter than 16 characters.*Fix: export CFCT_REHEARSAL_PASSPHRASE=/);
    expect(s.read().sealing).toBeUndefined();
  });

  it("state sealed before the cost was recorded (N = 2^15, no scrypt field) still opens with its passphrase, even a short one", () => {
    const s = store();
    const old = "old-short";
    const salt = randomBytes(16);
    const key = scryptSync(old, salt, 32, { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 });
    s.update((state) => {
      state.sealing = { kind: "passphrase", salt: salt.toString("base64"), check: seal(key, "cf-compliance-tokens sealing check") };
      state.resources["t::a"] = { type: "t", name: "a", id: "1", inputs: {}, value: seal(key, "CANARY-old"), createdAt: "x" } as never;
    });
    const box = new SecretBox(s, "kdf", { [PASSPHRASE_ENV]: old });
    expect(box.open(s.read().resources["t::a"]!.value as never)).toBe("CANARY-old");
  });
});
