import type { TokenDetails } from "../cloudflare/client";
import { deployCommand } from "./diagnose";
import type { Check, ExactnessExpectation } from "./types";

const ID = "exactness:ip-filter";

const describe = (allow: readonly string[], deny: readonly string[]) =>
  `allow ${allow.join(", ") || "any"}; deny ${deny.join(", ") || "none"}`;
const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((v, i) => v === b[i]);

/** Rule 4: the token's client-IP filter is the planned one, so it works from the platform's addresses and only from them. */
export function checkIpFilter(condition: TokenDetails["condition"], expect: Pick<ExactnessExpectation, "plan" | "stack">): Check {
  const deploy = deployCommand(expect.stack);
  const held = { allow: [...(condition?.request_ip?.in ?? [])].sort(), deny: [...(condition?.request_ip?.not_in ?? [])].sort() };
  const want = { allow: [...expect.plan.allowedIps].sort(), deny: [...expect.plan.deniedIps].sort() };
  const planned = describe(want.allow, want.deny);
  if (same(held.allow, want.allow) && same(held.deny, want.deny)) {
    const filtered = want.allow.length > 0 || want.deny.length > 0;
    return { id: ID, status: "pass", detail: filtered ? `client-IP filter as planned (${planned})` : "no client-IP filter, none planned" };
  }
  if ((want.allow.length > 0 && held.allow.length === 0) || (want.deny.length > 0 && held.deny.length === 0)) {
    return {
      id: ID,
      status: "fail",
      detail: `the planned client-IP filter is absent (planned: ${planned})`,
      remedy: `Restore the filter so the token only works from the platform's addresses (${deploy}).`,
    };
  }
  if (want.allow.length === 0 && want.deny.length === 0) {
    return {
      id: ID,
      status: "warn",
      detail: `the token has a client-IP filter the plan does not (${describe(held.allow, held.deny)}); the platform may be refused`,
      remedy: `Add the filter to the stack config (token.allowedIps / deniedIps) or remove it from the token (${deploy}).`,
    };
  }
  return {
    id: ID,
    status: "fail",
    detail: `client-IP filter differs: token allows ${held.allow.join(", ") || "any"} and denies ${held.deny.join(", ") || "none"}; planned allow ${want.allow.join(", ") || "any"}, deny ${want.deny.join(", ") || "none"}`,
    remedy: `Redeploy so the token carries the planned filter (${deploy}).`,
  };
}
