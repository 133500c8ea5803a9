import { createHmac, timingSafeEqual } from "node:crypto";
import { displayUrl } from "../config/registration/fields";
import { MIN_SECRET_LENGTH, WEBHOOK_TIMEOUT_MS, type WebhookConfig } from "../config/registration/webhook";
import { parseRetryAfter, redact, remoteText } from "../cloudflare/http";
import { DEFAULT_RETRY, backoffDelay, describeExchange, exchange, plural, type Exchange, type RetryPolicy } from "./http";
import {
  RegistrationConfigError,
  type Registrar,
  type RegistrarContext,
  type RegistrationOutcome,
  type RegistrationRequest,
} from "./types";

/**
 * What the receiver gets. `value` is the token; everything else is safe to log on the receiving side.
 * `stack` and `tokenKey` identify the token across generations (an account-owned platform has one
 * token per account under the same connection name), the same pair the Idempotency-Key starts with.
 */
export interface WebhookPayload {
  readonly stack: string;
  readonly tokenKey: string;
  readonly connection: string;
  readonly platform: string;
  readonly tokenId: string;
  readonly generation: number;
  readonly expiresOn: string | null;
  /**
   * When this registration was first sent (retries resend the same body). It is inside the signed
   * body, so a receiver can refuse a replayed delivery that is older than its tolerance.
   */
  readonly sentAt: string;
  /** The same as the Idempotency-Key header, signed: a receiver stores each key once. */
  readonly idempotencyKey: string;
  readonly value: string;
}

export const SIGNATURE_HEADER = "X-Cfct-Signature";
/** A copy of the signed `sentAt` in Unix seconds, the same on every retry; trust the signed body, not this header. */
const TIMESTAMP_HEADER = "X-Cfct-Timestamp";
export const IDEMPOTENCY_HEADER = "Idempotency-Key";

/** `sha256=<hex HMAC-SHA256 of the exact body bytes>`. */
export function signWebhookBody(body: string | Uint8Array, secret: string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

/**
 * How far a delivery's signed `sentAt` may lie from the receiver's clock. Retries resend the same
 * signed body, so the window covers cfct's whole retry span (5 attempts of up to 120 s each, plus
 * waits of up to 60 s between them) and some clock skew.
 */
export const WEBHOOK_REPLAY_WINDOW_SECONDS = 15 * 60;

/**
 * The replay check a receiver asks for: a window around its clock, or, explicitly, none (for a
 * receiver that refuses replays some other way, e.g. by storing every idempotencyKey forever).
 */
export type ReplayWindow =
  | {
      /** The receiver's clock. */
      readonly now: Date;
      /** Default WEBHOOK_REPLAY_WINDOW_SECONDS. */
      readonly windowSeconds?: number;
    }
  | typeof NO_REPLAY_WINDOW;

/** Pass as `replay` to check the signature alone; without it a captured delivery verifies forever. */
export const NO_REPLAY_WINDOW = { replayWindow: "disabled" } as const;

/**
 * For receivers (and the demo's local receiver): true iff `header` is the signature of exactly
 * these body bytes under `secret` and the signed `sentAt` lies within the window around
 * `replay.now` (a captured delivery replayed later is refused), unless `replay` is
 * NO_REPLAY_WINDOW. Without `replay` (a JavaScript caller) it is false. Constant-time
 * compare; any malformed header or body is simply false. Verify the raw body before parsing it,
 * then store each signed `idempotencyKey` once (see the receiver example in docs/registration.md).
 */
export function verifyWebhookSignature(
  body: string | Uint8Array,
  header: string | null | undefined,
  secret: string,
  replay: ReplayWindow,
): boolean {
  if (typeof header !== "string" || !secret || typeof replay !== "object" || replay === null) return false;
  const match = /^sha256=([0-9a-f]{64})$/i.exec(header.trim());
  if (!match) return false;
  const expected = createHmac("sha256", secret).update(body).digest();
  const given = Buffer.from(match[1]!.toLowerCase(), "hex");
  if (!(given.length === expected.length && timingSafeEqual(given, expected))) return false;
  if ("replayWindow" in replay) return replay.replayWindow === NO_REPLAY_WINDOW.replayWindow;
  return replay.now instanceof Date && withinReplayWindow(body, replay);
}

function withinReplayWindow(body: string | Uint8Array, replay: Exclude<ReplayWindow, typeof NO_REPLAY_WINDOW>): boolean {
  let sentAt: number;
  try {
    const text = typeof body === "string" ? body : Buffer.from(body).toString("utf8");
    sentAt = new Date(String((JSON.parse(text) as { sentAt?: unknown }).sentAt)).getTime();
  } catch {
    return false;
  }
  const windowMs = (replay.windowSeconds ?? WEBHOOK_REPLAY_WINDOW_SECONDS) * 1000;
  return Number.isFinite(sentAt) && Math.abs(replay.now.getTime() - sentAt) <= windowMs;
}

/** Stable across retries and re-runs of the same generation, distinct for a re-created token. */
export function idempotencyKey(request: Pick<RegistrationRequest, "stack" | "tokenKey" | "generation" | "tokenId">): string {
  return `${request.stack}/${request.tokenKey}/g${request.generation}/${request.tokenId}`;
}

export function webhookBody(request: RegistrationRequest, sentAt: Date): string {
  const payload: WebhookPayload = {
    stack: request.stack,
    tokenKey: request.tokenKey,
    connection: request.connection,
    platform: request.platform.key,
    tokenId: request.tokenId,
    generation: request.generation,
    expiresOn: request.expiresOn,
    sentAt: sentAt.toISOString(),
    idempotencyKey: idempotencyKey(request),
    value: request.value,
  };
  return JSON.stringify(payload);
}

/**
 * POSTs the token to a company's receiver, signed with HMAC-SHA256. 2xx = registered. 5xx, 429
 * (Retry-After honoured), timeouts and connection errors are retried with exponential backoff and
 * jitter, up to a bound; any other status fails at once. Redirects are never followed.
 */
export function createWebhookRegistrar(config: WebhookConfig, ctx: RegistrarContext & { readonly retry?: RetryPolicy }): Registrar {
  const secret = ctx.env[config.secretEnv];
  if (!secret) {
    throw new RegistrationConfigError({
      summary: `webhook registration needs its signing secret in the environment variable ${config.secretEnv}, which is not set`,
      fix: `export ${config.secretEnv}=<a random secret shared with the receiver> (e.g. openssl rand -hex 32)`,
    });
  }
  if (secret.length < MIN_SECRET_LENGTH) {
    throw new RegistrationConfigError({
      summary: `the webhook signing secret in ${config.secretEnv} is shorter than ${MIN_SECRET_LENGTH} characters`,
      fix: `use a random secret of at least ${MIN_SECRET_LENGTH} characters (e.g. openssl rand -hex 32)`,
    });
  }
  const policy = ctx.retry ?? DEFAULT_RETRY;
  const timeoutMs = config.timeoutMs ?? WEBHOOK_TIMEOUT_MS.default;
  const where = displayUrl(config.url);

  return {
    kind: "webhook",
    async register(request) {
      const secrets = [request.value, secret];
      // One moment for every attempt: the timestamp header repeats the signed sentAt, so a retry is
      // byte-for-byte the delivery it repeats and a receiver can trust nothing that is not signed.
      const sentAt = ctx.now();
      const body = webhookBody(request, sentAt);
      const signature = signWebhookBody(body, secret);
      const key = idempotencyKey(request);
      const done = (status: RegistrationOutcome["status"], detail: string, attempts: number): RegistrationOutcome => ({
        registrar: "webhook",
        status,
        detail: redact(detail, secrets),
        location: where,
        attempts,
        at: ctx.now().toISOString(),
      });
      const what = `generation ${request.generation} of ${request.tokenKey}`;

      let last: Exchange | undefined;
      for (let attempt = 1; attempt <= policy.maxAttempts; attempt++) {
        const result = await exchange(
          ctx,
          config.url,
          {
            method: "POST",
            headers: {
              "Content-Type": "application/json",
              "User-Agent": "cf-compliance-tokens",
              [SIGNATURE_HEADER]: signature,
              [TIMESTAMP_HEADER]: String(Math.floor(sentAt.getTime() / 1000)),
              [IDEMPOTENCY_HEADER]: key,
            },
            body,
          },
          timeoutMs,
        );
        last = result;
        let waitMs: number;
        if (result.kind === "response") {
          const { status } = result;
          if (status >= 200 && status < 300) {
            return done("registered", `webhook ${where} accepted ${what} (HTTP ${status}) after ${plural(attempt, "attempt")}`, attempt);
          }
          if (status >= 300 && status < 400) {
            return done(
              "failed",
              `webhook ${where} answered HTTP ${status} (a redirect${result.headers.get("location") ? ` to ${safeLocation(result.headers.get("location")!)}` : ""}); cfct does not re-send a token to another URL. Fix: configure the final URL in registration.url`,
              attempt,
            );
          }
          if (status === 429) {
            const retryAfter = parseRetryAfter(result.headers.get("retry-after"), ctx.now());
            if (retryAfter !== undefined && retryAfter > policy.maxRetryAfterMs) {
              return done(
                "failed",
                `webhook ${where} rate-limited ${what} and asked to retry after ${Math.ceil(retryAfter / 1000)} s, longer than cfct waits (${policy.maxRetryAfterMs / 1000} s). Fix: run again later`,
                attempt,
              );
            }
            waitMs = retryAfter ?? backoffDelay(policy, attempt, ctx.random);
          } else if (status >= 500) {
            waitMs = backoffDelay(policy, attempt, ctx.random);
          } else {
            const text = remoteText(result.body, secrets);
            return done(
              "failed",
              `webhook ${where} refused ${what} with HTTP ${status}${text ? `: ${text}` : ""}. Fix: ${fixFor(status, config.secretEnv)}`,
              attempt,
            );
          }
        } else {
          waitMs = backoffDelay(policy, attempt, ctx.random);
        }
        if (attempt < policy.maxAttempts) await ctx.sleep(waitMs);
      }
      return done(
        "failed",
        `webhook ${where} did not accept ${what} after ${plural(policy.maxAttempts, "attempt")} (last: ${describeExchange(last!)}). Fix: check that the receiver is up, then run again; the Idempotency-Key makes a repeat safe`,
        policy.maxAttempts,
      );
    },
  };
}

function fixFor(status: number, secretEnv: string): string {
  if (status === 401 || status === 403) return `check that the receiver verifies ${SIGNATURE_HEADER} with the same secret as ${secretEnv}`;
  if (status === 404 || status === 405) return "check registration.url";
  if (status === 409)
    return `the receiver already holds a different request under this ${IDEMPOTENCY_HEADER}; it should answer 2xx for a repeat of the same one`;
  return "see the receiver's answer above";
}

function safeLocation(location: string): string {
  try {
    return displayUrl(location);
  } catch {
    return "another URL";
  }
}
