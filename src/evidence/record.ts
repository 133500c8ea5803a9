import { z } from "zod";
import { scopeSchema, tokenOutputSchema, tokenOwnerSchema } from "../domain/token-output";
import { accessReviewSchema } from "./access-review";
import { CONTROLS, type ControlId } from "./control-catalog";

const checkSchema = z.object({
  id: z.string(),
  status: z.enum(["pass", "warn", "fail", "skip"]),
  detail: z.string(),
  remedy: z.string().optional(),
});

const registrationSchema = z.object({
  registrar: z.string(),
  status: z.enum(["registered", "handed-off", "failed"]),
  detail: z.string(),
  location: z.string().optional(),
  attempts: z.number().int(),
  at: z.string(),
});

export const evidenceTokenSchema = tokenOutputSchema.pick({ key: true, id: true, name: true, platform: true, owner: true, generation: true, resources: true }).extend({
  logicalName: z.string(),
  groups: z.array(z.object({ name: z.string(), scope: scopeSchema })),
  expiresOn: z.string().nullable(),
  ipFilter: z.object({ allowed: z.array(z.string()), denied: z.array(z.string()) }),
  change: z.enum(["create", "update", "replace", "delete", "same"]),
  verify: z
    .object({
      ok: z.boolean(),
      apiCalls: z.number().int(),
      checks: z.array(checkSchema),
      /** A token scoped to specific zones cannot list zones: the zones its platform must be given by name. */
      unlistedZones: z.array(z.string()).optional(),
    })
    .optional(),
  registration: registrationSchema.optional(),
});

export const rotationEventSchema = z.object({
  key: z.string(),
  at: z.string(),
  event: z.enum(["not-due", "successor-created", "successor-verified", "successor-registered", "waiting-for-pickup", "picked-up", "grace-ended", "old-expired", "old-revoked", "failed"]),
  generation: z.number().int().optional(),
  detail: z.string(),
});

/**
 * A token an earlier, interrupted run created but never recorded (its create was in flight when the
 * run was killed), which this run found by its planned name and deleted: nobody could hold its value.
 */
export const cleanupSchema = z.object({
  id: z.string(),
  name: z.string(),
  owner: tokenOwnerSchema,
  at: z.string(),
  detail: z.string(),
});

const SHA256 = /^[0-9a-f]{64}$/;

/**
 * The record's place in its stack's hash chain. `hash` is the SHA-256 of the record's canonical JSON
 * with `chain.hash` left out; `previous` is the hash of the record before it (null for the first).
 */
export const chainLinkSchema = z.object({
  sequence: z.number().int().min(1),
  previous: z.string().regex(SHA256).nullable(),
  hash: z.string().regex(SHA256),
});

const controlClaimSchema = z.object({
  control: z.enum(Object.keys(CONTROLS) as [ControlId, ...ControlId[]]),
  proves: z.string(),
});

/**
 * Which clock a record's times are on. A rehearsal's times come from its sandbox's clock, which the
 * control plane fast-forwards: they are not real time, and two sandboxes' clocks are not one clock.
 */
export const evidenceClockSchema = z.discriminatedUnion("source", [
  z.object({ source: z.literal("real") }),
  z.object({ source: z.literal("sandbox"), sandbox: z.string().min(1) }),
]);

/** One run of a cfct command, as an auditor reads it. Token values have no field here, by design. */
export const evidenceRecordSchema = z.object({
  schemaVersion: z.literal(1),
  command: z.enum(["up", "rotate", "destroy", "verify", "audit"]),
  stack: z.string(),
  engine: z.string(),
  commit: z.string().nullable(),
  startedAt: z.string(),
  finishedAt: z.string(),
  ok: z.boolean(),
  apiCalls: z.number().int(),
  tokens: z.array(evidenceTokenSchema),
  rotation: z.array(rotationEventSchema),
  problems: z.array(z.string()),
  /** Tokens left by an interrupted earlier run that this run deleted; absent when there were none. */
  cleanup: z.array(cleanupSchema).optional(),
  /** `cfct audit` only: the access review held. */
  review: accessReviewSchema.optional(),
  /** The run stopped on an error: before or after it had changed something. Absent for a run that finished. */
  stopped: z.object({ afterChange: z.boolean() }).optional(),
  /** What this record proves, per control. Absent in records written before controls were mapped. */
  controls: z.array(controlClaimSchema).optional(),
  /** Absent in records written before clocks were recorded: readers infer it from `engine` (src/evidence/period.ts). */
  clock: evidenceClockSchema.optional(),
  /** Absent in records written before the hash chain: `cfct evidence verify` reports those as unchained. */
  chain: chainLinkSchema.optional(),
});

/** What a command hands to writeEvidence: the chain link and the control claims are added there. Every new record names its clock. */
export type EvidenceContent = Omit<EvidenceRecord, "chain" | "controls" | "clock"> & { readonly clock: EvidenceClock };
export type EvidenceClock = z.infer<typeof evidenceClockSchema>;
export type ChainLink = z.infer<typeof chainLinkSchema>;

export type EvidenceRecord = z.infer<typeof evidenceRecordSchema>;
export type EvidenceToken = z.infer<typeof evidenceTokenSchema>;
export type RotationEvent = z.infer<typeof rotationEventSchema>;
export type CleanupEvidence = z.infer<typeof cleanupSchema>;
export type VerifyEvidence = NonNullable<EvidenceToken["verify"]>;
