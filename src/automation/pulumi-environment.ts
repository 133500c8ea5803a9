import { accessSync, constants, existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import path from "node:path";
import { parse as parseYaml } from "yaml";
import { stackFilePath } from "../config/stack-file";
import { PulumiNothingChangedError, missingCli } from "./pulumi-errors";
import { secretEnvEntries } from "../config/registration/fields";
import { stackSecretsProvider, type SecretsProvider } from "./secrets-provider";
import { childEnv } from "../process/child-env";

type Env = Readonly<Record<string, string | undefined>>;

/** The variable Pulumi's Cloudflare provider reads its credential from, and cfct's default for the provisioner credential. */
export const PROVIDER_TOKEN_ENV = "CLOUDFLARE_API_TOKEN";
/** The provider's other credentials: with one of these beside the token, it would not use (only) the provisioner. */
const OTHER_PROVIDER_CREDENTIALS = ["CLOUDFLARE_API_KEY", "CLOUDFLARE_EMAIL", "CLOUDFLARE_API_USER_SERVICE_KEY"];

/**
 * Refuses, before any Pulumi command, what would make Pulumi fail or run against the wrong state or
 * with the wrong key: no `pulumi` on PATH, an empty passphrase (an unset CI secret expands to "",
 * which Pulumi accepts as a passphrase), an empty backend URL, no backend at all, or a
 * passphrase-encrypted stack without a passphrase. `cfct doctor` reports each part on its own.
 */
export function checkPulumiEnvironment(projectDir: string, stack: string, env: Env): void {
  // The Automation API runs `pulumi` from this process's PATH.
  if (!pulumiOnPath()) throw missingCli();
  const backend = stateBackend(projectDir, env);
  if (backend instanceof Error) throw backend;
  const secrets = secretsProvider(projectDir, stack, backend, env);
  if (secrets instanceof Error) throw secrets;
}

/** Where `pulumi` is on this process's PATH, if it is. */
export function pulumiOnPath(): string | undefined {
  return (process.env["PATH"] ?? "")
    .split(path.delimiter)
    .map((dir) => path.join(dir || ".", "pulumi"))
    .find((file) => isExecutable(file));
}

/** The state backend Pulumi will use, or why there is none it can use. */
export function stateBackend(projectDir: string, env: Env): string | PulumiNothingChangedError {
  for (const name of ["PULUMI_CONFIG_PASSPHRASE", "PULUMI_BACKEND_URL"] as const) {
    if (env[name] === "") {
      return new PulumiNothingChangedError({
        summary: `${name} is set but empty (an unset CI secret expands to ""), and Pulumi would take it as given`,
        fix: `set ${name} to ${name === "PULUMI_BACKEND_URL" ? "the state backend, e.g. s3://acme-pulumi-state/cfct" : "the stack's passphrase"}, or unset it`,
      });
    }
  }
  const backend = backendUrl(projectDir, env);
  if (!backend) {
    return new PulumiNothingChangedError({
      summary:
        "no Pulumi state backend: PULUMI_BACKEND_URL is not set, Pulumi.yaml has no backend.url, and `pulumi login` has not been run",
      fix: "export PULUMI_BACKEND_URL (e.g. s3://acme-pulumi-state/cfct, or file://<dir> to try it out), or run `pulumi login`",
    });
  }
  return backend;
}

/** How the stack keeps its secrets (the token values), or why Pulumi could not open them. */
export function secretsProvider(projectDir: string, stack: string, backend: string, env: Env): string | PulumiNothingChangedError {
  const hasPassphrase = env["PULUMI_CONFIG_PASSPHRASE"] !== undefined || Boolean(env["PULUMI_CONFIG_PASSPHRASE_FILE"]);
  const file = stackFilePath(projectDir, stack);
  const provider = stackSecretsProvider(file, readYaml(file), backend);
  if (provider.kind === "passphrase") {
    if (hasPassphrase)
      return `passphrase (${env["PULUMI_CONFIG_PASSPHRASE"] !== undefined ? "PULUMI_CONFIG_PASSPHRASE" : "PULUMI_CONFIG_PASSPHRASE_FILE"} is set)`;
    return new PulumiNothingChangedError({
      summary: `PULUMI_CONFIG_PASSPHRASE is not set, and stack ${stack} keeps its secrets (the token values) with a passphrase on ${redactUrl(backend)}`,
      fix: "export PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE) with the stack's passphrase",
    });
  }
  return provider.kind === "service"
    ? `the service backend's own (${redactUrl(backend)})`
    : `${redactUrl(provider.name.split("?")[0]!)} (${provider.source})`;
}

/** The secrets provider Pulumi will use for the stack: from its stack file and the backend (see stackSecretsProvider). */
export function secretsProviderOf(projectDir: string, stack: string, env: Env): SecretsProvider {
  const file = stackFilePath(projectDir, stack);
  return stackSecretsProvider(file, readYaml(file), backendUrl(projectDir, env));
}

/** The backend Pulumi will use: PULUMI_BACKEND_URL, then Pulumi.yaml's backend.url, then the current `pulumi login`. */
function backendUrl(projectDir: string, env: Env): string | undefined {
  if (env["PULUMI_BACKEND_URL"]) return env["PULUMI_BACKEND_URL"];
  const project = readYaml(path.join(projectDir, "Pulumi.yaml")) as { backend?: { url?: unknown } } | undefined;
  if (typeof project?.backend?.url === "string" && project.backend.url) return project.backend.url;
  if (env["PULUMI_ACCESS_TOKEN"]) return "https://api.pulumi.com";
  const home = env["PULUMI_HOME"] || path.join(env["HOME"] || homedir(), ".pulumi");
  const credentials = readJson(path.join(home, "credentials.json")) as { current?: unknown } | undefined;
  return typeof credentials?.current === "string" && credentials.current ? credentials.current : undefined;
}

/**
 * What Pulumi, its plugins and policy packs may see of cfct's environment, beyond the base set every
 * child gets (src/process/child-env.ts): Pulumi's own settings and backend credentials, the cloud
 * credentials a state backend or KMS secrets provider reads, and Node's and TLS's settings.
 * Everything else (cfct's CFCT_* variables, registrars' secrets, the forge's GITHUB_TOKEN, any other
 * credential of the shell) is withheld.
 */
const PULUMI_ALLOW = {
  names: [
    "NODE_OPTIONS",
    "NODE_EXTRA_CA_CERTS",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "GOOGLE_APPLICATION_CREDENTIALS",
    "VAULT_ADDR",
    "VAULT_TOKEN",
  ],
  prefixes: ["PULUMI_", "AWS_", "AZURE_", "ARM_", "GOOGLE_", "GCP_", "CLOUDSDK_"],
} as const;

/**
 * The environment the Pulumi process gets: an allow-list. The Automation API starts `pulumi` with
 * our whole environment plus these entries, so every variable outside PULUMI_ALLOW (and every
 * registrar secret and the provisioner's own variable, whatever their names) is listed as undefined,
 * which leaves it out of the child's environment; the provisioner credential goes under the name
 * the provider reads.
 */
export function pulumiProcessEnv(options: {
  provisionerToken: string;
  provisionerTokenEnv: string;
  secretEnvNames: readonly string[];
  env: Env;
}): Record<string, string> {
  const allowed = childEnv(PULUMI_ALLOW, { ...process.env, ...options.env });
  for (const name of [...options.secretEnvNames, options.provisionerTokenEnv]) delete allowed[name];
  const withheld = [
    ...new Set([...Object.keys(process.env), ...Object.keys(options.env), ...options.secretEnvNames, ...OTHER_PROVIDER_CREDENTIALS]),
  ]
    .filter((name) => !(name in allowed))
    .map((name) => [name, undefined]);
  // LocalWorkspace types its envVars as strings; an undefined entry is how a variable is withheld.
  return { ...Object.fromEntries(withheld), [PROVIDER_TOKEN_ENV]: options.provisionerToken } as Record<string, string>;
}

/** Names of the environment variables a stack's config says hold secrets (`secretEnv`, `apiKeyEnv`, `appKeyEnv`). */
export function secretEnvNamesIn(config: unknown): string[] {
  return secretEnvEntries(config).map(([, name]) => name);
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, "//(credentials)@");
}

function readYaml(file: string): unknown {
  if (!existsSync(file)) return undefined;
  try {
    return parseYaml(readFileSync(file, "utf8"));
  } catch {
    return undefined;
  }
}

function readJson(file: string): unknown {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch {
    return undefined;
  }
}
