import { randomBytes } from "node:crypto";
import {
  closeSync,
  constants,
  existsSync,
  fsyncSync,
  linkSync,
  mkdirSync,
  openSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import path from "node:path";
import { NothingChangedError } from "../domain/run-errors";

/**
 * Files that hold secrets (~/.cfct/sandbox.json, rehearsal state and sealing keys, hand-off sheets)
 * are written one way: into a directory that only its owner can change, through a fresh file
 * created exclusively (O_EXCL, never following a link) under a random name with mode 0600, flushed
 * to disk, then renamed onto the target. Nobody can read the secret half-written, pre-create the
 * file to read it, or swap the directory under it.
 */

/** A directory another user could change: found before the run writes, or creates, anything. */
export class UnsafeDirectoryError extends NothingChangedError {
  override name = "UnsafeDirectoryError";
}

/** Why `dir` (or the `.cfct` directory above it) may not hold secrets, or undefined. A directory that does not exist yet is fine: it will be made 0700. */
export function unsafeDirectory(dir: string): string | undefined {
  const absolute = path.resolve(dir);
  const cfct = absolute.split(path.sep).lastIndexOf(".cfct");
  const checked =
    cfct > 0
      ? [
          absolute
            .split(path.sep)
            .slice(0, cfct + 1)
            .join(path.sep),
          absolute,
        ]
      : [absolute];
  for (const candidate of checked) {
    const problem = problemOf(candidate);
    if (problem) return problem;
  }
  return undefined;
}

function problemOf(dir: string): string | undefined {
  let stats;
  try {
    stats = statSync(dir);
  } catch (error) {
    // Absent (it will be made 0700), or under a file (the write fails with ENOTDIR, which callers explain).
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw error;
  }
  // Not a directory: writing into it fails with the file system's own error (ENOTDIR), which callers explain.
  if (!stats.isDirectory()) return undefined;
  const uid = process.getuid?.();
  if (uid !== undefined && stats.uid !== uid) {
    return `${dir} belongs to user ${stats.uid}, not to you (user ${uid}), so its owner could read or replace the secrets cfct keeps there. Fix: chown ${uid} ${dir}, or choose a directory of your own`;
  }
  const writable = stats.mode & 0o022;
  if (writable) {
    const who = writable === 0o022 ? "group and others" : writable === 0o020 ? "its group" : "others";
    return `${dir} is writable by ${who} (mode ${(stats.mode & 0o777).toString(8)}), so they could replace the secrets cfct keeps there. Fix: chmod go-w ${dir}`;
  }
  return undefined;
}

/** Refuses an unsafe directory (UnsafeDirectoryError), then makes it 0700 if it does not exist. */
export function ensurePrivateDirectory(dir: string): void {
  const problem = unsafeDirectory(dir);
  if (problem) throw new UnsafeDirectoryError(problem);
  if (!existsSync(dir)) mkdirSync(dir, { recursive: true, mode: 0o700 });
}

export interface SecretFileOptions {
  /** false: create only, never replace (a key that must not be overwritten); an existing file throws EEXIST. */
  readonly replace?: boolean;
}

/** Writes `content` to `file` as the module comment says. Returns true when an earlier file was replaced. */
export function writeSecretFile(file: string, content: string, { replace = true }: SecretFileOptions = {}): boolean {
  const dir = path.dirname(file);
  ensurePrivateDirectory(dir);
  const temp = path.join(dir, `.${path.basename(file)}.${randomBytes(8).toString("hex")}.tmp`);
  const fd = openSync(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0), 0o600);
  try {
    try {
      writeSync(fd, content);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    if (!replace) {
      linkSync(temp, file);
      return false;
    }
    const replaced = existsSync(file);
    renameSync(temp, file);
    return replaced;
  } finally {
    if (existsSync(temp)) unlinkSync(temp);
  }
}
