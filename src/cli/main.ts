import { Command, CommanderError } from "commander";
import { registerPlan } from "./commands/plan";
import { registerSandbox } from "./commands/sandbox";
import { registerDemo } from "./commands/demo";
import { registerStackOperations } from "./commands/stack-operations";
import { registerVerify } from "./commands/verify";
import { EXIT, describeError, exitCodeFor } from "./errors";

export function buildProgram(): Command {
  const program = new Command("cfct")
    .description("cf-compliance-tokens: least-privilege Cloudflare tokens for compliance platforms, as Pulumi code")
    .showHelpAfterError()
    .exitOverride();
  registerPlan(program);
  registerSandbox(program);
  registerStackOperations(program);
  registerDemo(program);
  registerVerify(program);
  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  try {
    await buildProgram().parseAsync([...argv], { from: "user" });
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
