/**
 * Which stacks are prod. The policy pack's "mandatory on prod" rule (ip-filter-required) decides it
 * by its `requireForStacks` config, defaulting to these; `cfct doctor` asks the same question of the
 * same config, so both call the same stacks prod.
 */
export const PROD_STACKS = ["prod"] as const;

/** The pack-config key and policy whose list names the prod stacks. */
export const PROD_STACKS_POLICY = "ip-filter-required";
export const PROD_STACKS_KEY = "requireForStacks";

/** Does a stack name match one of the patterns? A pattern may be fully qualified (org/project/prod); URNs carry only the stack name. */
export function matchesStack(stack: string | undefined, patterns: readonly string[]): boolean {
  return stack !== undefined && patterns.some((pattern) => pattern === stack || pattern.split("/").pop() === stack);
}
