export interface StatsSnapshot {
  readonly total: number;
  /** Keyed by route template, e.g. "GET /zones/{zone_id}"; unknown routes are not listed. */
  readonly byRoute: Readonly<Record<string, number>>;
  /** Responses with status 429, from the limiter or injected. */
  readonly rateLimited: number;
}

/** Request counts under /client/v4, so tests can assert how many calls a workflow costs. */
export class RequestStats {
  private total = 0;
  private rateLimited = 0;
  private byRoute = new Map<string, number>();

  record(route: string | null, status: number): void {
    this.total += 1;
    if (route !== null) this.byRoute.set(route, (this.byRoute.get(route) ?? 0) + 1);
    if (status === 429) this.rateLimited += 1;
  }

  snapshot(): StatsSnapshot {
    return { total: this.total, byRoute: Object.fromEntries([...this.byRoute].sort(([a], [b]) => (a < b ? -1 : 1))), rateLimited: this.rateLimited };
  }

  reset(): void {
    this.total = 0;
    this.rateLimited = 0;
    this.byRoute = new Map();
  }
}
