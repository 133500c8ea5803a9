// No import of @pulumi/pulumi here: the CLI maps these classes to exit codes on every command, and
// loading Pulumi costs `cfct plan` a second. The Automation API's errors are told apart by name.
import { ChangedThenStoppedError, NothingChangedError } from "../domain/run-errors";

/**
 * Pulumi refused or failed before it changed anything (missing CLI, no backend, locked stack, a
 * stack that does not exist, a config error inside the program): exit 1, safe to fix and rerun.
 */
export class PulumiNothingChangedError extends NothingChangedError {
  override name = "PulumiNothingChangedError";
}

/** A Pulumi run stopped after it may have changed resources: exit 2, look at the stack before rerunning. */
export class PulumiRunError extends ChangedThenStoppedError {
  override name = "PulumiRunError";
}

/** What the Automation API keeps of a failed CLI call (CommandError.commandResult is internal but always set). */
interface FailedCall {
  readonly stdout: string;
  readonly stderr: string;
  readonly err?: { code?: string; syscall?: string; path?: string; exitCode?: number; stdout?: string; stderr?: string };
}

export interface FailureContext {
  /** The command as a user would type it, e.g. `pulumi up --stack prod`. */
  readonly step: string;
  readonly stack: string;
  /** Whether the command may have changed resources before it failed. */
  readonly changed: boolean;
  /** Error diagnostics and failed resource steps from the engine's events, when there were events. */
  readonly diagnostics: readonly string[];
  /** The command prints decrypted secrets (`stack export --show-secrets`, `config --show-secrets`): its stdout is never shown. */
  readonly stdoutHoldsSecrets?: boolean;
}

const TAIL_LINES = 12;
/** Errors the program itself throws for a bad stack config: nothing was deployed, the user fixes config. */
const PROGRAM_CONFIG_ERRORS = /\b(ConfigError|PlanError|ResolutionError)\b/;

/**
 * Turns what the Automation API throws into one error a user can act on. A CommandError's message
 * is the whole stdout and stderr twice under "code: -2" (the SDK wraps the CLI's own failure a
 * second time); this keeps the failing step, the engine's error diagnostics and stderr's tail.
 */
export function explainPulumiFailure(error: unknown, context: FailureContext): Error {
  if (!(error instanceof Error)) return new Error(String(error));
  const call = (error as { commandResult?: FailedCall }).commandResult;
  if (!call) return error;
  const inner = call.err;
  if (inner?.code === "ENOENT" && inner.syscall?.startsWith("spawn") && /pulumi$/.test(inner.path ?? "")) return missingCli();
  const stderr = inner?.stderr ?? call.stderr ?? "";
  const stdout = inner?.stdout ?? call.stdout ?? "";
  const exit = inner?.exitCode !== undefined ? ` (exit ${inner.exitCode})` : "";
  const detail = [...context.diagnostics, ...tail(stderr)];
  const fallback = context.stdoutHoldsSecrets
    ? ["(no error output; its standard output is not shown, as it holds the stack's decrypted secrets)"]
    : tail(stdout);
  const shown = (detail.length > 0 ? detail : fallback).map((line) => `  ${line}`).join("\n");

  if (error.name === "ConcurrentUpdateError") {
    return new PulumiNothingChangedError(
      `${context.step} refused: stack ${context.stack} is locked by another update.\n${shown}\n` +
        `Fix: wait for that update to finish; if none is running (a killed run leaves its lock), run \`pulumi cancel --stack ${context.stack}\`, then rerun`,
    );
  }
  if (error.name === "StackNotFoundError") {
    return new PulumiNothingChangedError(`${context.step} failed: stack ${context.stack} does not exist in this backend.\n${shown}`);
  }
  const programConfigError = PROGRAM_CONFIG_ERRORS.test(`${context.diagnostics.join("\n")}\n${stderr}\n${stdout}`);
  const message = `${context.step} failed${exit}${context.changed ? " after changing resources" : ""}:\n${shown}`;
  if (programConfigError && !context.changed)
    return new PulumiNothingChangedError(`${message}\nFix: correct the stack config as the program says above; nothing was deployed`);
  return context.changed
    ? new PulumiRunError(`${message}\nFix: look at the stack (\`pulumi stack --stack ${context.stack}\`) before rerunning`)
    : new PulumiNothingChangedError(message);
}

export function missingCli(): PulumiNothingChangedError {
  return new PulumiNothingChangedError({
    summary: "the Pulumi CLI is not installed or not on PATH",
    fix:
      "install it (https://www.pulumi.com/docs/install/, e.g. `curl -fsSL https://get.pulumi.com | sh`), " +
      "log in to a state backend (`pulumi login` or `pulumi login file://<dir>`); or rehearse without it against a local sandbox: " +
      "run `cfct sandbox` in another terminal, then `cfct up --stack <env> --engine sandbox`",
  });
}

function tail(text: string): string[] {
  return text
    .split("\n")
    .map((line) => line.trimEnd())
    .filter((line) => line.trim() !== "")
    .slice(-TAIL_LINES);
}
