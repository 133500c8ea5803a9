import { spawnSync } from "node:child_process";
import { chmodSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

/**
 * The built CLI run by a user who may not read `target`: as root (who reads anything) the CLI runs
 * as nobody and `target` is made 0700 (0600 for a file); otherwise `target` is made unreadable.
 * The mode is restored afterwards.
 */
export function cfctUnableToRead(target: string, args: readonly string[], { directory = true } = {}) {
  const root = process.getuid?.() === 0;
  chmodSync(target, root ? (directory ? 0o700 : 0o600) : 0o000);
  try {
    const result = spawnSync(process.execPath, [path.resolve("bin/cfct.js"), ...args], {
      encoding: "utf8",
      cwd: tmpdir(),
      ...(root ? { uid: 65534, gid: 65534, env: { PATH: process.env.PATH ?? "", HOME: tmpdir() } } : {}),
    });
    return { code: result.status, stdout: result.stdout, stderr: result.stderr };
  } finally {
    chmodSync(target, directory ? 0o755 : 0o644);
  }
}
