import { distance } from "fastest-levenshtein";
import { CONFIG_NAMESPACE, NOT_SHOWN, type ConfigProblem } from "./schema";

/** Pulumi's Cloudflare provider reads its credential from these keys, or from the environment. */
const PROVIDER_NAMESPACE = "cloudflare";
const PROVIDER_CREDENTIAL_KEYS = new Set(["apiToken", "apiKey", "apiUserServiceKey"]);

/** A value that reads like a credential: a Pulumi-encrypted secret, or a long unbroken run of key characters. */
function looksSecret(value: unknown): boolean {
  if (value !== null && typeof value === "object" && "secure" in value) return true;
  return typeof value === "string" && /^[A-Za-z0-9_\-+/=]{32,}$/.test(value);
}

/**
 * Problems with the keys of a stack file's `config:` map outside this project's namespace, which
 * would otherwise pass silently: a namespace one typo away from ours (its keys would be ignored),
 * and a provider credential, which must come from the environment (CLOUDFLARE_API_TOKEN) so that
 * a stack file, committed to git, never holds one. Values of credential keys are never shown.
 */
export function foreignKeyProblems(config: Record<string, unknown>): ConfigProblem[] {
  return Object.entries(config).flatMap(([key, value]): ConfigProblem[] => {
    const colon = key.indexOf(":");
    if (colon < 0) return [];
    const namespace = key.slice(0, colon);
    const name = key.slice(colon + 1);
    if (namespace === PROVIDER_NAMESPACE && (PROVIDER_CREDENTIAL_KEYS.has(name) || looksSecret(value))) {
      return [
        {
          path: key,
          value: NOT_SHOWN,
          message:
            "is a provider credential in a stack file, which is committed with the code. Fix: delete this key (and revoke the credential if it was ever committed); " +
            "cfct and the provider read the credential from the environment variable CLOUDFLARE_API_TOKEN (or the one named by --provisioner-token-env)",
        },
      ];
    }
    if (namespace !== CONFIG_NAMESPACE && distance(namespace, CONFIG_NAMESPACE) <= 3) {
      return [
        {
          path: key,
          value: NOT_SHOWN,
          message: `is not read by cf-compliance-tokens: the namespace is "${namespace}". Fix: did you mean ${CONFIG_NAMESPACE}:${name}?`,
        },
      ];
    }
    return [];
  });
}
