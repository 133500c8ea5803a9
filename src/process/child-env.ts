/**
 * Environments for child processes, built by allow-list: a child gets what it needs to run and
 * nothing else, so a provisioner credential, a webhook secret or a CFCT_TOKEN_* value in cfct's
 * own environment never reaches a program that has no use for it.
 */

/** What any program needs to find executables, its home and config, locale, temp dir and proxy; none of it is a secret of ours. */
const BASE_NAMES = [
  "PATH",
  "HOME",
  "USER",
  "LOGNAME",
  "SHELL",
  "LANG",
  "LANGUAGE",
  "TZ",
  "TERM",
  "TMPDIR",
  "TEMP",
  "TMP",
  "XDG_CONFIG_HOME",
  "XDG_CACHE_HOME",
  "XDG_DATA_HOME",
  "HTTP_PROXY",
  "HTTPS_PROXY",
  "NO_PROXY",
  "http_proxy",
  "https_proxy",
  "no_proxy",
  // Windows: programs fail to start without these.
  "SystemRoot",
  "SYSTEMROOT",
  "ComSpec",
  "PATHEXT",
  "WINDIR",
  "USERPROFILE",
  "APPDATA",
  "LOCALAPPDATA",
] as const;
const BASE_PREFIXES = ["LC_"] as const;

export interface ChildEnvAllowList {
  /** Variables passed when set, beyond the base set. */
  readonly names?: readonly string[];
  /** Every variable starting with one of these is passed. */
  readonly prefixes?: readonly string[];
}

/** The base set plus `allow`, taken from `from` (process.env by default). */
export function childEnv(allow: ChildEnvAllowList = {}, from: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const names = new Set<string>([...BASE_NAMES, ...(allow.names ?? [])]);
  const prefixes = [...BASE_PREFIXES, ...(allow.prefixes ?? [])];
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(from)) {
    if (value !== undefined && (names.has(name) || prefixes.some((prefix) => name.startsWith(prefix)))) env[name] = value;
  }
  return env;
}

/**
 * For `git`: none of our secrets, and none of GIT_DIR, GIT_WORK_TREE and the like, so git answers
 * about the directory it is asked about, not about a repository named by the caller's environment.
 */
export function gitChildEnv(from: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return childEnv({}, from);
}
