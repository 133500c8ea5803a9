import ipaddr from "ipaddr.js";

/**
 * How a token's client-IP filter's two lists interact. Cloudflare lets a request through when its
 * address is in one of `request_ip.in` (if that list is not empty) and in none of `request_ip.not_in`,
 * and accepts any pair of lists: a deny list that covers the whole allow list leaves a token no
 * address can use, and Cloudflare says nothing. Pure; entries are CIDRs the schema has already checked.
 */
export interface IpFilterOverlap {
  /** An allowed range every address of which is denied. */
  readonly cancelled: readonly { readonly allowed: string; readonly deniedBy: readonly string[] }[];
  /** An allowed range the deny list carves a part out of. */
  readonly partial: readonly { readonly allowed: string; readonly deniedBy: readonly string[] }[];
  /** True when the allow list is not empty and every one of its ranges is cancelled: no address can use the token. */
  readonly nothingAllowed: boolean;
}

interface Range {
  readonly text: string;
  readonly kind: "ipv4" | "ipv6";
  /** The network address's bits, most significant first. */
  readonly bits: string;
}

function range(cidr: string): Range | undefined {
  try {
    const [address, prefix] = ipaddr.parseCIDR(cidr);
    const bits = address
      .toByteArray()
      .map((byte) => byte.toString(2).padStart(8, "0"))
      .join("")
      .slice(0, prefix);
    return { text: cidr, kind: address.kind(), bits };
  } catch {
    return undefined;
  }
}

const contains = (outer: Range, inner: Range) => outer.kind === inner.kind && inner.bits.startsWith(outer.bits);

/** Whether the denied ranges together cover every address of `target` (CIDRs are aligned, so halving decides it). */
function coveredBy(target: Range, denied: readonly Range[]): boolean {
  if (denied.some((d) => contains(d, target))) return true;
  const inside = denied.filter((d) => contains(target, d));
  if (inside.length === 0) return false;
  const half = (bit: "0" | "1"): Range => ({ text: target.text, kind: target.kind, bits: target.bits + bit });
  return coveredBy(half("0"), inside) && coveredBy(half("1"), inside);
}

export function ipFilterOverlap(allowedIps: readonly string[], deniedIps: readonly string[]): IpFilterOverlap {
  const denied = deniedIps.flatMap((cidr) => range(cidr) ?? []);
  const cancelled: { allowed: string; deniedBy: string[] }[] = [];
  const partial: { allowed: string; deniedBy: string[] }[] = [];
  for (const allowed of allowedIps.flatMap((cidr) => range(cidr) ?? [])) {
    // A range that contains the allowed one denies it alone; otherwise the ranges inside it do it together (or in part).
    const containing = denied.filter((d) => contains(d, allowed));
    const inside = denied.filter((d) => contains(allowed, d));
    if (containing.length > 0) cancelled.push({ allowed: allowed.text, deniedBy: containing.map((d) => d.text) });
    else if (inside.length > 0)
      (coveredBy(allowed, inside) ? cancelled : partial).push({ allowed: allowed.text, deniedBy: inside.map((d) => d.text) });
  }
  return { cancelled, partial, nothingAllowed: allowedIps.length > 0 && cancelled.length === allowedIps.length };
}

/** The warnings a filter whose lists overlap earns, one per allowed range the deny list cuts into; none when it is refused. */
export function ipFilterWarnings(overlap: IpFilterOverlap): string[] {
  if (overlap.nothingAllowed) return [];
  return [
    ...overlap.cancelled.map(
      ({ allowed, deniedBy }) =>
        `allowedIps ${allowed} is wholly inside deniedIps (${deniedBy.join(", ")}), so no address of it can use the token. Fix: remove ${allowed} from allowedIps, or narrow the denied range`,
    ),
    ...overlap.partial.map(
      ({ allowed, deniedBy }) =>
        `deniedIps ${deniedBy.join(", ")} ${deniedBy.length === 1 ? "takes" : "take"} part of allowedIps ${allowed} away: addresses there cannot use the token. Fine if meant; otherwise remove the overlap`,
    ),
  ];
}
