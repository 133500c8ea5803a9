import type { ResultInfo } from "./envelope";

export interface PageLimits {
  readonly defaultPerPage: number;
  readonly minPerPage: number;
  readonly maxPerPage: number;
}

/** `page`/`per_page` of most v4 lists (OpenAPI zones-get, accounts, members, memberships: 20, 5..50). */
export const STANDARD_PAGES: PageLimits = { defaultPerPage: 20, minPerPage: 5, maxPerPage: 50 };

export interface Page<T> {
  readonly items: T[];
  readonly resultInfo: ResultInfo;
}

function integerParam(query: URLSearchParams, name: string): number | undefined {
  const raw = query.get(name);
  if (raw === null || raw === "") return undefined;
  const value = Number(raw);
  return Number.isFinite(value) ? Math.trunc(value) : undefined;
}

/**
 * One page of `items`. Out-of-range `per_page` is clamped and `page` below 1 reads as 1 (assumed;
 * Cloudflare's handling is not documented). A page past the end is empty, which is how the SDK's
 * auto-pagination knows to stop.
 */
export function paginate<T>(items: readonly T[], query: URLSearchParams, limits: PageLimits = STANDARD_PAGES): Page<T> {
  const perPage = Math.min(limits.maxPerPage, Math.max(limits.minPerPage, integerParam(query, "per_page") ?? limits.defaultPerPage));
  const page = Math.max(1, integerParam(query, "page") ?? 1);
  const slice = items.slice((page - 1) * perPage, page * perPage);
  return {
    items: slice,
    resultInfo: { page, per_page: perPage, count: slice.length, total_count: items.length, total_pages: Math.ceil(items.length / perPage) },
  };
}
