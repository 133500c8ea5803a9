export interface StatsSnapshot {
  readonly total: number;
  /** Keyed by route template, e.g. "GET /zones/{zone_id}"; unknown routes are not listed. */
  readonly byRoute: Readonly<Record<string, number>>;
  /** Responses with status 429, from the limiter or injected. */
  readonly rateLimited: number;
  /** Requests the rate limiter refused, by principal: "user:<user id>" or "account-token:<token id>". */
  readonly refusedByPrincipal: Readonly<Record<string, number>>;
  /** Requests presenting a credential this sandbox never issued (malformed or unknown): a real one sent here by mistake shows up here. */
  readonly unknownCredentials: number;
}

/** Request counts under /client/v4, so tests can assert how many calls a workflow costs. */
export class RequestStats {
  private total = 0;
  private rateLimited = 0;
  private unknownCredentials = 0;
  private byRoute = new Map<string, number>();
  private refusedByPrincipal = new Map<string, number>();

  record(route: string | null, status: number): void {
    this.total += 1;
    if (route !== null) this.byRoute.set(route, (this.byRoute.get(route) ?? 0) + 1);
    if (status === 429) this.rateLimited += 1;
  }

  /** The limiter refused one of this principal's requests (recorded besides the request itself). */
  refused(principal: string): void {
    this.refusedByPrincipal.set(principal, (this.refusedByPrincipal.get(principal) ?? 0) + 1);
  }

  unknownCredential(): void {
    this.unknownCredentials += 1;
  }

  snapshot(): StatsSnapshot {
    return {
      total: this.total,
      byRoute: sortedRecord(this.byRoute),
      rateLimited: this.rateLimited,
      refusedByPrincipal: sortedRecord(this.refusedByPrincipal),
      unknownCredentials: this.unknownCredentials,
    };
  }

  reset(): void {
    this.total = 0;
    this.rateLimited = 0;
    this.unknownCredentials = 0;
    this.byRoute = new Map();
    this.refusedByPrincipal = new Map();
  }
}

function sortedRecord(counts: Map<string, number>): Record<string, number> {
  return Object.fromEntries([...counts].sort(([a], [b]) => (a < b ? -1 : 1)));
}
