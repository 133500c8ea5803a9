import type { RegistrarContext } from "./types";

/** Bounded exponential backoff with jitter. */
export interface RetryPolicy {
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** A Retry-After longer than this is not waited out: the call fails and says so. */
  readonly maxRetryAfterMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 5, baseDelayMs: 500, maxDelayMs: 8_000, maxRetryAfterMs: 60_000 };

/** Attempt n (1-based) failed: wait half to all of min(max, base * 2^(n-1)) before the next one. */
export function backoffDelay(policy: RetryPolicy, attempt: number, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

export type Exchange =
  | { readonly kind: "response"; readonly status: number; readonly headers: Headers; readonly body: string }
  | { readonly kind: "timeout"; readonly afterMs: number }
  | { readonly kind: "network"; readonly reason: string };

/**
 * One HTTP exchange, the response body read within the same timeout. Never throws for network
 * trouble: a refused connection or a timeout is a value the caller decides to retry.
 * Redirects are not followed: a request carrying a secret must not be re-sent to another URL.
 */
export async function exchange(ctx: RegistrarContext, url: string, init: RequestInit, timeoutMs: number): Promise<Exchange> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const response = await ctx.fetch(url, { ...init, redirect: "manual", signal: controller.signal });
    const body = await response.text();
    return { kind: "response", status: response.status, headers: response.headers, body };
  } catch (error) {
    if (controller.signal.aborted) return { kind: "timeout", afterMs: timeoutMs };
    return { kind: "network", reason: networkReason(error) };
  } finally {
    clearTimeout(timer);
  }
}

/** `connection refused (ECONNREFUSED)` rather than undici's bare "fetch failed". */
export function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  const code = typeof cause?.code === "string" ? cause.code : undefined;
  const known: Record<string, string> = {
    ECONNREFUSED: "connection refused",
    ECONNRESET: "connection reset",
    ENOTFOUND: "host not found",
    EAI_AGAIN: "DNS lookup failed",
    ETIMEDOUT: "connection timed out",
    UND_ERR_SOCKET: "connection closed by the server",
  };
  if (code) return `${known[code] ?? "network error"} (${code})`;
  return error instanceof Error ? `network error (${error.message})` : "network error";
}

export function describeExchange(result: Exchange): string {
  switch (result.kind) {
    case "response":
      return `HTTP ${result.status}`;
    case "timeout":
      return `no answer within ${result.afterMs} ms`;
    case "network":
      return result.reason;
  }
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}
