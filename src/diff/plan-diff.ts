import { isDeepStrictEqual } from "node:util";
import { isReadOnlyGroup } from "../cloudflare/permission-groups";
import { summarizeRegistration, type RegistrationSummary } from "../config/registration/summary";
import type { ConnectionSettings, Settings } from "../config/schema";
import { type PermissionGroupRef } from "../domain/permission-group";
import { type TokenPlan } from "../domain/plan";

export interface GroupChange extends PermissionGroupRef {
  /** A non-read group is what a reviewer must look at first. */
  readonly read: boolean;
}

export interface Delta<T> {
  readonly added: readonly T[];
  readonly removed: readonly T[];
}

export interface ConnectionDiff {
  readonly connection: string;
  readonly change: "added" | "removed" | "changed";
  readonly tokens: Delta<string>;
  readonly groups: Delta<GroupChange>;
  readonly accounts: Delta<string>;
  /** Zone IDs or names; `all` stands for every zone of the accounts. */
  readonly zones: Delta<string>;
  readonly ttlDays?: { readonly from: number; readonly to: number };
  readonly allowedIps: Delta<string>;
  readonly deniedIps: Delta<string>;
  /** Set when the registration (where the token and the registrar's secrets go) differs, or the connection is added or removed. */
  readonly registration?: { readonly from?: RegistrationSummary; readonly to?: RegistrationSummary };
}

/** One side of the comparison: a stack's settings and the planner's tokens for them. */
export interface PlannedSide {
  readonly settings: Settings;
  readonly tokens: readonly TokenPlan[];
}

function delta<T>(before: readonly T[], after: readonly T[], key: (item: T) => string = String): Delta<T> {
  const beforeKeys = new Set(before.map(key));
  const afterKeys = new Set(after.map(key));
  const unique = (items: readonly T[]) => [...new Map(items.map((i) => [key(i), i])).values()];
  return { added: unique(after.filter((i) => !beforeKeys.has(key(i)))), removed: unique(before.filter((i) => !afterKeys.has(key(i)))) };
}

const groupId = (g: PermissionGroupRef) => `${g.scope}|${g.name}`;
const isEmpty = (d: Delta<unknown>) => d.added.length === 0 && d.removed.length === 0;

function groupsOf(tokens: readonly TokenPlan[]): GroupChange[] {
  return tokens.flatMap((t) =>
    t.policies.flatMap((p) => p.permissionGroups.map((g) => ({ name: g.name, scope: g.scope, read: isReadOnlyGroup(g) }))),
  );
}

const zonesOf = (connection: ConnectionSettings | undefined) =>
  connection === undefined ? [] : connection.zones === "all" ? ["all"] : [...connection.zones];

/** Any difference in the registration config counts (a URL path, a timeout, a secret's variable): it decides where secrets go. */
function registrationChange(
  before: ConnectionSettings | undefined,
  after: ConnectionSettings | undefined,
): Pick<ConnectionDiff, "registration"> {
  if (before && after && isDeepStrictEqual(before.registration, after.registration)) return {};
  return {
    registration: {
      ...(before ? { from: summarizeRegistration(before.registration) } : {}),
      ...(after ? { to: summarizeRegistration(after.registration) } : {}),
    },
  };
}

/**
 * The reviewable change between two plans of one stack, per connection: pure, so a pull request from
 * a fork (no credentials) gets the same answer as a deploy. Empty when nothing a reviewer cares about moved.
 */
export function diffPlans(base: PlannedSide, head: PlannedSide): ConnectionDiff[] {
  const names = [...new Set([...base.settings.connections, ...head.settings.connections].map((c) => c.name))].sort();
  return names.flatMap((name): ConnectionDiff[] => {
    const before = base.settings.connections.find((c) => c.name === name);
    const after = head.settings.connections.find((c) => c.name === name);
    const beforeTokens = base.tokens.filter((t) => t.connection === name);
    const afterTokens = head.tokens.filter((t) => t.connection === name);
    const diff: ConnectionDiff = {
      connection: name,
      change: !before ? "added" : !after ? "removed" : "changed",
      tokens: delta(
        beforeTokens.map((t) => t.name),
        afterTokens.map((t) => t.name),
      ),
      groups: delta(groupsOf(beforeTokens), groupsOf(afterTokens), groupId),
      accounts: delta(before?.accounts ?? [], after?.accounts ?? []),
      zones: delta(zonesOf(before), zonesOf(after)),
      ...(before && after && before.token.ttlDays !== after.token.ttlDays
        ? { ttlDays: { from: before.token.ttlDays, to: after.token.ttlDays } }
        : {}),
      allowedIps: delta(before?.token.allowedIps ?? [], after?.token.allowedIps ?? []),
      deniedIps: delta(before?.token.deniedIps ?? [], after?.token.deniedIps ?? []),
      ...registrationChange(before, after),
    };
    const moved =
      [diff.tokens, diff.groups, diff.accounts, diff.zones, diff.allowedIps, diff.deniedIps].some((d) => !isEmpty(d)) ||
      diff.ttlDays !== undefined ||
      diff.registration !== undefined;
    return moved ? [diff] : [];
  });
}
