import { closeSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { gitRefusal } from "../registration/handoff";
import { isAlive } from "../domain/process-alive";
import { NothingChangedError } from "../domain/run-errors";
import { UnsafeDirectoryError, ensurePrivateDirectory, unsafeDirectory, writeSecretFile } from "../files/secret-file";

const sealedSchema = z.object({ iv: z.string(), tag: z.string(), data: z.string() });

const resourceSchema = z.object({
  type: z.string(),
  name: z.string(),
  id: z.string(),
  accountId: z.string().optional(),
  /** Provider inputs as last applied (never the value). */
  inputs: z.record(z.string(), z.unknown()),
  value: sealedSchema,
  createdAt: z.string(),
});

/** A create that was sent but not yet recorded: resolved on the next run so a kill leaves no orphan. */
const pendingSchema = z.object({
  type: z.string(),
  name: z.string(),
  tokenName: z.string(),
  accountId: z.string().optional(),
  at: z.string(),
});

/**
 * How the values in `resources` are sealed: with a key derived from a passphrase (salt here), or
 * with a key file outside the repository. `check` is a known text sealed with that key.
 */
const sealingSchema = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("passphrase"),
    salt: z.string(),
    /** scrypt's cost as sealed; absent in state sealed before it was recorded, which used N = 2^15, r = 8, p = 1. Bounded, so a crafted state cannot ask for gigabytes. */
    scrypt: z
      .object({
        N: z
          .int()
          .min(2)
          .max(2 ** 20),
        r: z.int().min(1).max(16),
        p: z.int().min(1).max(4),
      })
      .optional(),
    check: sealedSchema,
  }),
  z.object({ kind: z.literal("keyfile"), check: sealedSchema }),
]);

export type Sealing = z.infer<typeof sealingSchema>;

const stateSchema = z.object({
  version: z.literal(1),
  stack: z.string(),
  resources: z.record(z.string(), resourceSchema),
  pending: z.array(pendingSchema),
  /** Config cfct stores with the stack (the token generations), layered over the stack file. */
  config: z.record(z.string(), z.unknown()),
  /** The program's outputs as the last apply left them, secret values removed (they live sealed in `resources`). */
  outputs: z.record(z.string(), z.unknown()),
  sealing: sealingSchema.optional(),
  /**
   * The sandbox whose tokens `resources` are: its run (a new ID on every start) and address. A
   * restarted sandbox has none of them; absent in states written before it was recorded.
   */
  sandbox: z.object({ instance: z.string(), startedAt: z.string(), baseUrl: z.string() }).optional(),
});

export type SandboxOfState = NonNullable<z.infer<typeof stateSchema>["sandbox"]>;

export type RehearsalState = z.infer<typeof stateSchema>;

export const resourceKey = (type: string, name: string) => `${type}::${name}`;

/**
 * The rehearsal engine's stack state: one JSON file, written atomically (temp file + rename, 0600),
 * guarded by a lock file so two runs on one stack cannot interleave.
 */
export class StateStore {
  readonly file: string;
  private readonly lockFile: string;

  constructor(
    readonly dir: string,
    private readonly stack: string,
  ) {
    this.file = path.join(dir, "state.json");
    this.lockFile = path.join(dir, "lock");
  }

  read(): RehearsalState {
    try {
      return stateSchema.parse(JSON.parse(readFileSync(this.file, "utf8")));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT")
        return { version: 1, stack: this.stack, resources: {}, pending: [], config: {}, outputs: {} };
      throw new NothingChangedError({
        summary: `rehearsal state ${this.file} is unreadable (${(error as Error).message})`,
        fix: `restore it, or delete ${this.dir} and the sandbox's tokens to start over`,
      });
    }
  }

  /** Every state written from now on says it belongs to this sandbox. */
  belongsTo(sandbox: SandboxOfState): void {
    this.sandbox = sandbox;
  }

  private sandbox: SandboxOfState | undefined;

  write(state: RehearsalState): void {
    if (this.sandbox) state.sandbox = this.sandbox;
    this.checkPlacement();
    writeSecretFile(this.file, `${JSON.stringify(state, null, 2)}\n`);
  }

  /** A read-modify-write of the whole state, under the stack lock. */
  update(change: (state: RehearsalState) => void): RehearsalState {
    this.enter();
    try {
      const state = this.read();
      change(state);
      this.write(state);
      return state;
    } finally {
      this.leave();
    }
  }

  /** Runs `work` holding the stack lock (re-entrant); a lock left by a dead process is taken over. */
  async withLock<T>(work: () => Promise<T>): Promise<T> {
    this.enter();
    try {
      return await work();
    } finally {
      this.leave();
    }
  }

  private depth = 0;
  private placementChecked = false;

  private enter(): void {
    if (this.depth === 0) {
      this.checkPlacement();
      ensurePrivateDirectory(this.dir);
      this.acquire();
    }
    this.depth += 1;
  }

  private leave(): void {
    this.depth -= 1;
    if (this.depth === 0) rmSync(this.lockFile, { force: true });
  }

  /** Sealed token values must never be committable: inside a git work tree the directory must be ignored. */
  private checkPlacement(): void {
    if (this.placementChecked) return;
    const unsafe = unsafeDirectory(this.dir);
    if (unsafe) throw new UnsafeDirectoryError(`the rehearsal state directory ${unsafe}`);
    const refusal = gitRefusal(this.dir, this.file, {
      what: "rehearsal state",
      fix: "pass --sandbox-state-dir <a directory outside the repository>",
    });
    if (refusal) throw new Error(refusal);
    this.placementChecked = true;
  }

  private acquire(): void {
    try {
      const fd = openSync(this.lockFile, "wx", 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      let text: string;
      try {
        text = readFileSync(this.lockFile, "utf8");
      } catch (readError) {
        if ((readError as NodeJS.ErrnoException).code === "ENOENT") return this.acquire(); // released meanwhile
        throw readError;
      }
      // An empty file is a lock being written by its new holder right now: held.
      const holder = text === "" ? -1 : Number(text);
      if (holder === -1 || (holder && holder !== process.pid && isAlive(holder))) {
        throw new NothingChangedError({
          summary: `stack ${this.stack} is locked by ${holder === -1 ? "another process" : `process ${holder}`} (another cfct run)`,
          fix: `wait for it, or remove ${this.lockFile} if that process is gone`,
        });
      }
      rmSync(this.lockFile, { force: true });
      this.acquire();
    }
  }
}
