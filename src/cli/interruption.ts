import { constants } from "node:os";
import type { StackEngine } from "../automation/engine";

const SIGNALS = ["SIGINT", "SIGTERM"] as const;

/**
 * Until the returned function is called, Ctrl-C (SIGINT) or SIGTERM makes cfct say what it
 * interrupted, then exit with 128 + the signal's number (130 for Ctrl-C), as a shell expects.
 * A second signal exits at once.
 */
export function sayWhatWasInterrupted(describe: (signal: NodeJS.Signals) => string): () => void {
  let interrupted = false;
  const handler = (signal: NodeJS.Signals) => {
    if (!interrupted) {
      interrupted = true;
      process.stderr.write(`cfct: ${describe(signal)}\n`);
    }
    process.exit(128 + constants.signals[signal]);
  };
  for (const signal of SIGNALS) process.on(signal, handler);
  return () => {
    for (const signal of SIGNALS) process.off(signal, handler);
  };
}

/** The message: the command, its last step, the token creates in flight and what the next run does about them. */
export function interruptionMessage(
  signal: NodeJS.Signals,
  run: { readonly command: string; readonly stack: string; readonly lastStep?: string },
  engine: Pick<StackEngine, "inFlight">,
): string {
  const again = `cfct ${run.command} --stack ${run.stack}`;
  const inFlight = engine.inFlight?.();
  const creates =
    inFlight === undefined
      ? "The Pulumi update was asked to stop too: a token create it had in flight stays pending in the stack's state, and the next `cfct up` deletes such a token (nobody holds its value) and records that in its evidence."
      : inFlight.length > 0
        ? `${inFlight.length} token create(s) were in flight: ${inFlight.join(", ")}. Nobody will hold their values: the next \`cfct up --stack ${run.stack}\` deletes those tokens and records that in its evidence.`
        : "No token create was in flight.";
  return [
    `interrupted (${signal}) during \`${again}\`${run.lastStep ? `, after: ${run.lastStep}` : ""}.`,
    creates,
    `This run wrote no evidence record. Run \`${again}\` again to finish: it resumes where this one stopped.`,
  ].join(" ");
}
