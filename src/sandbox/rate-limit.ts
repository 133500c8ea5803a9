import { checkRequestBudget, DOCUMENTED_BUDGET, parseRequestBudget, type RequestBudget } from "../cloudflare/pacing";
import type { Behaviours } from "./behaviours";

/** A principal's budget: `requests` per `windowSeconds`. Cloudflare's default is 1200 per 300 s. */
export type RateLimitSettings = RequestBudget;

export const CLOUDFLARE_RATE_LIMIT: RateLimitSettings = DOCUMENTED_BUDGET;

/** Checks a budget, naming where it came from (`--rate-limit`, a fixture key…) in the error. */
export const checkRateLimit = checkRequestBudget;

/** `<requests>/<seconds>`, as `cfct sandbox --rate-limit 300/30` takes it. */
export const parseRateLimit = parseRequestBudget;

export interface RateLimitDecision {
  readonly allowed: boolean;
  /** Requests left in the principal's window after this one. */
  readonly remaining: number;
  /** Seconds, rounded up, until requests are accepted again (the `retry-after` value when refused). */
  readonly resetSeconds: number;
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
 * Refused requests do not count. Time is the sandbox clock. What the headers say about it is
 * `rateLimitHeaders` (rateLimitHeaderFields below).
 */
export class RateLimiter {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly settings: RateLimitSettings,
    private readonly behaviours: Pick<Behaviours, "rateLimitRefusal" | "rateLimitHeaders">,
  ) {
    checkRateLimit(settings, "rate limit");
  }

  /** The rate-limit headers of an answer to `route` after `decided`. */
  headerFields(decided: RateLimitDecision, route: RateLimitRouteKind): Readonly<Record<string, string>> {
    return rateLimitHeaderFields(this.behaviours.rateLimitHeaders, this.settings, decided, route);
  }

  take(principal: string, now: Date): RateLimitDecision {
    const windowMs = this.settings.windowSeconds * 1000;
    const at = now.getTime();
    let window = this.windows.get(principal);
    if (window?.blockedUntilMs !== undefined && at < window.blockedUntilMs) return decision(false, 0, window.blockedUntilMs - at);
    if (!window || window.blockedUntilMs !== undefined || at - window.startMs >= windowMs) {
      window = { startMs: at, count: 0 };
      this.windows.set(principal, window);
    }
    window.count += 1;
    const remaining = this.settings.requests - window.count;
    if (remaining >= 0) return decision(true, remaining, window.startMs + windowMs - at);
    window.count -= 1;
    if (this.behaviours.rateLimitRefusal === "window-from-excess") {
      window.blockedUntilMs = at + windowMs;
      return decision(false, 0, windowMs);
    }
    return decision(false, 0, window.startMs + windowMs - at);
  }
}

function decision(allowed: boolean, remaining: number, resetMs: number): RateLimitDecision {
  return { allowed, remaining, resetSeconds: Math.max(1, Math.ceil(resetMs / 1000)) };
}

/** Which answers carry which rate-limit item under `rateLimitHeaders: static`. */
export type RateLimitRouteKind = "verify" | "list_zones" | "other";

/**
 * `Ratelimit` and `Ratelimit-Policy` as the `rateLimitHeaders` behaviour has them:
 *  - accurate: `"default";r=<left>;t=<reset>` on every authenticated answer (the docs' description);
 *  - static: as measured live in 2026 — `"default";r=<quota-1>;t=1` whatever was spent, GET /zones
 *    with its own `"list_zones"` item (`r=<quota>`, policy `q=<quota+1>`), nothing on the verify
 *    routes; the budget is still enforced;
 *  - absent: no rate-limit headers at all (the API before 2025-09-03).
 * A refusal's `retry-after` is not among these: it is sent whatever this behaviour says.
 */
export function rateLimitHeaderFields(
  behaviour: Behaviours["rateLimitHeaders"],
  settings: RateLimitSettings,
  decided: RateLimitDecision,
  route: RateLimitRouteKind,
): Readonly<Record<string, string>> {
  const { requests, windowSeconds } = settings;
  if (behaviour === "absent" || (behaviour === "static" && route === "verify")) return {};
  if (behaviour === "static" && route === "list_zones")
    return { ratelimit: `"list_zones";r=${requests};t=1`, "ratelimit-policy": `"list_zones";q=${requests + 1};w=${windowSeconds}` };
  return {
    ratelimit: behaviour === "static" ? `"default";r=${requests - 1};t=1` : `"default";r=${decided.remaining};t=${decided.resetSeconds}`,
    "ratelimit-policy": `"default";q=${requests};w=${windowSeconds}`,
  };
}
