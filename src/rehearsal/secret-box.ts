import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { homedir } from "node:os";
import path from "node:path";
import { gitRefusal } from "../registration/handoff";
import { UnsafeDirectoryError, unsafeDirectory, writeSecretFile } from "../files/secret-file";
import type { Sealing, StateStore } from "./state-store";
import { NothingChangedError } from "../domain/run-errors";

export interface SealedSecret {
  readonly iv: string;
  readonly tag: string;
  readonly data: string;
}

/** A passphrase to derive the sealing key from, as PULUMI_CONFIG_PASSPHRASE is for Pulumi's passphrase provider. */
export const PASSPHRASE_ENV = "CFCT_REHEARSAL_PASSPHRASE";
/** Where key files live when no passphrase is set (default ~/.cfct/keys): outside any repository. */
export const KEY_DIR_ENV = "CFCT_REHEARSAL_KEY_DIR";

/** Sealed with every key when it is first used, so a wrong key is told apart from damaged state. */
const CHECK_PLAINTEXT = "cf-compliance-tokens sealing check";
type ScryptCost = { readonly N: number; readonly r: number; readonly p: number };
/**
 * scrypt's cost for a new seal: N = 2^17 (OWASP's minimum for scrypt, 2023), r = 8, p = 1, which
 * needs 128 * N * r = 128 MiB. The state records it, so a later change opens what was sealed before.
 */
export const SCRYPT_COST: ScryptCost = { N: 2 ** 17, r: 8, p: 1 };
/** What state sealed before the cost was recorded used: it still opens, until it seals nothing and a new seal starts. */
const SCRYPT_COST_BEFORE: ScryptCost = { N: 2 ** 15, r: 8, p: 1 };
/** A new passphrase shorter than this is refused; one that sealed state before still opens it. */
export const MIN_PASSPHRASE_LENGTH = 16;

export function keyFilePath(stack: string, env: NodeJS.ProcessEnv): string {
  return path.join(env[KEY_DIR_ENV] || path.join(homedir(), ".cfct", "keys"), `${encodeURIComponent(stack)}.key`);
}

function encrypt(key: Buffer, plaintext: string): SealedSecret {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  const data = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return { iv: iv.toString("base64"), tag: cipher.getAuthTag().toString("base64"), data: data.toString("base64") };
}

function decrypt(key: Buffer, sealed: SealedSecret): string {
  const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(sealed.iv, "base64"));
  decipher.setAuthTag(Buffer.from(sealed.tag, "base64"));
  return Buffer.concat([decipher.update(Buffer.from(sealed.data, "base64")), decipher.final()]).toString("utf8");
}

function opens(key: Buffer, sealed: SealedSecret): boolean {
  try {
    return decrypt(key, sealed) === CHECK_PLAINTEXT;
  } catch {
    return false;
  }
}

/**
 * Encrypts secret outputs at rest, as Pulumi's passphrase provider does for a DIY backend: token
 * values never sit in a state file as plain text. The key never sits beside the state either: it is
 * derived from CFCT_REHEARSAL_PASSPHRASE (scrypt, salt in the state), or read from a 0600 key file
 * outside the repository (~/.cfct/keys/<stack>.key). The state records which, with a sealed check
 * value, so a missing or wrong key is an error that names the way out, never a new key.
 */
export class SecretBox {
  private key: Buffer | undefined;

  constructor(
    private readonly store: StateStore,
    private readonly stack: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  seal(plaintext: string): SealedSecret {
    return encrypt(this.unlock(), plaintext);
  }

  open(sealed: SealedSecret): string {
    return decrypt(this.unlock(), sealed);
  }

  /** The key, found (or, for a state that has sealed nothing yet, made) now: call it before creating anything. */
  unlock(): Buffer {
    this.key ??= this.resolve();
    return this.key;
  }

  private resolve(): Buffer {
    const state = this.store.read();
    const besideState = path.join(this.store.dir, "secrets.key");
    const sealsNothing = Object.keys(state.resources).length === 0;
    if (!state.sealing || sealsNothing) {
      if (existsSync(besideState)) {
        throw new NothingChangedError({
          summary: `the rehearsal sealing key ${besideState} sits beside the state it protects`,
          fix:
            `move it out of the state directory, ` +
            `mkdir -p ${path.dirname(keyFilePath(this.stack, this.env))} && mv ${besideState} ${keyFilePath(this.stack, this.env)} (then run again), ` +
            `or delete ${this.store.dir} and the sandbox's tokens to start over`,
        });
      }
      if (!sealsNothing) {
        throw new NothingChangedError({
          summary: `rehearsal state ${this.store.file} holds sealed token values but records no sealing key`,
          fix: `delete ${this.store.dir} and the sandbox's tokens to start over`,
        });
      }
      return this.start();
    }
    const key = state.sealing.kind === "passphrase" ? this.fromPassphrase(state.sealing) : this.fromKeyFile(false);
    if (!opens(key, state.sealing.check)) {
      const which =
        state.sealing.kind === "passphrase"
          ? `${PASSPHRASE_ENV} is not the passphrase`
          : `the key file ${keyFilePath(this.stack, this.env)} is not the key`;
      throw new NothingChangedError({
        summary: `${which} that sealed the token values in ${this.store.file}`,
        fix: `use the one it was sealed with, or delete ${this.store.dir} and the sandbox's tokens to start over`,
      });
    }
    return key;
  }

  /** A state that holds nothing sealed (new, or destroyed): the environment chooses the key, and the state records the choice. */
  private start(): Buffer {
    const passphrase = this.env[PASSPHRASE_ENV];
    if (passphrase && passphrase.length < MIN_PASSPHRASE_LENGTH) {
      throw new NothingChangedError({
        summary: `${PASSPHRASE_ENV} is shorter than ${MIN_PASSPHRASE_LENGTH} characters, too short to seal token values with`,
        fix: `export ${PASSPHRASE_ENV}=<a passphrase of at least ${MIN_PASSPHRASE_LENGTH} characters> (e.g. openssl rand -hex 16), or unset it to use a key file`,
      });
    }
    const salt = randomBytes(16).toString("base64");
    const key = passphrase ? derive(passphrase, salt, SCRYPT_COST) : this.fromKeyFile(true);
    const record: Sealing = passphrase
      ? { kind: "passphrase", salt, scrypt: { ...SCRYPT_COST }, check: encrypt(key, CHECK_PLAINTEXT) }
      : { kind: "keyfile", check: encrypt(key, CHECK_PLAINTEXT) };
    this.store.update((s) => void (s.sealing = record));
    return key;
  }

  private fromPassphrase(record: Extract<Sealing, { kind: "passphrase" }>): Buffer {
    const passphrase = this.env[PASSPHRASE_ENV];
    if (!passphrase) {
      throw new NothingChangedError({
        summary: `the token values in ${this.store.file} are sealed with a passphrase, and ${PASSPHRASE_ENV} is not set`,
        fix: `export ${PASSPHRASE_ENV}=<the passphrase>, or delete ${this.store.dir} and the sandbox's tokens to start over`,
      });
    }
    return derive(passphrase, record.salt, record.scrypt ?? SCRYPT_COST_BEFORE);
  }

  private fromKeyFile(create: boolean): Buffer {
    const file = keyFilePath(this.stack, this.env);
    if (!existsSync(file)) {
      if (!create) {
        throw new NothingChangedError({
          summary: `the key file ${file} that sealed the token values in ${this.store.file} is missing`,
          fix:
            `restore it (mode 0600), or point ${KEY_DIR_ENV} at the directory that holds it, ` +
            `or delete ${this.store.dir} and the sandbox's tokens to start over`,
        });
      }
      const refusal = gitRefusal(path.dirname(file), file, {
        what: "a rehearsal sealing key",
        fix: `set ${KEY_DIR_ENV} to a directory outside the repository, or ${PASSPHRASE_ENV}`,
      });
      if (refusal) throw new NothingChangedError(refusal);
      try {
        // Never over a key another run made meanwhile: what it sealed would be lost.
        writeSecretFile(file, randomBytes(32).toString("base64"), { replace: false });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      }
    } else {
      const unsafe = unsafeDirectory(path.dirname(file));
      if (unsafe) throw new UnsafeDirectoryError(`the rehearsal key directory ${unsafe}`);
    }
    const mode = statSync(file).mode & 0o777;
    if ((mode & 0o077) !== 0) {
      throw new NothingChangedError({
        summary: `the rehearsal key file ${file} is readable by others (mode ${mode.toString(8)})`,
        fix: `chmod 600 ${file}`,
      });
    }
    const key = Buffer.from(readFileSync(file, "utf8").trim(), "base64");
    if (key.length !== 32)
      throw new NothingChangedError({
        summary: `the rehearsal key file ${file} does not hold a 32-byte base64 key`,
        fix: `restore it, or delete it together with ${this.store.dir} and the sandbox's tokens`,
      });
    return key;
  }
}

function derive(passphrase: string, salt: string, cost: ScryptCost): Buffer {
  // scrypt needs 128 * N * r bytes; Node refuses more than maxmem (default 32 MiB), so allow twice that.
  return scryptSync(passphrase, Buffer.from(salt, "base64"), 32, { ...cost, maxmem: 2 * 128 * cost.N * cost.r });
}
