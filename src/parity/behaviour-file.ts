import fs from "node:fs";
import { z } from "zod";
import { BEHAVIOURS, RENAMED_BEHAVIOURS, type BehaviourName, type BehaviourOverrides } from "../sandbox/behaviours";
import { CfctError } from "../domain/cfct-error";

/**
 * A behaviour file: how one Cloudflare (an account, on a date, at an API host) behaved where the
 * sandbox can behave more than one way. `cfct sandbox-parity` writes one from the real API;
 * `cfct sandbox --behaviour-file` makes the sandbox behave as it says. The repository ships the file
 * the sandbox's defaults come from, with each value's public sources, so a recorded file can be
 * diffed against it.
 */

const BEHAVIOUR_NAMES = Object.keys(BEHAVIOURS) as BehaviourName[];

/** What one answer showed: never a token value (messages are scrubbed before they get here). */
const evidenceSchema = z.strictObject({
  request: z.string().min(1),
  status: z.number().int(),
  code: z.number().int().optional(),
  message: z.string().optional(),
  /** A fact read off the answer (an order, a header), when status and message do not say it. */
  observed: z.string().optional(),
});
export type Evidence = z.infer<typeof evidenceSchema>;

const behaviourRecordSchema = z.strictObject({
  /** The value the sandbox takes for this behaviour. */
  value: z.string(),
  /** True when the API answered and the value was read off it; false keeps the default, with the reason. */
  measured: z.boolean(),
  evidence: z.array(evidenceSchema).default([]),
  /** Public sources (issue threads, documentation pages) behind a value that was not measured here. */
  sources: z.array(z.string()).default([]),
  note: z.string().optional(),
});
export type BehaviourRecord = z.infer<typeof behaviourRecordSchema>;

export const behaviourFileSchema = z
  .strictObject({
    kind: z.literal("cfct-behaviour-file"),
    version: z.literal(1),
    recordedAt: z.iso.datetime(),
    /** The API host the behaviours were read from (no path, no credentials). */
    apiHost: z.string().min(1),
    behaviours: z.record(z.string(), behaviourRecordSchema),
    /** Facts that are not sandbox behaviours but a user may want to compare (rate-limit header shapes, roles). */
    observations: z.record(z.string(), z.string()).default({}),
    /** Every request the recording made, in order: method, path (IDs kept, values never), status. */
    calls: z.array(z.strictObject({ method: z.string(), path: z.string(), status: z.number().int().nullable() })).default([]),
  })
  .superRefine((file, ctx) => {
    for (const [name, record] of Object.entries(file.behaviours)) {
      const behaviour = BEHAVIOURS[name as BehaviourName];
      if (!behaviour) {
        ctx.addIssue({
          code: "custom",
          path: ["behaviours", name],
          message: `is not a sandbox behaviour. Fix: use one of ${BEHAVIOUR_NAMES.join(", ")}`,
        });
      } else if (!(behaviour.values as readonly string[]).includes(record.value)) {
        ctx.addIssue({
          code: "custom",
          path: ["behaviours", name, "value"],
          message: `"${record.value}" is not a value of ${name}. Fix: use one of ${behaviour.values.join(", ")}`,
        });
      }
    }
  });
export type BehaviourFile = z.infer<typeof behaviourFileSchema>;

/** A behaviour file that cannot be used; the message names the file, the key and the fix. */
export class BehaviourFileError extends CfctError {
  override name = "BehaviourFileError";
}

export function parseBehaviourFile(input: unknown, origin: string): BehaviourFile {
  const parsed = behaviourFileSchema.safeParse(withRenamedBehaviours(input));
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => `  ${i.path.length > 0 ? i.path.join(".") : "(top level)"}: ${i.message}`).join("\n");
  throw new BehaviourFileError(`${origin} is not a behaviour file cfct can use:\n${issues}`);
}

export function readBehaviourFile(file: string): BehaviourFile {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (error) {
    throw new BehaviourFileError({
      summary: `behaviour file ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? "error"})`,
      fix: "check the path",
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new BehaviourFileError({
      summary: `behaviour file ${file} is not JSON (${(error as Error).message})`,
      fix: "pass a file written by cfct sandbox-parity",
    });
  }
  return parseBehaviourFile(json, `behaviour file ${file}`);
}

/**
 * A file recorded under a behaviour's old name is read under its new one. A value that was measured
 * keeps its meaning (RENAMED_BEHAVIOURS maps it); one that was not ("sandbox default kept") takes
 * the current default, as it would have had it been recorded today. The note says which.
 */
function withRenamedBehaviours(input: unknown): unknown {
  const behaviours = (input as { behaviours?: unknown } | null)?.behaviours;
  if (behaviours === null || typeof behaviours !== "object") return input;
  const migrated: Record<string, unknown> = { ...(behaviours as Record<string, unknown>) };
  for (const [old, renamed] of Object.entries(RENAMED_BEHAVIOURS)) {
    const record = migrated[old] as { value?: unknown; measured?: unknown; note?: unknown } | undefined;
    if (record === undefined) continue;
    delete migrated[old];
    if (migrated[renamed.now] !== undefined) continue;
    const measured = record.measured === true;
    const value = measured ? (renamed.values[String(record.value)] ?? record.value) : BEHAVIOURS[renamed.now].default;
    migrated[renamed.now] = {
      ...record,
      value,
      note: `recorded as ${old}=${String(record.value)}${measured ? "" : " (not measured)"}, read as ${renamed.now}=${String(value)}${measured ? "" : ", the current default"}${typeof record.note === "string" ? `; ${record.note}` : ""}`,
    };
  }
  return { ...(input as object), behaviours: migrated };
}

/** The sandbox options a behaviour file stands for: every value it records, measured or kept. */
export function behaviourOverrides(file: BehaviourFile): BehaviourOverrides {
  return Object.fromEntries(Object.entries(file.behaviours).map(([name, record]) => [name, record.value])) as BehaviourOverrides;
}

export interface BehaviourDifference {
  readonly name: string;
  readonly ours: string | undefined;
  readonly theirs: string | undefined;
  /** Their evidence, to show next to our value. */
  readonly evidence: readonly Evidence[];
}

/** Behaviours whose values differ between two files (`ours` is usually the shipped defaults). */
export function diffBehaviourFiles(ours: BehaviourFile, theirs: BehaviourFile): BehaviourDifference[] {
  const names = [...new Set([...Object.keys(ours.behaviours), ...Object.keys(theirs.behaviours)])].sort();
  return names.flatMap((name) => {
    const a = ours.behaviours[name]?.value;
    const b = theirs.behaviours[name]?.value;
    return a === b ? [] : [{ name, ours: a, theirs: b, evidence: theirs.behaviours[name]?.evidence ?? [] }];
  });
}
