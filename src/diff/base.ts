import { execFileSync } from "node:child_process";
import { existsSync, realpathSync, statSync } from "node:fs";
import path from "node:path";
import { parseSettings, type Settings } from "../config/schema";
import { gitChildEnv } from "../process/child-env";
import { loadSettingsFile, offlineUnreadable, parseStackFile, stackFilePath } from "../config/stack-file";
import { CfctError } from "../domain/cfct-error";

export class BaseError extends CfctError {
  override name = "BaseError";
}

/** The base side of a diff: a stack file, or the head's stack file as a git ref had it (none: the stack is new). */
export interface BaseSide {
  /** `undefined` when the base has no such stack file. */
  readonly settings: Settings | undefined;
  readonly label: string;
}

function git(cwd: string, args: readonly string[]): string | undefined {
  try {
    return execFileSync("git", [...args], {
      cwd,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
      maxBuffer: 16 * 1024 * 1024,
      // No secret of ours, and no GIT_DIR or GIT_WORK_TREE steering git to another repository.
      env: gitChildEnv(),
    });
  } catch {
    return undefined;
  }
}

/** Where a diff's sides live: the project (its repository resolves a git ref), the head's file, the stack. */
export interface BaseContext {
  readonly projectDir: string;
  readonly headFile: string;
  readonly stack: string;
}

/**
 * Where the base comes from: a git ref (`--base-ref`, or `--base`) or a stack file (`--base-file`).
 * Two flags, never a guess: a file in the pull request named like the ref must not replace the ref.
 */
export type BaseSource = { readonly ref: string; readonly flag: "--base" | "--base-ref" } | { readonly file: string };

/**
 * Reads the base: a stack file, or a git ref of the project's repository. The file read at that ref
 * is the head's file when it is in that repository, else the project's own stack file for the stack
 * (a --config file from elsewhere is compared with what the project had). Only the file's text at
 * that ref is read: no checkout, nothing written.
 */
export function loadBase(source: BaseSource, { projectDir, headFile, stack }: BaseContext): BaseSide {
  if ("file" in source) {
    if (!existsSync(source.file) || !statSync(source.file).isFile())
      throw new BaseError({
        summary: `--base-file ${source.file} is not a file`,
        fix: "name the base's stack file, or pass a git ref with --base-ref",
      });
    return { settings: loadSettingsFile(path.resolve(source.file), stack), label: source.file };
  }
  const { ref: base, flag } = source;
  const dir = path.resolve(projectDir);
  // A ref never starts with "-": refuse what git would read as an option.
  if (base.startsWith("-") || git(dir, ["rev-parse", "--verify", "--quiet", `${base}^{commit}`]) === undefined) {
    const file = existsSync(base) ? ` (${base} is a file: a stack file goes in --base-file)` : "";
    throw new BaseError({
      summary: `${flag} ${base} is not a git commit or branch of the repository at ${dir}${file}`,
      fix: "pass a ref such as origin/main (fetch it first in CI), or a stack file with --base-file",
    });
  }
  const top = git(dir, ["rev-parse", "--show-toplevel"])?.trim();
  if (!top)
    throw new BaseError({
      summary: `${dir} is not in a git work tree, so ${flag} ${base} cannot be read`,
      fix: "pass the base stack file with --base-file",
    });
  const inRepository = (file: string) => !path.relative(realpath(top), realpath(file)).startsWith("..");
  const file = inRepository(headFile) ? headFile : stackFilePath(dir, stack);
  const relative = path.relative(realpath(top), realpath(file)).split(path.sep).join("/");
  const text = git(top, ["show", `${base}:${relative}`]);
  const label = `${base}:${relative}`;
  if (text === undefined) return { settings: undefined, label };
  const stackFile = parseStackFile(text, label);
  const unreadable = offlineUnreadable(stackFile);
  if (unreadable) throw unreadable;
  return { settings: parseSettings(stackFile.projectConfig, { stack, source: label, also: stackFile.foreign }), label };
}

/** A path with its symlinks resolved as far as it exists (git reports the real top level: /tmp may be a link). */
function realpath(file: string): string {
  const resolved = path.resolve(file);
  return existsSync(resolved) ? realpathSync(resolved) : path.join(realpath(path.dirname(resolved)), path.basename(resolved));
}
