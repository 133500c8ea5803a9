import { type TokenPlan } from "../domain/plan";

/**
 * Where `cfct verify --stack` gets each planned token's value. The CLI reads environment variables;
 * the automation step supplies the values it reads from the stack's state through the same interface.
 * A value is a secret: implementations must never log or echo it.
 */
export interface TokenValueSource {
  /** The value of this planned token (this generation), or undefined when the source has none. */
  valueFor(plan: TokenPlan): string | undefined | Promise<string | undefined>;
  /** Where the value would come from, for messages (e.g. "environment variable CFCT_TOKEN_DRATA"). Never the value. */
  describe(plan: TokenPlan): string;
}

export const DEFAULT_TOKEN_ENV_PREFIX = "CFCT_TOKEN_";

/** `CFCT_TOKEN_` + the token key upper-cased, `-` → `_`: drata → CFCT_TOKEN_DRATA, ascera-417daa9d → CFCT_TOKEN_ASCERA_417DAA9D. */
export function envVarFor(prefix: string, key: string): string {
  return `${prefix}${key.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`;
}

/**
 * `<prefix><KEY>_G<n>` first, then `<prefix><KEY>`: during a rotation both generations of a key
 * exist, and each needs its own variable to be verified against its own plan.
 */
export function envTokenSource(prefix: string = DEFAULT_TOKEN_ENV_PREFIX, env: NodeJS.ProcessEnv = process.env): TokenValueSource {
  const perGeneration = (plan: TokenPlan) => `${envVarFor(prefix, plan.key)}_G${plan.generation}`;
  return {
    valueFor: (plan) => env[perGeneration(plan)] || env[envVarFor(prefix, plan.key)] || undefined,
    describe: (plan) => `environment variable ${envVarFor(prefix, plan.key)} (or ${perGeneration(plan)})`,
  };
}
