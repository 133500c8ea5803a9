import { setTimeout as sleep } from "node:timers/promises";
import { parseRetryAfter } from "./http";

/**
 * Pacing by what Cloudflare says. Cloudflare limits each principal — a user (all its user-owned
 * tokens) or an account-owned token — and "always" returns `Ratelimit: "default";r=<remaining>;t=<seconds
 * to reset>` and `Ratelimit-Policy: "default";q=<quota>;w=<window>` (api-rate-limits.mdx), with
 * `retry-after` on a 429. A RateBudget holds one principal's budget for every client that spends it,
 * and lets a request go only when the budget has room, so no request is refused. No figure is
 * assumed: until the first answer says what applies, requests go one at a time.
 */

/** Time as pacing sees it. Tests and the bench pass one that moves the sandbox's clock instead of sleeping. */
export interface PacingClock {
  now(): number;
  /** Resolves once now() ≥ `ms`. */
  sleepUntil(ms: number): Promise<void>;
}

export const REAL_CLOCK: PacingClock = {
  now: () => Date.now(),
  sleepUntil: async (ms) => {
    const wait = ms - Date.now();
    if (wait > 0) await sleep(wait);
  },
};

export interface RateLimitHeaders {
  readonly remaining?: number;
  readonly resetSeconds?: number;
  readonly quota?: number;
  readonly windowSeconds?: number;
}

/** The first list item's parameters of a structured header (`"default";r=50;t=30`), as numbers. */
function itemParameters(header: string | null): Record<string, number> {
  const first = header?.split(",")[0];
  if (!first) return {};
  return Object.fromEntries(
    first
      .split(";")
      .slice(1)
      .map((part) => part.trim().split("="))
      .filter(([key, value]) => key && value !== undefined && /^\d+(\.\d+)?$/.test(value.trim()))
      .map(([key, value]) => [key!.trim(), Number(value!.trim())]),
  );
}

export function readRateLimitHeaders(headers: Headers): RateLimitHeaders {
  const limit = itemParameters(headers.get("ratelimit"));
  const policy = itemParameters(headers.get("ratelimit-policy"));
  return {
    ...(limit.r !== undefined ? { remaining: limit.r } : {}),
    ...(limit.t !== undefined ? { resetSeconds: limit.t } : {}),
    ...(policy.q !== undefined ? { quota: policy.q } : {}),
    ...(policy.w !== undefined ? { windowSeconds: policy.w } : {}),
  };
}

/** What a budget knows now, for progress lines. */
export interface BudgetStatus {
  readonly principal: string;
  /** Requests this client may still send in the current window; undefined until an answer said. */
  readonly remaining?: number;
  readonly quota?: number;
  /** Seconds until the window resets, when known. */
  readonly resetsInSeconds?: number;
  /** Rate-limit windows in which this budget sent requests. */
  readonly windows: number;
  /** Requests Cloudflare refused for this principal (another client spent the budget). */
  readonly refused: number;
  /** Requests sent through this budget, refused ones included. */
  readonly sent: number;
}

/** The budget has no room for longer than the caller will wait: the request was not sent. */
export class BudgetSpentError extends Error {
  override name = "BudgetSpentError";
  constructor(
    readonly principal: string,
    readonly waitSeconds: number,
  ) {
    super(`not sent: ${principal}'s rate-limit budget is spent for the next ${Math.ceil(waitSeconds)} s (Cloudflare's Ratelimit headers)`);
  }
}

/** A permit to send one request, taken from a budget in one window. */
export interface Permit {
  readonly epoch: number;
}

export class RateBudget {
  private quota: number | undefined;
  private windowMs: number | undefined;
  /** Requests we may still send in this window; undefined: not known yet. */
  private available: number | undefined;
  private resetsAt: number | undefined;
  private inFlight = 0;
  /** Bumped at each new window, so a late answer from an older window cannot speak for this one. */
  private epoch = 0;
  private windowsUsed = 0;
  private refusedCount = 0;
  private sentCount = 0;
  private lastSentEpoch: number | undefined;
  private waiters: (() => void)[] = [];
  /** The reset last announced through onWait, so many waiters make one announcement. */
  private announcedReset: number | undefined;

  constructor(
    readonly principal: string,
    private readonly clock: PacingClock,
    private readonly onWait: (principal: string, seconds: number) => void = () => undefined,
  ) {}

  /** Waits until the budget has room for one more request, and takes it; refuses a wait longer than `maxWaitMs`. */
  async acquire(maxWaitMs = Number.POSITIVE_INFINITY): Promise<Permit> {
    for (;;) {
      this.rollWindow();
      if (this.available === undefined) {
        // Nothing known yet: one request at a time until an answer carries the headers.
        if (this.inFlight === 0) return this.take();
        await this.nextAnswer();
      } else if (this.available > 0) {
        this.available -= 1;
        return this.take();
      } else if (this.resetsAt !== undefined) {
        const waitMs = this.resetsAt - this.clock.now();
        if (waitMs > maxWaitMs) throw new BudgetSpentError(this.principal, waitMs / 1000);
        if (this.announcedReset !== this.resetsAt) {
          this.announcedReset = this.resetsAt;
          this.onWait(this.principal, Math.max(0, (this.resetsAt - this.clock.now()) / 1000));
        }
        await this.clock.sleepUntil(this.resetsAt);
      } else {
        await this.nextAnswer();
      }
    }
  }

  /** Records the answer to a permitted request (`undefined` when none came: the connection failed). */
  settle(permit: Permit, response: { status: number; headers: Headers } | undefined): void {
    this.inFlight -= 1;
    if (response) this.learn(permit, response);
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  status(): BudgetStatus {
    this.rollWindow();
    return {
      principal: this.principal,
      ...(this.available !== undefined ? { remaining: this.available } : {}),
      ...(this.quota !== undefined ? { quota: this.quota } : {}),
      ...(this.resetsAt !== undefined ? { resetsInSeconds: Math.max(0, Math.ceil((this.resetsAt - this.clock.now()) / 1000)) } : {}),
      windows: this.windowsUsed,
      refused: this.refusedCount,
      sent: this.sentCount,
    };
  }

  private take(): Permit {
    this.inFlight += 1;
    this.sentCount += 1;
    // A window counts once a request is sent in it.
    if (this.lastSentEpoch !== this.epoch) {
      this.lastSentEpoch = this.epoch;
      this.windowsUsed += 1;
    }
    return { epoch: this.epoch };
  }

  /** Once the reset time has passed, the window is new and the whole quota is ours again. */
  private rollWindow(): void {
    if (this.resetsAt === undefined || this.clock.now() < this.resetsAt) return;
    this.epoch += 1;
    this.resetsAt = undefined;
    this.available = this.quota;
  }

  private learn(permit: Permit, response: { status: number; headers: Headers }): void {
    const said = readRateLimitHeaders(response.headers);
    if (said.quota !== undefined) this.quota = said.quota;
    if (said.windowSeconds !== undefined) this.windowMs = said.windowSeconds * 1000;
    const now = this.clock.now();
    if (response.status === 429) {
      // Someone else spent the budget (or a limit we were not told of applies): wait as long as Cloudflare says.
      this.refusedCount += 1;
      const waitMs =
        parseRetryAfter(response.headers.get("retry-after"), new Date(now)) ??
        (said.resetSeconds !== undefined ? said.resetSeconds * 1000 : this.windowMs);
      this.epoch += 1;
      this.available = 0;
      // With no hint at all, one second, and the next refusal says more.
      this.resetsAt = now + (waitMs ?? 1000);
      return;
    }
    if (permit.epoch !== this.epoch || said.remaining === undefined) return;
    // Requests still in flight may not have been counted yet: assume they were not.
    const room = Math.max(0, said.remaining - this.inFlight);
    this.available = this.available === undefined ? room : Math.min(this.available, room);
    if (said.resetSeconds !== undefined) {
      // `t` is rounded up and read after the server counted, so every estimate is at or after the real reset: the earliest is best.
      const estimate = now + said.resetSeconds * 1000;
      this.resetsAt = this.resetsAt === undefined ? estimate : Math.min(this.resetsAt, estimate);
    }
  }

  private nextAnswer(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}

/**
 * One budget per principal for a whole command, shared by every client that spends it: the
 * provisioner's user (the provisioner, the Pulumi program's calls, user-owned tokens under verify)
 * and each account-owned token.
 */
export class RateBudgets {
  private readonly budgets = new Map<string, RateBudget>();

  constructor(
    readonly clock: PacingClock = REAL_CLOCK,
    private readonly onWait?: (principal: string, seconds: number) => void,
  ) {}

  for(principal: string): RateBudget {
    let budget = this.budgets.get(principal);
    if (!budget) {
      budget = new RateBudget(principal, this.clock, this.onWait);
      this.budgets.set(principal, budget);
    }
    return budget;
  }

  all(): BudgetStatus[] {
    return [...this.budgets.values()].map((b) => b.status());
  }
}

/** The principal name of the provisioner's user, whose budget every user-owned token shares. */
export const PROVISIONER_USER = "user:provisioner";

/** The principal name of an account-owned token. */
export function accountTokenPrincipal(tokenId: string): string {
  return `account-token:${tokenId}`;
}
