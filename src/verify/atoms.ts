import { ALL_ZONES_KEY, RESOURCE_PREFIX, type PolicyResources } from "../domain/resource-keys";
import { SCOPES, type Scope } from "../domain/permission-group";

/** One resource a policy grants, normalised from Cloudflare's resource keys (flat or nested). */
export type Atom =
  | { readonly kind: "everything" }
  | { readonly kind: "all-accounts" }
  | { readonly kind: "all-users" }
  /** Every zone of every account. */
  | { readonly kind: "all-zones" }
  /** All zones of one account (the nested form). */
  | { readonly kind: "account-zones"; readonly account: string }
  | { readonly kind: "account"; readonly id: string }
  | { readonly kind: "zone"; readonly id: string }
  /** A plan's zone still named symbolically (`<example.com>`), or a name no zone of the chosen accounts has. */
  | { readonly kind: "zone-name"; readonly name: string }
  /** A user token reaches only its own user: any concrete user ID is this one. */
  | { readonly kind: "user" }
  | { readonly kind: "other"; readonly key: string };

/** A stable identity for sets and maps of atoms. */
export function atomKey(atom: Atom): string {
  switch (atom.kind) {
    case "account-zones":
      return `${atom.kind}:${atom.account}`;
    case "account":
    case "zone":
      return `${atom.kind}:${atom.id}`;
    case "zone-name":
      return `${atom.kind}:${atom.name}`;
    case "other":
      return `${atom.kind}:${atom.key}`;
    default:
      return atom.kind;
  }
}

const ZONE = RESOURCE_PREFIX.zone;
const ACCOUNT = RESOURCE_PREFIX.account;
const USER = RESOURCE_PREFIX.user;

function keyAtom(key: string): Atom {
  if (key === "*") return { kind: "everything" };
  // The zone prefix extends the account prefix: it is tested first.
  if (key.startsWith(ZONE)) {
    const rest = key.slice(ZONE.length);
    if (rest === "*") return { kind: "all-zones" };
    const name = /^<(.+)>$/.exec(rest)?.[1];
    return name ? { kind: "zone-name", name } : { kind: "zone", id: rest };
  }
  if (key.startsWith(ACCOUNT)) {
    const rest = key.slice(ACCOUNT.length);
    return rest === "*" ? { kind: "all-accounts" } : { kind: "account", id: rest };
  }
  if (key.startsWith(USER)) return key.slice(USER.length) === "*" ? { kind: "all-users" } : { kind: "user" };
  return { kind: "other", key };
}

/** Normalises a policy's resources (flat or nested) into atoms. */
export function resourceAtoms(resources: PolicyResources | Record<string, unknown>): Atom[] {
  return Object.entries(resources).flatMap(([key, value]): Atom[] => {
    if (!value || typeof value !== "object") return [keyAtom(key)];
    const outer = keyAtom(key);
    return Object.keys(value).map((inner): Atom => {
      if (inner === ALL_ZONES_KEY) {
        if (outer.kind === "all-accounts") return { kind: "all-zones" };
        if (outer.kind === "account") return { kind: "account-zones", account: outer.id };
      } else if (inner.startsWith(ZONE)) return keyAtom(inner);
      return { kind: "other", key: `${key}/${inner}` };
    });
  });
}

const ZONE_KINDS: ReadonlySet<Atom["kind"]> = new Set(["zone", "zone-name", "account-zones", "all-zones"]);

/** The scope a policy's resources imply, for naming a group Cloudflare lists at several scopes. */
export function scopeOfAtoms(atoms: readonly Atom[]): Scope | undefined {
  if (atoms.some((a) => ZONE_KINDS.has(a.kind))) return SCOPES.zone;
  if (atoms.some((a) => a.kind === "account" || a.kind === "all-accounts")) return SCOPES.account;
  if (atoms.some((a) => a.kind === "user" || a.kind === "all-users")) return SCOPES.user;
  return undefined;
}

/** Does a set of granted atoms reach `atom`? A wider grant covers it (and is reported as wider instead). */
export function covers(granted: ReadonlyMap<string, Atom>, atom: Atom): boolean {
  if (granted.has(atomKey(atom)) || granted.has("everything")) return true;
  const held = [...granted.values()];
  switch (atom.kind) {
    case "zone":
    case "zone-name":
      return granted.has("all-zones") || held.some((a) => a.kind === "account-zones");
    case "account-zones":
      return granted.has("all-zones");
    case "account":
      return granted.has("all-accounts");
    default:
      return false;
  }
}

/** Atoms keyed by identity, so equal grants from several policies count once. */
export function atomSet(atoms: Iterable<Atom>): Map<string, Atom> {
  return new Map([...atoms].map((a) => [atomKey(a), a]));
}
