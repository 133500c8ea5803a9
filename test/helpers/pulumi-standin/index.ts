import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

/** One canned answer: the first answer whose command words lead the call's argv (and whose flags it has) replies. */
export interface CannedAnswer {
  /** Leading words of the call, e.g. ["stack", "select"] or ["up"]. */
  readonly command: readonly string[];
  /** Flags the call must carry, e.g. ["--show-secrets"]. */
  readonly has?: readonly string[];
  /** Written in these chunks, in order. */
  readonly stdout?: string | readonly string[];
  readonly stderr?: string;
  readonly exitCode?: number;
  /** Engine events sent over the Automation API's event stream (`--event-log`). */
  readonly events?: readonly object[];
  /** Answer at most this many calls, then let later answers match. */
  readonly times?: number;
}

export interface StandInCall {
  readonly argv: readonly string[];
  readonly cwd: string;
  /** The watched variables as the stand-in saw them (null: not set). */
  readonly env: Record<string, string | null>;
}

export interface PulumiStandIn {
  readonly dir: string;
  calls(): StandInCall[];
  /** Each call's leading words, e.g. "stack select", "preview". */
  commands(): string[];
  /** Puts PATH back. */
  restore(): void;
}

const PROJECT_DIR = path.resolve(__dirname, "../../..");
/** Above 3.205.0 the Automation API receives engine events over gRPC, as from the current CLI. */
const CLI_VERSION = "v3.248.0";

/**
 * Puts a recording stand-in `pulumi` first on PATH (see standin.cjs): the Automation API runs it as
 * it would run the real CLI, so tests see the exact commands cfct's engine causes.
 */
export function installPulumiStandIn(options: {
  answers: readonly CannedAnswer[];
  version?: string;
  watchEnv?: readonly string[];
}): PulumiStandIn {
  const dir = mkdtempSync(path.join(tmpdir(), "cfct-pulumi-standin-"));
  writeFileSync(
    path.join(dir, "config.json"),
    JSON.stringify({
      version: options.version ?? CLI_VERSION,
      answers: options.answers,
      watchEnv: options.watchEnv ?? [],
      projectDir: PROJECT_DIR,
    }),
  );
  const executable = path.join(dir, "pulumi");
  writeFileSync(
    executable,
    `#!/bin/sh\nCFCT_STANDIN_DIR='${dir}' exec '${process.execPath}' '${path.join(__dirname, "standin.cjs")}' "$@"\n`,
  );
  chmodSync(executable, 0o755);
  const previousPath = process.env["PATH"];
  process.env["PATH"] = `${dir}${path.delimiter}${previousPath ?? ""}`;
  const calls = (): StandInCall[] => {
    const log = path.join(dir, "calls.jsonl");
    return existsSync(log)
      ? readFileSync(log, "utf8")
          .trim()
          .split("\n")
          .map((line) => JSON.parse(line) as StandInCall)
      : [];
  };
  return {
    dir,
    calls,
    commands: () => calls().map((call) => leadingWords(call.argv).join(" ")),
    restore: () => {
      process.env["PATH"] = previousPath;
    },
  };
}

function leadingWords(argv: readonly string[]): string[] {
  const index = argv.findIndex((arg) => arg.startsWith("-"));
  return [...(index < 0 ? argv : argv.slice(0, index))];
}

/** A copy of this repository's Pulumi.yaml and stack files in a temp dir: the project the stand-in runs in. */
export function projectCopy(extraFiles: Record<string, string> = {}): string {
  const dir = mkdtempSync(path.join(tmpdir(), "cfct-project-"));
  cpSync(path.join(PROJECT_DIR, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
  cpSync(path.join(PROJECT_DIR, "stacks"), path.join(dir, "stacks"), { recursive: true });
  for (const [name, text] of Object.entries(extraFiles)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

export const answers = {
  selected: { command: ["stack", "select"] } as CannedAnswer,
  /** What `pulumi stack select` says, on stderr, for a stack the backend does not have. */
  noSuchStack: (name: string): CannedAnswer => ({
    command: ["stack", "select"],
    stderr: `error: no stack named '${name}' found\n`,
    exitCode: 255,
  }),
  stackList: (names: readonly string[]): CannedAnswer => ({
    command: ["stack", "ls"],
    stdout: JSON.stringify(names.map((name) => ({ name, current: false, updateInProgress: false }))),
  }),
  /** `stack output --json` masks secrets; `--show-secrets` shows them. The Automation API runs both. */
  outputs: (outputs: Record<string, { value: unknown; secret: boolean }>, times?: number): CannedAnswer[] => [
    {
      command: ["stack", "output"],
      has: ["--show-secrets"],
      stdout: JSON.stringify(Object.fromEntries(Object.entries(outputs).map(([k, o]) => [k, o.value]))),
      ...(times ? { times } : {}),
    },
    {
      command: ["stack", "output"],
      stdout: JSON.stringify(Object.fromEntries(Object.entries(outputs).map(([k, o]) => [k, o.secret ? "[secret]" : o.value]))),
      ...(times ? { times } : {}),
    },
  ],
  state: (deployment: object = {}): CannedAnswer => ({
    command: ["stack", "export"],
    stdout: JSON.stringify({ version: 3, deployment: { manifest: {}, resources: [], ...deployment } }),
  }),
  /** `up` reads the last update's summary from the history afterwards. */
  history: { command: ["stack", "history"], stdout: "[]" } as CannedAnswer,
};

const URN_PREFIX = "urn:pulumi:prod::cf-compliance-tokens::cf-compliance-tokens:index:ComplianceToken$";

/** Engine events of one step on a token resource (planned, then completed unless `planned` only). */
export function stepEvents(op: string, logicalName: string, type = "cloudflare:index/apiToken:ApiToken", planned = false): object[] {
  const metadata = { op, urn: `${URN_PREFIX}${type}::${logicalName}`, type, provider: "" };
  return planned ? [{ resourcePreEvent: { metadata } }] : [{ resourcePreEvent: { metadata } }, { resOutputsEvent: { metadata } }];
}
