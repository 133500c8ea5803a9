import { z } from "zod";
import { SCOPES } from "../domain/permission-group";

/** The contract of the program's `tokens` stack output, shared by the engines and the evidence. */
export const scopeSchema = z.enum([SCOPES.user, SCOPES.account, SCOPES.zone]);

export const tokenOwnerSchema = z.union([
  z.object({ kind: z.literal("user") }),
  z.object({ kind: z.literal("account"), accountId: z.string() }),
]);

/** One token generation as ComplianceToken.toOutput exports it, minus its value. */
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
