import { Command, CommanderError } from "commander";
import { EXIT, describeError, exitCodeFor } from "./errors";

type Register = (program: Command) => void;

/**
 * Each command module, loaded only when needed: Pulumi and the Cloudflare SDK take about a second
 * to load, and `cfct plan` needs neither. `cfct --help` loads them all to list every command.
 */
const COMMANDS: readonly { readonly names: readonly string[]; readonly load: () => Register }[] = [
  { names: ["plan"], load: () => (require("./commands/plan") as typeof import("./commands/plan")).registerPlan },
  { names: ["sandbox"], load: () => (require("./commands/sandbox") as typeof import("./commands/sandbox")).registerSandbox },
  {
    names: ["preview", "up", "destroy", "rotate"],
    load: () => (require("./commands/stack-operations") as typeof import("./commands/stack-operations")).registerStackOperations,
  },
  { names: ["demo"], load: () => (require("./commands/demo") as typeof import("./commands/demo")).registerDemo },
  { names: ["verify"], load: () => (require("./commands/verify") as typeof import("./commands/verify")).registerVerify },
];

export function buildProgram(argv: readonly string[] = []): Command {
  const program = new Command("cfct")
    .description("cf-compliance-tokens: least-privilege Cloudflare tokens for compliance platforms, as Pulumi code")
    .showHelpAfterError()
    .exitOverride();
  const named = COMMANDS.filter((command) => command.names.includes(argv[0] ?? ""));
  for (const command of named.length > 0 ? named : COMMANDS) command.load()(program);
  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  try {
    await buildProgram(argv).parseAsync([...argv], { from: "user" });
    return process.exitCode === undefined ? EXIT.ok : Number(process.exitCode);
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    process.stderr.write(`cfct: ${describeError(error)}\n`);
    return exitCodeFor(error);
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
