import { CloudflareApiError, type CloudflareClient, type ZoneSummary } from "../cloudflare/client";

/** Cloudflare's maximum page size for GET /zones: one call per 50 zones. */
export const ZONES_PER_PAGE = 50;

/** What one credential sees of one account's zones through GET /zones?account.id=… */
export interface ZoneView {
  readonly accountId: string;
  readonly zones: readonly ZoneSummary[];
  /** `total_count` of the first page, when the API gave it. */
  readonly total?: number;
  /** Every page was read. */
  readonly complete: boolean;
  readonly error?: CloudflareApiError;
}

/**
 * Lists one account's zones. `firstPageOnly` stops after page 1 when the API reports a total
 * (enough to compare counts); otherwise reads every page. Cost: one call per page.
 */
export async function listAccountZones(
  client: CloudflareClient,
  accountId: string,
  options: { readonly firstPageOnly?: boolean; readonly perPage?: number; readonly continueFrom?: ZoneView } = {},
): Promise<ZoneView> {
  const perPage = options.perPage ?? ZONES_PER_PAGE;
  const zones: ZoneSummary[] = [...(options.continueFrom?.zones ?? [])];
  let total: number | undefined = options.continueFrom?.total;
  const firstPage = options.continueFrom ? Math.ceil(zones.length / perPage) + 1 : 1;
  for (let page = firstPage; ; page += 1) {
    let result;
    try {
      result = await client.zonesPage({ accountId, page, perPage });
    } catch (error) {
      if (error instanceof CloudflareApiError)
        return { accountId, zones, ...(total !== undefined ? { total } : {}), complete: false, error };
      throw error;
    }
    if (page === 1 && result.totalCount !== undefined) total = result.totalCount;
    // A token that reaches zones of other accounts through a broad filter still only counts here.
    zones.push(...result.zones.filter((z) => !z.accountId || z.accountId === accountId));
    const more =
      result.totalPages !== undefined
        ? page < result.totalPages
        : result.totalCount !== undefined
          ? page * perPage < result.totalCount
          : result.zones.length >= perPage;
    if (!more) return { accountId, zones, ...(total !== undefined ? { total } : {}), complete: true };
    if (options.firstPageOnly && total !== undefined) return { accountId, zones, total, complete: false };
  }
}

/** Reads the remaining pages of a first-page-only view. */
export async function completeView(client: CloudflareClient, view: ZoneView): Promise<ZoneView> {
  if (view.complete || view.error) return view;
  return listAccountZones(client, view.accountId, { continueFrom: view });
}

export const zoneCount = (view: ZoneView): number => view.total ?? view.zones.length;

export function describeZones(zones: readonly { readonly name?: string; readonly id: string }[], max = 8): string {
  const names = zones.map((z) => z.name || z.id);
  return names.length <= max ? names.join(", ") : `${names.slice(0, max).join(", ")} and ${names.length - max} more`;
}
