import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

const SHARED_DIR = path.resolve(__dirname, "../../../shared");

export interface SharedFile {
  /** Absolute path of the file in the shared reference folder beside the checkout (../shared). */
  readonly path: string;
  /** True only outside CI when the file is absent: a developer's checkout without ../shared. */
  readonly skip: boolean;
  /** Appended to a test's name when it is skipped, so the run says why. */
  readonly skipReason: string;
  read(): string;
}

/**
 * A file from ../shared that a test needs. Outside CI a checkout without it skips that test and says
 * why; in CI (process.env.CI) the folder is part of the build, so the test runs and fails, naming the
 * file, instead of passing by skipping.
 */
export function sharedFile(relative: string): SharedFile {
  const file = path.join(SHARED_DIR, relative);
  const present = existsSync(file);
  const skip = !present && !process.env.CI;
  return {
    path: file,
    skip,
    skipReason: skip
      ? ` (skipped: ${file} is absent; this test needs the shared reference folder next to the repository, and CI fails without it)`
      : "",
    read: () => {
      if (!existsSync(file))
        throw new Error(
          `${file} is missing. Fix: check the shared reference folder out next to the repository (../shared); CI runs every test that reads it`,
        );
      return readFileSync(file, "utf8");
    },
  };
}
