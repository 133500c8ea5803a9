import ipaddr from "ipaddr.js";
import type { IpCondition } from "../tokens/token";

function parseRange(cidr: string): [ipaddr.IPv4 | ipaddr.IPv6, number] {
  if (cidr.includes("/")) return ipaddr.parseCIDR(cidr);
  const address = ipaddr.parse(cidr);
  return [address, address.kind() === "ipv4" ? 32 : 128];
}

/** Accepts a CIDR or a single address (a /32 or /128). */
export function isIpRange(value: string): boolean {
  try {
    parseRange(value);
    return true;
  } catch {
    return false;
  }
}

function inRange(address: ipaddr.IPv4 | ipaddr.IPv6, cidr: string): boolean {
  const [network, bits] = parseRange(cidr);
  return network.kind() === address.kind() && address.match(network, bits);
}

/** condition.request_ip: in some `in` range when any are listed, and in no `not_in` range. */
export function ipPermitted(condition: IpCondition, clientAddress: string): boolean {
  if (condition.in.length === 0 && condition.notIn.length === 0) return true;
  // An IPv4 client on a dual-stack socket shows as ::ffff:a.b.c.d; compare it as IPv4.
  const address = ipaddr.process(clientAddress);
  if (condition.in.length > 0 && !condition.in.some((cidr) => inRange(address, cidr))) return false;
  return !condition.notIn.some((cidr) => inRange(address, cidr));
}
