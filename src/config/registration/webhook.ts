import { z } from "zod";
import { endpointUrl, secretEnvName } from "./fields";

export const WEBHOOK_TIMEOUT_MS = { min: 100, max: 120_000, default: 10_000 } as const;
/** Shorter HMAC secrets are refused: HMAC-SHA256 wants a key of at least 32 bytes (`openssl rand -hex 32` gives 64 characters). */
export const MIN_SECRET_LENGTH = 32;

export const webhookConfigSchema = z.strictObject({
  kind: z.literal("webhook"),
  url: endpointUrl.describe("Receiver (e.g. a secret-store bridge). https, or http only to localhost/127.0.0.1/[::1]."),
  secretEnv: secretEnvName("CFCT_WEBHOOK_SECRET").describe("NAME of the environment variable holding the HMAC-SHA256 signing secret."),
  timeoutMs: z
    .number()
    .int({ error: "must be a whole number of milliseconds" })
    .min(WEBHOOK_TIMEOUT_MS.min, { error: `is too short. Fix: use ${WEBHOOK_TIMEOUT_MS.min}..${WEBHOOK_TIMEOUT_MS.max} ms` })
    .max(WEBHOOK_TIMEOUT_MS.max, { error: `is too long. Fix: use ${WEBHOOK_TIMEOUT_MS.min}..${WEBHOOK_TIMEOUT_MS.max} ms` })
    .optional()
    .describe(`Per-attempt timeout in ms (default ${WEBHOOK_TIMEOUT_MS.default}).`),
});

export type WebhookConfig = z.infer<typeof webhookConfigSchema>;
