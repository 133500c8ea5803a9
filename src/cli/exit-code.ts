import type { Command } from "commander";
import { EXIT } from "./errors";

/** Each parsed program's exit code, as its command's action returned it. */
const exitCodes = new WeakMap<Command, number>();

/**
 * A command's action that returns its exit code. Commander drops what an action returns, so this
 * keeps it for main (exitCodeOf), which alone sets the process's exit code. A command that can
 * only succeed or throw (plan, platforms, sandbox) needs none: it exits 0, or as its error says.
 */
export function returnsExitCode<Args extends unknown[]>(run: (...args: Args) => number | Promise<number>) {
  return async function (this: Command, ...args: Args): Promise<void> {
    exitCodes.set(rootOf(this), await run(...args));
  };
}

function rootOf(command: Command): Command {
  return command.parent ? rootOf(command.parent) : command;
}

/** The exit code the action `program` ran returned; 0 when it ran none that returns one (help, plan, ...). */
export function exitCodeOf(program: Command): number {
  return exitCodes.get(program) ?? EXIT.ok;
}
