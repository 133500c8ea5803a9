import { InvalidArgumentError } from "commander";
import { stackNameProblem } from "../config/stack-name";

/** Commander's parser of every --stack option: refuses before anything is read or written. */
export function parseStackName(value: string): string {
  const problem = stackNameProblem(value);
  if (problem) throw new InvalidArgumentError(`${problem}. Fix: pass the stack's name, e.g. --stack dev`);
  return value;
}
