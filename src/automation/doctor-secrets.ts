import { readFileSync } from "node:fs";
import { z } from "zod";
import { PROD_STACKS, PROD_STACKS_KEY, PROD_STACKS_POLICY } from "../domain/prod-stacks";
import { secretsProviderOf } from "./pulumi-environment";
import { secretsProviderFinding, type ProdStacks, type SecretsProviderFinding } from "./secrets-provider";
import { NothingChangedError } from "../domain/run-errors";

/**
 * `cfct doctor`'s secrets-provider finding for a Pulumi stack: which provider encrypts the token
 * values in its state, and a warning when a prod stack (as the policy pack's config names them)
 * keeps them with a passphrase. Reads the stack file, the backend setting and the pack configs only.
 */
export function secretsProviderCheck(options: {
  readonly projectDir: string;
  /** As given to --stack (maybe qualified, org/prod); `name` is the stack's own name, which the pack matches. */
  readonly stack: string;
  readonly name: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The `--policy-pack-config` files, absolute. */
  readonly policyPackConfigs?: readonly string[];
}): SecretsProviderFinding {
  const provider = secretsProviderOf(options.projectDir, options.stack, options.env);
  return secretsProviderFinding(options.name, provider, prodStacksOf(options.policyPackConfigs ?? []));
}

const prodListSchema = z.object({ [PROD_STACKS_POLICY]: z.object({ [PROD_STACKS_KEY]: z.array(z.string()).optional() }).optional() });

/** The prod stacks named by the `ip-filter-required` policy's `requireForStacks` in the pack configs, or its default. */
export function prodStacksOf(configFiles: readonly string[]): ProdStacks {
  const named = configFiles.flatMap((file) => {
    let config: unknown;
    try {
      config = JSON.parse(readFileSync(file, "utf8"));
    } catch (error) {
      throw new NothingChangedError(
        {
          summary: `--policy-pack-config ${file} is not readable JSON (${(error as Error).message})`,
          fix: "point it at the pack's config file",
        },
        { cause: error },
      );
    }
    // A policy's entry is an enforcement level ("advisory") or an object of its settings.
    const stacks = prodListSchema.safeParse(config).data?.[PROD_STACKS_POLICY]?.[PROD_STACKS_KEY];
    return stacks ? [{ file, stacks }] : [];
  });
  if (named.length === 0)
    return { patterns: PROD_STACKS, source: `${PROD_STACKS_POLICY} ${PROD_STACKS_KEY}, default ${JSON.stringify(PROD_STACKS)}` };
  return {
    patterns: named.flatMap((n) => n.stacks),
    source: named.map((n) => `${PROD_STACKS_POLICY} ${PROD_STACKS_KEY} in ${n.file}`).join(", "),
  };
}
