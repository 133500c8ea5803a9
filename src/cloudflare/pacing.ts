import { setTimeout as sleep } from "node:timers/promises";
import { parseRetryAfter } from "./http";
import { CfctError } from "../domain/cfct-error";

/**
 * Pacing by our own count. Cloudflare limits each principal — a user (all its user-owned tokens)
 * or an account-owned token — to a documented budget (1200 requests per 5 minutes; exceeding it
 * blocks that principal for 5 minutes), and since 2025-09 sends `Ratelimit` / `Ratelimit-Policy`
 * headers. Live answers do not count those down (`"default";r=1199;t=1` whatever was spent, none at
 * all on the verify routes), so a RateBudget counts the requests it sends itself, in a sliding
 * window, against the budget (overridable for enterprise limits). Headers and `retry-after` may
 * only lower what is available, never raise it; a 429 blocks the principal until its `retry-after`.
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

/** A principal's budget: `requests` per `windowSeconds`. */
export interface RequestBudget {
  readonly requests: number;
  readonly windowSeconds: number;
}

/** Cloudflare's documented budget per user and per account-owned token ("Client API per user/account token: 1200/5 minutes"). */
export const DOCUMENTED_BUDGET: RequestBudget = { requests: 1200, windowSeconds: 300 };

/** How long a 429 without `retry-after` blocks: "all API calls for the next five minutes will be blocked". */
export const BLOCK_WITHOUT_RETRY_AFTER_MS = 300_000;

const BUDGET_EXAMPLE = "Fix: e.g. 1200/300 (Cloudflare's default) or 30/10";
const BUDGET_TEXT = /^\s*(\d+)\s*\/\s*(\d+(?:\.\d+)?)\s*$/;

function budgetProblem(budget: RequestBudget): string | undefined {
  return !Number.isInteger(budget.requests) || budget.requests < 1 || !Number.isFinite(budget.windowSeconds) || !(budget.windowSeconds > 0)
    ? `must be at least 1 whole request per a positive number of seconds, got ${budget.requests}/${budget.windowSeconds}. ${BUDGET_EXAMPLE}`
    : undefined;
}

/** What is wrong with a `<requests>/<seconds>` text, or undefined when it is a budget (for messages that name their key themselves). */
export function requestBudgetProblem(text: string): string | undefined {
  const match = BUDGET_TEXT.exec(text);
  if (!match) return `is not <requests>/<seconds>. ${BUDGET_EXAMPLE}`;
  return budgetProblem({ requests: Number(match[1]), windowSeconds: Number(match[2]) });
}

/** Checks a budget, naming where it came from (`--rate-budget`, a stack key…) in the error. */
export function checkRequestBudget(budget: RequestBudget, source: string): RequestBudget {
  const problem = budgetProblem(budget);
  if (problem) throw new RangeError(`${source} ${problem}`);
  return budget;
}

/** `<requests>/<seconds>`, as `--rate-budget 600/300` and `cfct sandbox --rate-limit 300/30` take it. */
export function parseRequestBudget(text: string, source: string): RequestBudget {
  const match = BUDGET_TEXT.exec(text);
  if (!match) throw new RangeError(`${source} ${JSON.stringify(text)} ${requestBudgetProblem(text)}`);
  return checkRequestBudget({ requests: Number(match[1]), windowSeconds: Number(match[2]) }, source);
}

export function describeBudget(budget: RequestBudget): string {
  return `${budget.requests} requests per ${budget.windowSeconds} s`;
}

export interface RateLimitHeaders {
  readonly remaining?: number;
  readonly resetSeconds?: number;
  readonly quota?: number;
  readonly windowSeconds?: number;
}

/**
 * The parameters of the item named `"default"` in a structured list header
 * (`"default";r=50;t=30, "burst";…`), as numbers. Other items are other limits (GET /zones answers
 * with a `"list_zones"` item only): they say nothing about the principal's budget.
 */
function defaultItem(header: string | null): Record<string, number> {
  const item = header
    ?.split(",")
    .map((part) => part.trim().split(";"))
    .find(([name]) => name?.trim().replace(/^"|"$/g, "") === "default");
  if (!item) return {};
  return Object.fromEntries(
    item
      .slice(1)
      .map((part) => part.trim().split("="))
      .filter(([key, value]) => key && value !== undefined && /^\d+(\.\d+)?$/.test(value.trim()))
      .map(([key, value]) => [key!.trim(), Number(value!.trim())]),
  );
}

export function readRateLimitHeaders(headers: Headers): RateLimitHeaders {
  const limit = defaultItem(headers.get("ratelimit"));
  const policy = defaultItem(headers.get("ratelimit-policy"));
  return {
    ...(limit.r !== undefined ? { remaining: limit.r } : {}),
    ...(limit.t !== undefined ? { resetSeconds: limit.t } : {}),
    ...(policy.q !== undefined ? { quota: policy.q } : {}),
    ...(policy.w !== undefined && policy.w > 0 ? { windowSeconds: policy.w } : {}),
  };
}

/** What a budget knows now, for progress lines. */
export interface BudgetStatus {
  readonly principal: string;
  /** Requests this client may still send now. */
  readonly remaining?: number;
  /** The quota of the limit that leaves the fewest. */
  readonly quota?: number;
  /** Seconds until the oldest request counted against that limit leaves its window, or a block ends. */
  readonly resetsInSeconds?: number;
  /** Window lengths (of the shortest window in force) over which this budget sent requests. */
  readonly windows: number;
  /** Requests Cloudflare refused for this principal (429). */
  readonly refused: number;
  /** Requests sent through this budget, refused ones included. */
  readonly sent: number;
}

/** Why a budget makes a request wait, as a command reports it (once per wait, with when it resumes). */
export type PacingEvent =
  | { readonly kind: "budget-spent"; readonly principal: string; readonly budget: RequestBudget; readonly resumesAt: number }
  | { readonly kind: "blocked"; readonly principal: string; readonly resumesAt: number; readonly retryAfterGiven: boolean };

/** The budget has no room for longer than the caller will wait: the request was not sent. */
export class BudgetSpentError extends CfctError {
  override name = "BudgetSpentError";
  constructor(
    readonly principal: string,
    readonly waitSeconds: number,
    why: string,
  ) {
    super(`not sent: ${principal}'s rate-limit budget is spent for the next ${Math.ceil(waitSeconds)} s (${why})`);
  }
}

/** A permit to send one request; settle it with the answer. */
export interface Permit {
  readonly sentAt: number;
}

/** Index of the first element of a sorted array greater than `value`. */
function firstAfter(sorted: readonly number[], value: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (sorted[mid]! <= value) low = mid + 1;
    else high = mid;
  }
  return low;
}

export class RateBudget {
  /** Requests per window length (ms): the budget, and any stricter policy Cloudflare's headers named. */
  private readonly limits = new Map<number, number>();
  /** When each counted request was answered, ascending: it counts until that moment plus a window. */
  private answeredAt: number[] = [];
  private inFlight = 0;
  /** What the last `Ratelimit` header left, less what was sent since, until its reset. */
  private headerCap: { remaining: number; until: number } | undefined;
  private blockedUntil = 0;
  private announcedSpent = false;
  private refusedCount = 0;
  private sentCount = 0;
  private firstSentAt: number | undefined;
  private lastSentAt: number | undefined;
  private waiters: (() => void)[] = [];

  constructor(
    readonly principal: string,
    private readonly clock: PacingClock,
    readonly budget: RequestBudget = DOCUMENTED_BUDGET,
    private readonly onEvent: (event: PacingEvent) => void = () => undefined,
  ) {
    checkRequestBudget(budget, "rate budget");
    this.limits.set(budget.windowSeconds * 1000, budget.requests);
  }

  /** Waits until the budget has room for one more request, and takes it; refuses a wait longer than `maxWaitMs`. */
  async acquire(maxWaitMs = Number.POSITIVE_INFINITY): Promise<Permit> {
    for (;;) {
      const now = this.clock.now();
      const next = this.sendableAt(now);
      if (next === "after an answer") {
        await this.nextAnswer();
        continue;
      }
      if (next.at <= now) return this.take(now);
      if (next.at - now > maxWaitMs) throw new BudgetSpentError(this.principal, (next.at - now) / 1000, next.why);
      if (next.why !== "blocked by Cloudflare" && !this.announcedSpent) {
        this.announcedSpent = true;
        this.onEvent({ kind: "budget-spent", principal: this.principal, budget: this.bindingBudget(now), resumesAt: next.at });
      }
      await this.clock.sleepUntil(next.at);
    }
  }

  /** Records the answer to a permitted request (`undefined` when none came: it may still have reached Cloudflare, so it counts). */
  settle(_permit: Permit, response: { status: number; headers: Headers } | undefined): void {
    this.inFlight -= 1;
    const now = this.clock.now();
    this.answeredAt.splice(firstAfter(this.answeredAt, now), 0, now);
    if (response) this.learn(response, now);
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  status(): BudgetStatus {
    const now = this.clock.now();
    this.forget(now);
    const binding = this.bindingLimit(now);
    const capLeft = this.headerCap && this.headerCap.until > now ? this.headerCap.remaining : Number.POSITIVE_INFINITY;
    const freesAt =
      this.blockedUntil > now
        ? this.blockedUntil
        : binding.held > binding.answered.length
          ? undefined
          : binding.answered[0]! + binding.windowMs;
    return {
      principal: this.principal,
      remaining: Math.max(0, Math.min(binding.requests - binding.held, capLeft, this.blockedUntil > now ? 0 : Number.POSITIVE_INFINITY)),
      quota: binding.requests,
      ...(binding.held > 0 && freesAt !== undefined ? { resetsInSeconds: Math.max(0, Math.ceil((freesAt - now) / 1000)) } : {}),
      windows: this.windowsUsed(),
      refused: this.refusedCount,
      sent: this.sentCount,
    };
  }

  private take(now: number): Permit {
    // Nothing counted any more: the next time the budget is spent is a new wave, said again.
    if (this.inFlight === 0 && this.answeredAt.length === 0) this.announcedSpent = false;
    this.inFlight += 1;
    this.sentCount += 1;
    this.firstSentAt ??= now;
    this.lastSentAt = now;
    if (this.headerCap) this.headerCap.remaining -= 1;
    return { sentAt: now };
  }

  /** When the next request may go, and why not before; or that only an answer can tell (every counted request is still in flight). */
  private sendableAt(now: number): { at: number; why: string } | "after an answer" {
    this.forget(now);
    let next = { at: now, why: "" };
    const later = (at: number, why: string) => {
      if (at > next.at) next = { at, why };
    };
    if (this.blockedUntil > now) later(this.blockedUntil, "blocked by Cloudflare");
    if (this.headerCap && this.headerCap.until > now && this.headerCap.remaining <= 0)
      later(this.headerCap.until, "Cloudflare's Ratelimit header says none are left");
    for (const [windowMs, requests] of this.limits) {
      const answered = this.answeredAt.slice(firstAfter(this.answeredAt, now - windowMs));
      const over = this.inFlight + answered.length - requests;
      if (over < 0) continue;
      // `over + 1` counted requests must leave the window; those still in flight leave it last.
      if (answered.length <= over) return "after an answer";
      later(answered[over]! + windowMs, `counted by cfct: ${describeBudget({ requests, windowSeconds: windowMs / 1000 })}`);
    }
    return next;
  }

  private bindingLimit(now: number): { requests: number; windowMs: number; held: number; answered: number[] } {
    let binding: { requests: number; windowMs: number; held: number; answered: number[] } | undefined;
    for (const [windowMs, requests] of this.limits) {
      const answered = this.answeredAt.slice(firstAfter(this.answeredAt, now - windowMs));
      const held = this.inFlight + answered.length;
      if (!binding || requests - held < binding.requests - binding.held) binding = { requests, windowMs, held, answered };
    }
    return binding!;
  }

  private bindingBudget(now: number): RequestBudget {
    const { requests, windowMs } = this.bindingLimit(now);
    return { requests, windowSeconds: windowMs / 1000 };
  }

  private windowsUsed(): number {
    if (this.firstSentAt === undefined || this.lastSentAt === undefined) return 0;
    const shortest = Math.min(...this.limits.keys());
    return Math.floor((this.lastSentAt - this.firstSentAt) / shortest) + 1;
  }

  /** Drops answers older than every window. */
  private forget(now: number): void {
    const longest = Math.max(...this.limits.keys());
    const keep = firstAfter(this.answeredAt, now - longest);
    if (keep > 0) this.answeredAt = this.answeredAt.slice(keep);
  }

  private learn(response: { status: number; headers: Headers }, now: number): void {
    if (response.status === 429) {
      this.refusedCount += 1;
      const retryAfter = parseRetryAfter(response.headers.get("retry-after"), new Date(now));
      const until = now + (retryAfter ?? BLOCK_WITHOUT_RETRY_AFTER_MS);
      const fresh = this.blockedUntil <= now;
      if (until > this.blockedUntil) this.blockedUntil = until;
      // Once per block: answers to requests already in flight say the same.
      if (fresh)
        this.onEvent({
          kind: "blocked",
          principal: this.principal,
          resumesAt: this.blockedUntil,
          retryAfterGiven: retryAfter !== undefined,
        });
      return;
    }
    const said = readRateLimitHeaders(response.headers);
    if (said.quota !== undefined && said.windowSeconds !== undefined) {
      // A policy only adds a limit (or lowers one of the same window); it never lifts the budget.
      const windowMs = said.windowSeconds * 1000;
      this.limits.set(windowMs, Math.min(this.limits.get(windowMs) ?? Number.POSITIVE_INFINITY, Math.max(1, said.quota)));
    }
    if (said.remaining !== undefined) {
      // Requests still in flight may not have been counted yet: assume they were not.
      const room = said.remaining - this.inFlight;
      const until = now + (said.resetSeconds ?? 1) * 1000;
      const current = this.headerCap && this.headerCap.until > now ? this.headerCap : undefined;
      this.headerCap = current
        ? { remaining: Math.min(current.remaining, room), until: Math.min(current.until, until) }
        : { remaining: room, until };
    }
  }

  private nextAnswer(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}

/**
 * One budget per principal for a whole command, shared by every client that spends it: the
 * provisioner's user (the provisioner, the Pulumi program's calls, user-owned tokens under verify)
 * and each account-owned token. Every principal gets the same budget (Cloudflare's is per user and
 * per account-owned token alike).
 */
export class RateBudgets {
  private readonly budgets = new Map<string, RateBudget>();

  constructor(
    readonly clock: PacingClock = REAL_CLOCK,
    readonly budget: RequestBudget = DOCUMENTED_BUDGET,
    private readonly onEvent?: (event: PacingEvent) => void,
  ) {}

  for(principal: string): RateBudget {
    let budget = this.budgets.get(principal);
    if (!budget) {
      budget = new RateBudget(principal, this.clock, this.budget, this.onEvent);
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
