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
  /**
   * One deployed stack, answered consistently as the CLI would: `stack export --show-secrets` prints
   * its state (stackExport), `stack output` the root stack resource's outputs.
   */
  stack: (state: StackStateOptions, times?: number): CannedAnswer[] => [
    { command: ["stack", "export"], has: ["--show-secrets"], stdout: JSON.stringify(stackExport(state)), ...(times ? { times } : {}) },
    ...answers.outputs(state.outputs, times),
  ],
  /** `up` reads the last update's summary from the history afterwards. */
  history: { command: ["stack", "history"], stdout: "[]" } as CannedAnswer,
};

/** Pulumi's signature key and its value for a secret (sdk/go/common/resource/sig/sig.go). */
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/** A secret as `pulumi stack export --show-secrets` writes it: its JSON text as `plaintext` (pkg/resource/stack/deployment.go). */
export function shownSecret(value: unknown): Record<string, string> {
  return { [SIG_KEY]: SECRET_SIG, plaintext: JSON.stringify(value) };
}

/** One token of a deployed stack: its ComplianceToken and the cloudflare token resource under it. */
export interface StateToken {
  readonly logicalName: string;
  /** Default cloudflare:index/apiToken:ApiToken. */
  readonly type?: string;
  readonly id: string;
  /** Absent: the provider lost it from state (a known provider issue). */
  readonly value?: string;
  readonly inputs?: Record<string, unknown>;
}

export interface StackStateOptions {
  readonly stack?: string;
  /** The stack outputs, as `answers.outputs` takes them; a secret one is stored as a shown secret. */
  readonly outputs: Record<string, { value: unknown; secret: boolean }>;
  readonly tokens: readonly StateToken[];
  /** More resources, as they appear in `deployment.resources`. */
  readonly extra?: readonly object[];
}

/**
 * A stack's state as `pulumi stack export --show-secrets` prints it (apitype.UntypedDeployment with a
 * DeploymentV3: sdk/go/common/apitype/core.go): the root `pulumi:pulumi:Stack` resource holding the
 * stack outputs, the default Cloudflare provider, and for each token a ComplianceToken parent with the
 * provider's token resource as its child, whose `value` output is a secret.
 */
export function stackExport({ stack = "prod", outputs, tokens, extra = [] }: StackStateOptions): object {
  const prefix = `urn:pulumi:${stack}::cf-compliance-tokens::`;
  const root = `${prefix}pulumi:pulumi:Stack::cf-compliance-tokens-${stack}`;
  const provider = `${prefix}pulumi:providers:cloudflare::default_6_22_1`;
  const at = "2026-11-24T09:00:00.000000000Z";
  const resources: object[] = [
    {
      urn: root,
      custom: false,
      type: "pulumi:pulumi:Stack",
      outputs: Object.fromEntries(Object.entries(outputs).map(([k, o]) => [k, o.secret ? shownSecret(o.value) : o.value])),
      created: at,
      modified: at,
    },
    {
      urn: provider,
      custom: true,
      id: "5c7f1bd2-0d8e-4b8e-9d44-9d8b2a0c1e11",
      type: "pulumi:providers:cloudflare",
      inputs: { __internal: { pluginDownloadURL: "" }, version: "6.22.1" },
      outputs: { version: "6.22.1" },
      created: at,
      modified: at,
    },
  ];
  for (const token of tokens) {
    const type = token.type ?? "cloudflare:index/apiToken:ApiToken";
    const component = `${prefix}cf-compliance-tokens:index:ComplianceToken::${token.logicalName}`;
    const inputs = token.inputs ?? { name: `cfct ${stack} ${token.logicalName}` };
    resources.push(
      { urn: component, custom: false, type: "cf-compliance-tokens:index:ComplianceToken", parent: root, created: at, modified: at },
      {
        urn: `${prefix}cf-compliance-tokens:index:ComplianceToken$${type}::${token.logicalName}`,
        custom: true,
        id: token.id,
        type,
        inputs,
        outputs: { ...inputs, id: token.id, status: "active", ...(token.value !== undefined ? { value: shownSecret(token.value) } : {}) },
        parent: component,
        provider: `${provider}::5c7f1bd2-0d8e-4b8e-9d44-9d8b2a0c1e11`,
        additionalSecretOutputs: ["value"],
        created: at,
        modified: at,
      },
    );
  }
  return {
    version: 3,
    deployment: {
      manifest: { time: at, magic: "7d8f3c3b6c0e4f5a", version: "v3.248.0" },
      secrets_providers: { type: "passphrase", state: { salt: "v1:e2w7lXq1bCw=:v1:3m3hQx3R3bWQmVxL:Qm6t8bq0aL4m0hYk5w1Vqg==" } },
      resources: [...resources, ...extra],
    },
  };
}

const URN_PREFIX = "urn:pulumi:prod::cf-compliance-tokens::cf-compliance-tokens:index:ComplianceToken$";

/** Engine events of one step on a token resource (planned, then completed unless `planned` only). */
export function stepEvents(op: string, logicalName: string, type = "cloudflare:index/apiToken:ApiToken", planned = false): object[] {
  const metadata = { op, urn: `${URN_PREFIX}${type}::${logicalName}`, type, provider: "" };
  return planned ? [{ resourcePreEvent: { metadata } }] : [{ resourcePreEvent: { metadata } }, { resOutputsEvent: { metadata } }];
}
