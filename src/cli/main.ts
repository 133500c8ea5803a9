import { Command, CommanderError } from "commander";
import { withoutCredentials } from "../cloudflare/token-format";
import { EXIT, describeError, errorParts, exitCodeFor } from "./errors";
import { exitCodeOf } from "./exit-code";
import { jsonError, printJson, wantsJson } from "./json-output";

type Register = (program: Command) => void;

/**
 * Each command module, loaded only when needed: Pulumi and the Cloudflare SDK take about a second
 * to load, and `cfct plan` needs neither. `cfct --help` loads them all to list every command.
 */
const COMMANDS: readonly { readonly names: readonly string[]; readonly load: () => Register }[] = [
  { names: ["plan"], load: () => (require("./commands/plan") as typeof import("./commands/plan")).registerPlan },
  { names: ["sandbox"], load: () => (require("./commands/sandbox") as typeof import("./commands/sandbox")).registerSandbox },
  {
    names: ["sandbox-parity"],
    load: () => (require("./commands/sandbox-parity") as typeof import("./commands/sandbox-parity")).registerSandboxParity,
  },
  {
    names: ["preview", "up", "destroy", "rotate"],
    load: () => (require("./commands/stack-operations") as typeof import("./commands/stack-operations")).registerStackOperations,
  },
  { names: ["demo"], load: () => (require("./commands/demo") as typeof import("./commands/demo")).registerDemo },
  { names: ["verify"], load: () => (require("./commands/verify") as typeof import("./commands/verify")).registerVerify },
  { names: ["doctor"], load: () => (require("./commands/doctor") as typeof import("./commands/doctor")).registerDoctor },
  { names: ["audit"], load: () => (require("./commands/audit") as typeof import("./commands/audit")).registerAudit },
  { names: ["evidence"], load: () => (require("./commands/evidence") as typeof import("./commands/evidence")).registerEvidence },
  { names: ["diff"], load: () => (require("./commands/diff") as typeof import("./commands/diff")).registerDiff },
  { names: ["platforms"], load: () => (require("./commands/platforms") as typeof import("./commands/platforms")).registerPlatforms },
];

export function buildProgram(argv: readonly string[] = []): Command {
  const program = new Command("cfct")
    .description("cf-compliance-tokens: least-privilege Cloudflare tokens for compliance platforms, as Pulumi code")
    .configureOutput({ outputError: (message, write) => write(withoutTypedValues(message)) })
    .showHelpAfterError()
    .exitOverride();
  const named = COMMANDS.filter((command) => command.names.includes(argv[0] ?? ""));
  for (const command of named.length > 0 ? named : COMMANDS) command.load()(program);
  return program;
}

/** A mistyped command name or choice (--engine, --format ...) as commander echoes it: short, lower case; anything else may be a pasted value. */
const WORD_LIKE = /^[a-z][a-z0-9-]{0,23}$/;

/**
 * Commander's usage errors echo what was typed, and a mistyped flag can carry a token
 * (`--token=cfsbx_…`, `-tcfsbx_…`, `--extra-read=<pasted secret>`, a token pasted where a command
 * goes). Keep the option's or command's name so the error still says what to fix, and a refused
 * choice when it is a short lower-case word (`--engine pulumni`); never any other value.
 * Commander prints an unknown option alone, not the argument after it. Quotes match greedily:
 * a value may itself contain a quote. Anything left that is shaped like a token (any of the three
 * shapes: cfut_/cfat_/cfk_, older unprefixed, cfsbx_) is hidden too, e.g. in a "did you mean" line.
 */
export function withoutTypedValues(message: string): string {
  const hidden = message
    .replace(/(unknown option '--[^'=]+=)[\s\S]*'/, "$1(not shown)'")
    .replace(/(unknown option '-[^-'])[\s\S]+'/, "$1(not shown)'")
    .replace(/( argument )'([\s\S]*)'( is invalid)/, (whole, prefix: string, value: string, rest: string) =>
      WORD_LIKE.test(value) ? whole : `${prefix}(not shown)${rest}`,
    )
    .replace(/( value )'[\s\S]*'( is invalid for argument)/, "$1(not shown)$2")
    .replace(/(unknown command )'([\s\S]*)'/, (whole, prefix: string, name: string) =>
      WORD_LIKE.test(name) ? whole : `${prefix}(not shown)`,
    );
  return withoutCredentials(hidden);
}

/** What to do about any usage error commander reports (it prints the usage on stderr beside it). */
const USAGE_FIX = "run cfct --help, or cfct <command> --help, for the commands and their flags";

/** Runs one cfct command and returns its exit code; the entry point below (and bin/cfct.js) alone sets the process's. */
export async function main(argv: readonly string[]): Promise<number> {
  try {
    const program = buildProgram(argv);
    await program.parseAsync([...argv], { from: "user" });
    return exitCodeOf(program);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has printed the usage error on stderr; with --json, stdout says it too.
      if (error.exitCode !== 0 && wantsJson(argv)) {
        const message = withoutTypedValues(error.message);
        printJson(jsonError(message, EXIT.nothingChanged, { summary: message, fix: USAGE_FIX }));
      }
      return error.exitCode === 0 ? EXIT.ok : EXIT.nothingChanged;
    }
    // A flag's value echoed in an error (an ID, a name) may be a token pasted in the wrong place.
    const message = withoutCredentials(describeError(error));
    process.stderr.write(`cfct: ${message}\n`);
    if (wantsJson(argv)) printJson(jsonError(message, exitCodeFor(error), errorParts(error, withoutCredentials)));
    return exitCodeFor(error);
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
