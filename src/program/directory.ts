import * as cloudflare from "@pulumi/cloudflare";

/** A permission group as Cloudflare's list endpoints return it. */
export interface LiveGroup {
  readonly id: string;
  readonly name: string;
  readonly scopes: readonly string[];
}

export interface LiveZone {
  readonly id: string;
  readonly name: string;
  readonly accountId: string;
}

/**
 * What a deploy must look up in Cloudflare before it can create tokens. The program uses the
 * provider's invokes; tests and the rehearsal engine answer the same invokes another way.
 */
export interface CloudflareDirectory {
  userPermissionGroups(): Promise<readonly LiveGroup[]>;
  accountPermissionGroups(accountId: string): Promise<readonly LiveGroup[]>;
  zonesNamed(name: string): Promise<readonly LiveZone[]>;
  currentUserId(): Promise<string>;
}

// Cloudflare lists fewer than 1000 groups; asking for all of them once is one call, filtering locally is free.
const ALL_GROUPS = 1000;

export const providerDirectory: CloudflareDirectory = {
  async userPermissionGroups() {
    return (await cloudflare.getApiTokenPermissionGroupsList({ maxItems: ALL_GROUPS })).results;
  },
  async accountPermissionGroups(accountId) {
    return (await cloudflare.getAccountApiTokenPermissionGroupsList({ accountId, maxItems: ALL_GROUPS })).results;
  },
  async zonesNamed(name) {
    const { results } = await cloudflare.getZones({ name });
    return results.map((zone) => ({ id: zone.id, name: zone.name, accountId: zone.account.id }));
  },
  async currentUserId() {
    return (await cloudflare.getUser()).id;
  },
};
