import { matchesStack } from "../domain/prod-stacks";

/**
 * How a stack's state encrypts its secrets, the token values among them:
 * - `kms`: a cloud key service (awskms://, azurekeyvault://, gcpkms://, hashivault://), which can log every decryption;
 * - `passphrase`: a key derived from PULUMI_CONFIG_PASSPHRASE;
 * - `service`: Pulumi Cloud's per-stack key;
 * - `other`: another secrets URL (e.g. a base64key:// key written in config).
 */
export type SecretsProviderKind = "kms" | "passphrase" | "service" | "other";

export interface SecretsProvider {
  readonly kind: SecretsProviderKind;
  /** The provider as the stack names it (a URL, `passphrase`, or Pulumi Cloud). */
  readonly name: string;
  /** Where that was read, or which default applies. */
  readonly source: string;
}

const KMS_SCHEMES = ["awskms", "azurekeyvault", "gcpkms", "hashivault"];

/**
 * The secrets provider Pulumi will use for a stack, in Pulumi's own order
 * (pkg/cmd/pulumi/stack/secrets.go, GetSecretsManager): the stack file's `secretsprovider` unless it
 * is `passphrase` or `default`; else `encryptionsalt` means a passphrase; else the backend's default
 * (passphrase on a DIY backend, Pulumi Cloud's key on Pulumi Cloud). `config` is the stack file as
 * parsed (undefined when there is none); `backend` undefined: none chosen yet.
 */
export function stackSecretsProvider(file: string, config: unknown, backend: string | undefined): SecretsProvider {
  const keys = (config ?? {}) as { secretsprovider?: unknown; encryptionsalt?: unknown };
  const named = typeof keys.secretsprovider === "string" ? keys.secretsprovider : "";
  if (named !== "" && named !== "passphrase" && named !== "default") {
    const scheme = /^([a-z0-9]+):\/\//i.exec(named)?.[1]?.toLowerCase() ?? "";
    return { kind: KMS_SCHEMES.includes(scheme) ? "kms" : "other", name: named, source: `${file}: secretsprovider` };
  }
  if (keys.encryptionsalt) return { kind: "passphrase", name: "passphrase", source: `${file}: encryptionsalt` };
  if (named === "passphrase") return { kind: "passphrase", name: "passphrase", source: `${file}: secretsprovider` };
  if (backend !== undefined && /^https?:\/\//.test(backend))
    return { kind: "service", name: "Pulumi Cloud", source: "Pulumi Cloud's default" };
  return {
    kind: "passphrase",
    name: "passphrase",
    source: backend === undefined ? "Pulumi's default once a DIY backend is chosen" : "Pulumi's default on a DIY backend",
  };
}

/** Prod stacks as the policy pack's config names them (see src/domain/prod-stacks.ts). */
export interface ProdStacks {
  readonly patterns: readonly string[];
  /** Where the list came from: a pack config file, or the pack's default. */
  readonly source: string;
}

/** In the shape of a `cfct doctor` finding: a warning always carries its fix. */
export interface SecretsProviderFinding {
  readonly status: "ok" | "warn";
  readonly detail: string;
  readonly fix?: string;
}

/** What `cfct doctor` says about a stack's secrets provider: who can read the token values, and a warning for a passphrase on prod. */
export function secretsProviderFinding(stack: string, provider: SecretsProvider, prod: ProdStacks): SecretsProviderFinding {
  const said = `secrets provider of stack ${stack}: ${provider.name} (${provider.source})`;
  const readers = {
    kms: "token values in its state decrypt only with that key; the key service's audit log records each use",
    service: "token values in its state decrypt with Pulumi Cloud's per-stack key, for members allowed to read the stack",
    other: "token values in its state decrypt with that key, and its provider keeps no audit log cfct knows of",
    passphrase: "anyone who holds the passphrase and can read the state can decrypt every token value, and nothing records it",
  }[provider.kind];
  if (provider.kind === "passphrase" && matchesStack(stack, prod.patterns)) {
    return {
      status: "warn",
      detail: `${said}: ${readers}. Stack ${stack} is a prod stack for the policy pack (${prod.source})`,
      fix:
        `move it to a KMS secrets provider with audit logs, e.g. \`pulumi stack change-secrets-provider --stack ${stack} "awskms://alias/cfct?region=us-east-1"\` ` +
        "(or azurekeyvault://, gcpkms://, hashivault://), then commit its stack file",
    };
  }
  return { status: "ok", detail: `${said}: ${readers}` };
}
