import { z } from "zod";
import { isLoopbackHost } from "../../cloudflare/http";

/** Conventional environment-variable names only: a lower-case or punctuated string is far more likely a pasted secret. */
export const ENV_NAME = /^[A-Z_][A-Z0-9_]{0,127}$/;

/** The NAME of an environment variable that holds a secret. The secret itself never goes in stack config. */
export const envVarName = (example: string) =>
  z.string({ error: required(`name the environment variable that holds the secret, e.g. ${example}`) }).regex(ENV_NAME, {
    error: `is not the name of an environment variable. Fix: put the secret in an environment variable and write only its name here (upper case, digits, _), e.g. ${example}; a secret never goes in stack config`,
  });

/** zod's message for a missing or non-string value, in the schema's "what is wrong. Fix: ..." form. */
export function required(fix: string) {
  return (issue: { input?: unknown }) => (issue.input === undefined ? `is required. Fix: ${fix}` : `must be a string. Fix: ${fix}`);
}

/** An https URL, or http to a loopback address (a local receiver or stub). No credentials in it. */
export const endpointUrl = z.string({ error: required("write the full https:// URL") }).superRefine((value, ctx) => {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    ctx.addIssue({ code: "custom", message: "is not an absolute URL. Fix: write it in full, e.g. https://bridge.example.com/cfct" });
    return;
  }
  if (url.username || url.password) {
    ctx.addIssue({
      code: "custom",
      message:
        "carries credentials (user:password@). Fix: remove them; put secrets in environment variables and name them in the *Env keys",
    });
  }
  if (url.protocol === "http:" && !isLoopbackHost(url.hostname)) {
    ctx.addIssue({
      code: "custom",
      message: `uses plain http to ${url.hostname}, so the token would cross the network unencrypted. Fix: use https (http is allowed only for localhost, 127.0.0.1 or [::1])`,
    });
  } else if (url.protocol !== "http:" && url.protocol !== "https:") {
    ctx.addIssue({ code: "custom", message: `uses ${url.protocol.replace(/:$/, "")}, not https. Fix: use an https:// URL` });
  }
  if (url.hash) ctx.addIssue({ code: "custom", message: "has a #fragment, which is never sent. Fix: remove it" });
});

/** The URL without query or fragment: what outcomes and messages show. */
export function displayUrl(value: string): string {
  const url = new URL(value);
  return `${url.origin}${url.pathname}`;
}

/** Config keys whose value names an environment variable holding a secret (never the secret itself). */
export const SECRET_ENV_KEYS: readonly string[] = ["secretEnv", "apiKeyEnv", "appKeyEnv"];

/** `[key path, variable name]` of every secret-name key (SECRET_ENV_KEYS) anywhere in `config`. */
export function secretEnvEntries(config: unknown, prefix = ""): [string, string][] {
  if (Array.isArray(config)) return config.flatMap((item, i) => secretEnvEntries(item, `${prefix}${i}.`));
  if (config === null || typeof config !== "object") return [];
  return Object.entries(config).flatMap(([key, value]): [string, string][] =>
    SECRET_ENV_KEYS.includes(key) && typeof value === "string" ? [[`${prefix}${key}`, value]] : secretEnvEntries(value, `${prefix}${key}.`),
  );
}

/**
 * Prefixes of variables that hold credentials of the tools cfct runs with (the provisioner, Pulumi's
 * backend, the CI's cloud and forge): a registrar must never be pointed at one, or a stack-file
 * change would send that credential to the registrar's host. One list, so every registrar's
 * secret-name key can refuse the same names.
 */
export const CREDENTIAL_ENV_PREFIXES: readonly string[] = [
  "CLOUDFLARE_",
  "PULUMI_",
  "AWS_",
  "AZURE_",
  "ARM_",
  "GOOGLE_",
  "GCP_",
  "GITHUB_",
  "ACTIONS_",
  "CFCT_REHEARSAL_",
];

/** The credential-class prefix `name` starts with, if any. */
export function credentialClassPrefix(name: string): string | undefined {
  return CREDENTIAL_ENV_PREFIXES.find((prefix) => name.startsWith(prefix));
}

/** envVarName, refusing a credential-class variable (CREDENTIAL_ENV_PREFIXES). */
export const secretEnvName = (example: string) =>
  envVarName(example).superRefine((value, ctx) => {
    const prefix = credentialClassPrefix(value);
    if (prefix) {
      ctx.addIssue({
        code: "custom",
        message: `names a ${prefix}* variable, which holds a credential of the tools cfct runs with; registering would send that credential to the platform. Fix: put this secret in a variable of its own, e.g. ${example}`,
      });
    }
  });
