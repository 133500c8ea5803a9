import { closeSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import { homedir } from "node:os";
import path from "node:path";
import { z } from "zod";
import { isAlive } from "../domain/process-alive";
import { ensurePrivateDirectory, writeSecretFile } from "../files/secret-file";

/**
 * Where each running `cfct sandbox` says it listens, so `cfct up --engine sandbox` finds it without
 * flags. The file holds each sandbox's provisioner credential (a credential of that sandbox only,
 * which it also prints on stdout) and its control token (which it prints nowhere); the file is 0600
 * under the user's home (never in a repository). Several sandboxes may run at once: each adds its
 * own entry and removes only that entry when it stops. An entry left by a killed sandbox is
 * recognised by its pid.
 */
const announcementSchema = z.object({
  baseUrl: z.string().url(),
  controlUrl: z.string().url(),
  controlToken: z.string().min(1),
  provisionerToken: z.string().min(1),
  pid: z.int().positive(),
});

export type SandboxAnnouncement = z.infer<typeof announcementSchema>;

/** An entry as a `cfct sandbox` from before control tokens wrote it: readable, but its control plane cannot be reached. */
const entrySchema = announcementSchema.extend({ controlToken: announcementSchema.shape.controlToken.optional() });
type Entry = z.infer<typeof entrySchema>;

/** `{sandboxes: [...]}`; a file from before several sandboxes were kept holds one entry as the whole object. */
const fileSchema = z.union([z.object({ sandboxes: z.array(entrySchema) }), entrySchema.transform((one) => ({ sandboxes: [one] }))]);

/** ~/.cfct/sandbox.json; `home` is replaceable for tests. */
export function announcementFile(home: string = homedir()): string {
  return path.join(home, ".cfct", "sandbox.json");
}

export interface Announcements {
  /** Sandboxes whose process still runs, oldest first. */
  readonly running: readonly SandboxAnnouncement[];
  /** Entries of sandboxes that were killed before they could remove them. */
  readonly stale: readonly Pick<SandboxAnnouncement, "baseUrl" | "pid">[];
  /** Running sandboxes of an older cfct, whose entry has no controlToken: unusable until restarted. */
  readonly outdated: readonly Pick<SandboxAnnouncement, "baseUrl" | "pid">[];
  /** Why the file could not be read, when it could not. */
  readonly invalid?: string;
}

export function readAnnouncements(file = announcementFile()): Announcements {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { running: [], stale: [], outdated: [] };
    return { running: [], stale: [], outdated: [], invalid: (error as Error).message };
  }
  let parsed;
  try {
    parsed = fileSchema.safeParse(JSON.parse(text));
  } catch (error) {
    return { running: [], stale: [], outdated: [], invalid: (error as Error).message };
  }
  if (!parsed.success)
    return {
      running: [],
      stale: [],
      outdated: [],
      invalid: parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "),
    };
  const alive = parsed.data.sandboxes.filter((s) => isAlive(s.pid));
  return {
    running: alive.filter(hasControlToken),
    stale: parsed.data.sandboxes.filter((s) => !isAlive(s.pid)),
    outdated: alive.filter((s) => !hasControlToken(s)),
  };
}

function hasControlToken(entry: Entry): entry is SandboxAnnouncement {
  return entry.controlToken !== undefined;
}

/**
 * Adds this sandbox's entry, keeping every other running sandbox's (a stale or unreadable entry is
 * dropped). An entry is one sandbox, a process and its address: one process may run several (tests,
 * the bench), and announcing one must not hide another. Returns the other running sandboxes, so the
 * new one can say it is not alone.
 */
export function announce(announcement: SandboxAnnouncement, file = announcementFile()): readonly SandboxAnnouncement[] {
  return underLock(file, () => {
    const others = readAnnouncements(file).running.filter((s) => s.pid !== announcement.pid || s.baseUrl !== announcement.baseUrl);
    write(file, [...others, announcement]);
    return others;
  });
}

/** Removes this process's entries only; the file goes when no entry is left. */
export function withdraw(pid: number, file = announcementFile()): void {
  underLock(file, () => {
    const remaining = readAnnouncements(file).running.filter((s) => s.pid !== pid);
    if (remaining.length === 0) rmSync(file, { force: true });
    else write(file, remaining);
  });
}

function write(file: string, sandboxes: readonly SandboxAnnouncement[]): void {
  writeSecretFile(file, `${JSON.stringify({ sandboxes })}\n`);
}

const LOCK_ATTEMPTS = 100;
const LOCK_WAIT_MS = 20;

/** Two sandboxes starting or stopping at once must not drop each other's entry: one read-modify-write at a time. */
function underLock<T>(file: string, work: () => T): T {
  ensurePrivateDirectory(path.dirname(file));
  const lock = `${file}.lock`;
  for (let attempt = 0; ; attempt += 1) {
    try {
      const fd = openSync(lock, "wx", 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const holder = lockHolder(lock);
      if (holder === undefined) continue; // released meanwhile
      // A holder that died (or a lock still being written when it has waited long enough) is taken over.
      if ((holder > 0 && !isAlive(holder)) || attempt >= LOCK_ATTEMPTS) rmSync(lock, { force: true });
      else Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, LOCK_WAIT_MS);
    }
  }
  try {
    return work();
  } finally {
    rmSync(lock, { force: true });
  }
}

/** The pid in a lock file, 0 while its holder is still writing it, undefined when it is gone. */
function lockHolder(lock: string): number | undefined {
  try {
    return Number(readFileSync(lock, "utf8")) || 0;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}
