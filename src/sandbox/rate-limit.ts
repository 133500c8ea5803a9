import type { Behaviours } from "./behaviours";

/** A principal's budget: `requests` per `windowSeconds`. Cloudflare's default is 1200 per 300 s. */
export interface RateLimitSettings {
  readonly requests: number;
  readonly windowSeconds: number;
}

export const CLOUDFLARE_RATE_LIMIT: RateLimitSettings = { requests: 1200, windowSeconds: 300 };

/** Checks a budget, naming where it came from (`--rate-limit`, a fixture key…) in the error. */
export function checkRateLimit(settings: RateLimitSettings, source: string): RateLimitSettings {
  if (
    !Number.isInteger(settings.requests) ||
    settings.requests < 1 ||
    !Number.isFinite(settings.windowSeconds) ||
    !(settings.windowSeconds > 0)
  ) {
    throw new RangeError(
      `${source} must be at least 1 whole request per a positive number of seconds, got ${settings.requests}/${settings.windowSeconds}. Fix: e.g. 1200/300 (Cloudflare's default) or 30/10`,
    );
  }
  return settings;
}

/** `<requests>/<seconds>`, as `cfct sandbox --rate-limit 300/30` takes it. */
export function parseRateLimit(text: string, source: string): RateLimitSettings {
  const match = /^\s*(\d+)\s*\/\s*(\d+(?:\.\d+)?)\s*$/.exec(text);
  if (!match)
    throw new RangeError(
      `${source} ${JSON.stringify(text)} is not <requests>/<seconds>. Fix: e.g. 1200/300 (Cloudflare's default) or 30/10`,
    );
  return checkRateLimit({ requests: Number(match[1]), windowSeconds: Number(match[2]) }, source);
}

export interface RateLimitDecision {
  readonly allowed: boolean;
  /** Seconds, rounded up, until requests are accepted again (the `retry-after` value when refused). */
  readonly resetSeconds: number;
  /** `Ratelimit` and `Ratelimit-Policy`, "always returned" per Cloudflare's limits page. */
  readonly headers: Readonly<Record<string, string>>;
}

interface Window {
  startMs: number;
  count: number;
  /** Set once the budget was exceeded under `window-from-excess`: refused until then. */
  blockedUntilMs?: number;
}

/**
 * A budget per principal (a user for user tokens, the token itself for account tokens), counted in
 * a fixed window from the principal's first request. What happens after the budget is spent is the
 * `rateLimitRefusal` behaviour: refused for a whole window from the first refused request
 * ("All API calls for the next five minutes are blocked"), or only until the current window ends.
 * Refused requests do not count. Time is the sandbox clock.
 */
export class RateLimiter {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly settings: RateLimitSettings,
    private readonly refusal: Behaviours["rateLimitRefusal"],
  ) {
    checkRateLimit(settings, "rate limit");
  }

  take(principal: string, now: Date): RateLimitDecision {
    const windowMs = this.settings.windowSeconds * 1000;
    const at = now.getTime();
    let window = this.windows.get(principal);
    if (window?.blockedUntilMs !== undefined && at < window.blockedUntilMs) return this.decision(false, 0, window.blockedUntilMs - at);
    if (!window || window.blockedUntilMs !== undefined || at - window.startMs >= windowMs) {
      window = { startMs: at, count: 0 };
      this.windows.set(principal, window);
    }
    window.count += 1;
    const remaining = this.settings.requests - window.count;
    if (remaining >= 0) return this.decision(true, remaining, window.startMs + windowMs - at);
    window.count -= 1;
    if (this.refusal === "window-from-excess") {
      window.blockedUntilMs = at + windowMs;
      return this.decision(false, 0, windowMs);
    }
    return this.decision(false, 0, window.startMs + windowMs - at);
  }

  private decision(allowed: boolean, remaining: number, resetMs: number): RateLimitDecision {
    const resetSeconds = Math.max(1, Math.ceil(resetMs / 1000));
    return {
      allowed,
      resetSeconds,
      headers: {
        ratelimit: `"default";r=${remaining};t=${resetSeconds}`,
        "ratelimit-policy": `"default";q=${this.settings.requests};w=${this.settings.windowSeconds}`,
      },
    };
  }
}
