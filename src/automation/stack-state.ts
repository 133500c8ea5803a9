import { z } from "zod";
import { COMPLIANCE_TOKEN_TYPE, TOKEN_RESOURCE_TYPES } from "../domain/resource-types";
import { NothingChangedError } from "../domain/run-errors";

/**
 * A stack's state as `pulumi stack export` writes it (Pulumi's apitype.UntypedDeployment around a
 * DeploymentV3: sdk/go/common/apitype/core.go), reduced to what cfct reads. Version 4 has the same
 * shape. Token values are read from here, in memory, never from stack outputs: outputs are what
 * `pulumi stack output`, StackReferences and CI actions hand on.
 */
const resourceSchema = z.object({
  urn: z.string(),
  type: z.string(),
  id: z.string().optional(),
  /** The parent's URN; absent for the root stack resource. */
  parent: z.string().optional(),
  /** A resource replaced in this deployment and waiting to be deleted: not the live one. */
  delete: z.boolean().optional(),
  inputs: z.record(z.string(), z.unknown()).optional(),
  outputs: z.record(z.string(), z.unknown()).optional(),
});

export const exportedStackSchema = z.object({
  deployment: z.object({
    resources: z.array(resourceSchema).nullish(),
    pending_operations: z.array(z.object({ resource: resourceSchema, type: z.string() })).nullish(),
  }),
});

export type DeploymentResource = z.infer<typeof resourceSchema>;

/** The resource whose outputs are the stack's outputs (pkg/resource/stack/checkpoint.go, GetRootStackResource). */
const ROOT_STACK_TYPE = "pulumi:pulumi:Stack";
/** Pulumi's signature key and its value for a secret (sdk/go/common/resource/sig/sig.go). */
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/** The stack's outputs and each ComplianceToken's value, read from one exported state. */
export interface StackState {
  /** The root stack resource's outputs, secrets revealed: what `pulumi stack output --show-secrets` shows. */
  readonly outputs: Record<string, unknown>;
  /** Token values by the ComplianceToken's logical name. Kept in memory; only a registrar may receive them. */
  readonly values: ReadonlyMap<string, string>;
}

/** Reads an export made with `--show-secrets` (the Automation API's `exportStack()`). */
export function readStackState(exported: unknown): StackState {
  const parsed = exportedStackSchema.safeParse(exported);
  if (!parsed.success) {
    const [issue] = parsed.error.issues;
    throw new NothingChangedError({
      summary: `the exported stack state is not a Pulumi deployment cfct can read (${issue?.message ?? "unknown shape"} at ${issue?.path.join(".") || "its top"})`,
      fix: "check that the Pulumi CLI is version 3 (`pulumi version`)",
    });
  }
  const resources = parsed.data.deployment.resources ?? [];
  const values = new Map<string, string>();
  for (const [logicalName, resource] of tokenResourcesOf(resources)) {
    const value = revealSecrets(resource.outputs?.["value"]);
    if (typeof value === "string") values.set(logicalName, value);
  }
  return { outputs: revealSecrets(rootStackOf(resources)?.outputs ?? {}) as Record<string, unknown>, values };
}

function rootStackOf(resources: readonly DeploymentResource[]): DeploymentResource | undefined {
  return resources.find((r) => r.type === ROOT_STACK_TYPE && !r.parent);
}

/**
 * Each ComplianceToken's token: the live `cloudflare.ApiToken` or `cloudflare.AccountToken` parented
 * to it under the component's own name (as the component declares it), keyed by that name. A token
 * of the same name elsewhere in the stack, or one replaced and awaiting deletion, is not it.
 */
export function tokenResourcesOf<R extends Pick<DeploymentResource, "urn" | "type" | "parent" | "delete">>(
  resources: readonly R[],
): Map<string, R> {
  const live = resources.filter((r) => !r.delete);
  const components = new Map(live.filter((r) => r.type === COMPLIANCE_TOKEN_TYPE).map((r) => [r.urn, nameOfUrn(r.urn)]));
  const tokenTypes: readonly string[] = Object.values(TOKEN_RESOURCE_TYPES);
  const selected = new Map<string, R>();
  for (const resource of live) {
    const component = resource.parent === undefined ? undefined : components.get(resource.parent);
    if (component !== undefined && tokenTypes.includes(resource.type) && nameOfUrn(resource.urn) === component) {
      selected.set(component, resource);
    }
  }
  return selected;
}

/** `urn:pulumi:<stack>::<project>::<type chain>::<name>`: the name is everything after the third `::`. */
export function nameOfUrn(urn: string): string {
  return urn.split("::").slice(3).join("::");
}

/**
 * Replaces Pulumi's secret envelopes with what they hold. An export shows a secret as
 * `{"<sig key>": "<secret sig>", "plaintext": "<the value as JSON>"}` with `--show-secrets`, and with
 * `ciphertext` instead without it: that one cannot be read here and is an error, never a value.
 */
export function revealSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(revealSecrets);
  if (value === null || typeof value !== "object") return value;
  const record = value as Record<string, unknown>;
  if (record[SIG_KEY] === SECRET_SIG) {
    if (typeof record["plaintext"] !== "string") {
      throw new NothingChangedError({
        summary: "the exported stack state holds a secret still encrypted (an export without --show-secrets)",
        fix: "read it with the Automation API's exportStack(), which shows secrets",
      });
    }
    return revealSecrets(parsePlaintext(record["plaintext"]));
  }
  return Object.fromEntries(Object.entries(record).map(([key, inner]) => [key, revealSecrets(inner)]));
}

/** JSON.parse's own error quotes the text it failed on: a secret's text must never reach a message. */
function parsePlaintext(plaintext: string): unknown {
  try {
    return JSON.parse(plaintext);
  } catch {
    throw new NothingChangedError({
      summary: "the exported stack state holds a secret whose plaintext is not JSON",
      fix: "check that the Pulumi CLI is version 3 (`pulumi version`)",
    });
  }
}
