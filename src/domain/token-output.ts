import { z } from "zod";
import { SCOPES } from "./permission-group";

/*
 * The contract of the stack program's `tokens` output (src/program/program.ts writes it): the
 * engines read deployments back through it (src/automation/engine.ts) and evidence records embed
 * it (src/evidence/record.ts). It lives in domain so those readers need no layer above their own.
 */

/** A permission group's scope, as the stack output and evidence spell it. */
export const scopeSchema = z.enum([SCOPES.user, SCOPES.account, SCOPES.zone]);

/** Who owns a token: the provisioner's user, or one account. */
export const tokenOwnerSchema = z.union([
  z.object({ kind: z.literal("user") }),
  z.object({ kind: z.literal("account"), accountId: z.string() }),
]);

/** One token generation as the stack program exports it under `tokens.<logical name>`; never its value. */
export const tokenOutputSchema = z.object({
  id: z.string(),
  name: z.string(),
  /** Stable key across generations (the plan's key). */
  key: z.string(),
  platform: z.string(),
  owner: tokenOwnerSchema,
  generation: z.number().int(),
  issuedAt: z.string(),
  groups: z.array(z.object({ name: z.string(), scope: scopeSchema, id: z.string() })),
  resources: z.array(z.record(z.string(), z.unknown())),
  expiresOn: z.string().nullish(),
});
