import { existsSync } from "node:fs";
import { parseRequestBudget, requestBudgetProblem, type RequestBudget } from "../cloudflare/pacing";
import { ConfigError, keyPath } from "./schema";
import { readStackFile, stackFilePath } from "./stack-file";

/**
 * The stack file's `rateBudget`, when it sets one: read before a command builds its Cloudflare
 * clients, which pace every request by it. A stack file that is missing or unreadable here says
 * nothing about the budget; the command's own reading of the stack reports it.
 */
export function stackRateBudget(projectDir: string, stack: string): RequestBudget | undefined {
  const file = stackFilePath(projectDir, stack);
  if (!existsSync(file)) return undefined;
  const raw = readStackFile(file).projectConfig.rateBudget;
  if (raw === undefined) return undefined;
  const problem =
    typeof raw === "string" ? requestBudgetProblem(raw) : "is not a string. Fix: write it as <requests>/<seconds>, e.g. 4000/300";
  if (problem) throw new ConfigError(file, [{ path: keyPath(["rateBudget"]), value: raw, message: problem }]);
  return parseRequestBudget(raw as string, keyPath(["rateBudget"]));
}
