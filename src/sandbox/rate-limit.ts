/** Cloudflare's default: 1200 requests per 5 minutes per user (cloudflare-permission-groups.json → rateLimits). */
export interface RateLimitSettings {
  readonly requests: number;
  readonly windowSeconds: number;
}

export const CLOUDFLARE_RATE_LIMIT: RateLimitSettings = { requests: 1200, windowSeconds: 300 };

export interface RateLimitDecision {
  readonly allowed: boolean;
  /** Seconds, rounded up, until the window resets (the `retry-after` value when refused). */
  readonly resetSeconds: number;
  /** `Ratelimit` and `Ratelimit-Policy`, "always returned" per Cloudflare's limits page. */
  readonly headers: Readonly<Record<string, string>>;
}

interface Window {
  startMs: number;
  count: number;
}

/**
 * A fixed window per principal (a user for user tokens, the token itself for account tokens):
 * once the budget is spent, every call is refused until the window ends, as Cloudflare documents
 * ("all API calls for the next five minutes are blocked"). Time is the sandbox clock.
 */
export class RateLimiter {
  private readonly windows = new Map<string, Window>();

  constructor(private readonly settings: RateLimitSettings) {
    if (!Number.isInteger(settings.requests) || settings.requests < 1 || !(settings.windowSeconds > 0)) {
      throw new RangeError(`rate limit must be at least 1 request per a positive number of seconds, got ${settings.requests}/${settings.windowSeconds}s`);
    }
  }

  take(principal: string, now: Date): RateLimitDecision {
    const windowMs = this.settings.windowSeconds * 1000;
    let window = this.windows.get(principal);
    if (!window || now.getTime() - window.startMs >= windowMs) {
      window = { startMs: now.getTime(), count: 0 };
      this.windows.set(principal, window);
    }
    window.count += 1;
    const resetSeconds = Math.max(1, Math.ceil((window.startMs + windowMs - now.getTime()) / 1000));
    const remaining = Math.max(0, this.settings.requests - window.count);
    return {
      allowed: window.count <= this.settings.requests,
      resetSeconds,
      headers: {
        ratelimit: `"default";r=${remaining};t=${resetSeconds}`,
        "ratelimit-policy": `"default";q=${this.settings.requests};w=${this.settings.windowSeconds}`,
      },
    };
  }
}
