import type { Fixture, FixtureAccount, FixtureZone } from "./fixture/schema";

/** Indexes over the fixture: what exists and who belongs where. Only a zone can go (`removeZone`), and roles change (`setRoles`). */
export class Inventory {
  readonly user: Fixture["user"];
  memberships: Fixture["memberships"];
  readonly accounts: readonly FixtureAccount[];
  /** Zones in a stable order (by name), the order list endpoints page through. */
  zones: readonly FixtureZone[];
  private readonly accountsById: ReadonlyMap<string, FixtureAccount>;
  private readonly zonesById: Map<string, FixtureZone>;
  private readonly memberAccountIds: ReadonlySet<string>;

  constructor(fixture: Fixture) {
    this.user = fixture.user;
    this.memberships = fixture.memberships;
    this.accounts = fixture.accounts;
    this.zones = [...fixture.zones].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    this.accountsById = new Map(fixture.accounts.map((a) => [a.id, a]));
    this.zonesById = new Map(fixture.zones.map((z) => [z.id, z]));
    this.memberAccountIds = new Set(fixture.memberships.filter((m) => m.status === "accepted").map((m) => m.account_id));
  }

  account(id: string): FixtureAccount | undefined {
    return this.accountsById.get(id);
  }

  zone(id: string): FixtureZone | undefined {
    return this.zonesById.get(id);
  }

  /** A zone deleted in Cloudflare (by its owner, outside cfct): it is no longer listed or found. */
  removeZone(id: string): FixtureZone | undefined {
    const zone = this.zonesById.get(id);
    if (!zone) return undefined;
    this.zonesById.delete(id);
    this.zones = this.zones.filter((z) => z !== zone);
    return zone;
  }

  /** A Super Administrator changed the user's roles on the account (the control plane); false when it has no membership there. */
  setRoles(accountId: string, roles: readonly string[]): boolean {
    if (!this.memberships.some((m) => m.account_id === accountId)) return false;
    this.memberships = this.memberships.map((m) => (m.account_id === accountId ? { ...m, roles: [...roles] } : m));
    return true;
  }

  /** Accounts the user has accepted a membership of: the most any of its tokens can reach. */
  isUserMemberOf(accountId: string): boolean {
    return this.memberAccountIds.has(accountId);
  }
}
