import { UsageError } from "./errors";

/**
 * Why a credential read from the environment cannot be sent as it is, or undefined when it can. A
 * Cloudflare token has no whitespace: a line break at its end (`export T=$(cat file)` keeps none, a
 * file read another way or a pasted value may) would be refused by Cloudflare or, worse, trimmed by
 * one tool and not another. One rule everywhere: refuse it, never trim it and pass it on.
 */
export function credentialProblem(value: string): string | undefined {
  if (!/\s/.test(value)) return undefined;
  const where = /\s$/.test(value) ? "ends with" : /^\s/.test(value) ? "starts with" : "contains";
  const what = /[\r\n]/.test(value) ? "a line break" : "whitespace";
  return `${where} ${what}, which no Cloudflare token has, so cfct does not send it (the value is not shown)`;
}

/**
 * The credential in environment variable `variable`: refused, with the fix, when it is unset, empty
 * or carries whitespace. `flag` names the option that chose the variable.
 */
export function readCredential(
  env: Readonly<Record<string, string | undefined>>,
  variable: string,
  flag: string,
  purpose = "the provisioner credential (API Tokens Write and/or Account API Tokens Write, see README)",
): string {
  const value = env[variable];
  if (!value) {
    throw new UsageError({
      summary: `${variable} is not set`,
      fix: `export ${purpose} in ${variable}, or name another variable with ${flag}`,
    });
  }
  const problem = credentialProblem(value);
  if (problem) {
    throw new UsageError({
      summary: `${variable} ${problem}`,
      fix: `export it again without it, e.g. export ${variable}="$(tr -d '[:space:]' < token.txt)"`,
    });
  }
  return value;
}
