import { z } from "zod";
import { tokenOutputSchema } from "../domain/token-output";
import type { Settings } from "../config/schema";
import type { TokenOwner } from "../domain/owner";
import { type TokenGenerations } from "../domain/generation";

/**
 * The engine boundary: run the Pulumi program for one stack and report what it did. Production is
 * the Automation API with the Pulumi CLI; the rehearsal engine runs the same program under mocks
 * against the Cloudflare API sandbox.
 */
export interface StackEngine {
  /** Shown on every run, e.g. "engine: pulumi (Automation API)" or "engine: sandbox (rehearsal)". */
  readonly label: string;
  /** What a deploy would change; `tokens` only when the engine can know the resulting tokens before deploying. */
  preview(): Promise<PreviewResult>;
  up(): Promise<EngineResult>;
  destroy(): Promise<EngineResult>;
  /** Tokens as the last deployment left them (the stack's outputs), without values. */
  outputs(): Promise<DeployedToken[]>;
  /**
   * A token's value, read from the stack's state: the secret `value` of the ComplianceToken's child
   * token resource (no stack output carries one). Kept in memory; only a registrar may receive it.
   */
  tokenValue(logicalName: string): Promise<string | undefined>;
  /** The stack's settings as the program will see them (stack file plus what cfct stored for it). */
  settings(): Promise<Settings>;
  /** Records token generations in the stack's config: the rotation state, stored with the stack. */
  saveGenerations(generations: TokenGenerations): Promise<void>;
  /** `pulumi config set` of one of cfct's keys (JSON value), layered over the stack file from the next run on. */
  setConfig(key: string, value: unknown): Promise<void>;
  /**
   * The names of token creates sent and not yet recorded, when the engine can tell (the rehearsal's
   * state can; Pulumi records its own as pending operations): what an interruption now would leave.
   * Undefined, or absent, when it cannot tell.
   */
  inFlight?(): readonly string[] | undefined;
}

/**
 * A token an interrupted earlier run created but never recorded, deleted by this run: engines report
 * each as they delete it (`onCleanup`), so the run's evidence says so even if the run fails later.
 */
export interface CleanedUpToken {
  readonly id: string;
  readonly name: string;
  readonly owner: TokenOwner;
}

/** `replace`: a new resource took the old one's place in one deploy (a new token and value). */
export type ChangeOp = "create" | "update" | "replace" | "delete" | "same";

export interface ResourceChange {
  readonly logicalName: string;
  readonly op: ChangeOp;
}

export interface EngineResult {
  readonly changes: readonly ResourceChange[];
  readonly tokens: readonly DeployedToken[];
}

export interface PreviewResult {
  readonly changes: readonly ResourceChange[];
  readonly tokens?: readonly DeployedToken[];
}

export interface DeployedToken extends Omit<z.infer<typeof tokenOutputSchema>, "expiresOn"> {
  readonly logicalName: string;
  readonly expiresOn: string | null;
}

/**
 * The stack output that carried every token value before values were read from the state. A stack
 * last deployed by such a version still has it until its next `up`, which drops it.
 */
export const LEGACY_VALUES_OUTPUT = "tokenValues";

const stackOutputsSchema = z.object({ tokens: z.record(z.string(), tokenOutputSchema).default({}) });

/** The stack's token records by logical name (its `tokens` output); any other output, `tokenValues` of older stacks included, is not read. */
export function readTokenOutputs(outputs: unknown): DeployedToken[] {
  const parsed = stackOutputsSchema.parse(outputs ?? {});
  return Object.entries(parsed.tokens).map(([logicalName, token]): DeployedToken => ({
    ...token,
    logicalName,
    expiresOn: token.expiresOn ?? null,
  }));
}
