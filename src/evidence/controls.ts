import { isReadOnlyGroup } from "../cloudflare/permission-groups";
import type { AccessReview } from "./access-review";
import { CONTROLS, type ControlClaim, type ControlId } from "./control-catalog";
import type { EvidenceContent, EvidenceToken, RotationEvent } from "./record";

export { CONTROLS, type ControlClaim, type ControlId } from "./control-catalog";

type Claims = ControlClaim[];
const claim = (control: ControlId, proves: string): ControlClaim => ({ control, proves });

const list = (items: readonly string[]) => items.join(", ");
const named = (tokens: readonly EvidenceToken[]) => list(tokens.map((t) => t.name));
const count = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

const passedCheck = (token: EvidenceToken, id: string) =>
  token.verify?.checks.some((c) => (c.id === id || c.id.startsWith(`${id}:`)) && c.status === "pass") === true &&
  !token.verify.checks.some((c) => (c.id === id || c.id.startsWith(`${id}:`)) && c.status === "fail");

function checkResults(token: EvidenceToken): string {
  const checks = token.verify?.checks ?? [];
  const by = (status: string) => checks.filter((c) => c.status === status).map((c) => c.id);
  const parts = [`passed ${list(by("pass")) || "none"}`];
  for (const status of ["warn", "fail", "skip"]) if (by(status).length > 0) parts.push(`${status} ${list(by(status))}`);
  return `${token.name} (${parts.join("; ")})`;
}

/** What the tokens of a run show: issued, changed, deleted, verified (with results), registered (through which channel, when). */
function tokenClaims(record: EvidenceContent): Claims {
  const claims: Claims = [];
  const { tokens } = record;
  const issued = tokens.filter((t) => t.change === "create" || t.change === "replace");
  const changed = tokens.filter((t) => t.change === "update");
  const deleted = tokens.filter((t) => t.change === "delete");
  const verified = tokens.filter((t) => t.verify?.ok === true);
  const notVerified = tokens.filter((t) => t.verify?.ok === false);
  const registered = tokens.filter((t) => t.registration && t.registration.status !== "failed");
  const notRegistered = tokens.filter((t) => t.registration?.status === "failed");
  const exact = verified.filter((t) => passedCheck(t, "exactness"));
  const readOnlyExact = exact.filter((t) => t.groups.every((g) => isReadOnlyGroup(g)));

  if (issued.length > 0)
    claims.push(claim("SOC 2 CC6.2", `${count(issued.length, "token")} issued by the code at commit ${record.commit ?? "unknown"}: ${named(issued)}`));
  if (changed.length > 0) claims.push(claim("SOC 2 CC6.3", `${count(changed.length, "token")} modified in place: ${named(changed)}`));
  for (const token of registered) {
    claims.push(claim("SOC 2 CC6.2", `${token.name} ${token.registration!.status} through ${token.registration!.registrar} at ${token.registration!.at}`));
  }
  if (notRegistered.length > 0)
    claims.push(claim("SOC 2 CC6.2", `registration FAILED for ${named(notRegistered)}: the platform was not given these tokens`));
  if (registered.length > 0) {
    const channels = [...new Set(registered.map((t) => t.registration!.registrar))];
    claims.push(
      claim("ISO/IEC 27001:2022 A.5.17", `the values of ${named(registered)} went only to their registration channel (${list(channels)}); no value is recorded`),
    );
  }
  if (deleted.length > 0) {
    claims.push(claim("SOC 2 CC6.2", `${count(deleted.length, "token")} revoked and deleted by ${record.finishedAt}: ${named(deleted)}`));
    claims.push(claim("ISO/IEC 27001:2022 A.5.18", `access rights removed: ${named(deleted)}`));
  }
  if (verified.length > 0)
    claims.push(claim("SOC 2 CC6.1", `verified against Cloudflare: ${verified.map(checkResults).join("; ")}`));
  if (exact.length > 0)
    claims.push(claim("ISO/IEC 27001:2022 A.5.15", `Cloudflare holds exactly the planned groups, resources, expiry and IP filter for ${named(exact)}`));
  if (readOnlyExact.length > 0)
    claims.push(
      claim("ISO/IEC 27001:2022 A.8.2", `only Read groups, as Cloudflare confirmed them, on ${named(readOnlyExact)}: no write, edit or admin group`),
    );
  if (notVerified.length > 0)
    claims.push(claim("ISO/IEC 27001:2022 A.5.15", `verification FAILED: ${notVerified.map(checkResults).join("; ")}`));
  for (const token of [...issued, ...changed]) {
    const filter = token.ipFilter.allowed.length > 0 ? `only from ${list(token.ipFilter.allowed)}` : "no client-IP filter";
    claims.push(claim("ISO/IEC 27001:2022 A.5.18", `${token.name} provisioned: expires ${token.expiresOn ?? "never"}, ${filter}`));
  }
  return claims;
}

const EVENT_CLAIMS: Partial<Record<RotationEvent["event"], (e: RotationEvent) => ControlClaim>> = {
  "successor-created": (e) => claim("ISO/IEC 27001:2022 A.5.17", `${e.key} g${e.generation ?? "?"} issued at ${e.at} to replace the current generation`),
  "picked-up": (e) => claim("ISO/IEC 27001:2022 A.5.17", `the platform used ${e.key} g${e.generation ?? "?"} by ${e.at}`),
  "old-revoked": (e) => claim("SOC 2 CC6.2", `${e.key} g${e.generation ?? "?"} revoked at ${e.at} after its successor took over`),
  "old-expired": (e) => claim("ISO/IEC 27001:2022 A.5.18", `${e.key} g${e.generation ?? "?"} expired and was removed at ${e.at}`),
  failed: (e) => claim("ISO/IEC 27001:2022 A.5.17", `rotation FAILED for ${e.key} at ${e.at}: ${e.detail}`),
};

/** A successor whose grants equal its predecessor's, both in this record: rotation did not widen access. */
function unwidened(record: EvidenceContent): Claims {
  const same = (a: EvidenceToken, b: EvidenceToken) =>
    canonical(a.groups) === canonical(b.groups) && canonical(a.resources) === canonical(b.resources);
  return record.rotation.flatMap((e) => {
    if (e.event !== "successor-created" || e.generation === undefined) return [];
    const successor = record.tokens.find((t) => t.key === e.key && t.generation === e.generation);
    const predecessor = record.tokens.find((t) => t.key === e.key && t.generation === e.generation! - 1);
    return successor && predecessor && same(successor, predecessor)
      ? [claim("SOC 2 CC6.3", `${e.key} g${e.generation} carries exactly the groups and resources of g${e.generation - 1}: access renewed, not widened`)]
      : [];
  });
}

const canonical = (value: unknown) => JSON.stringify(value, (_key, v: unknown) => (Array.isArray(v) ? [...v].map((x) => JSON.stringify(x)).sort() : v));

function rotationClaims(record: EvidenceContent): Claims {
  const claims = record.rotation.flatMap((e) => EVENT_CLAIMS[e.event]?.(e) ?? []);
  const notDue = [...new Set(record.rotation.filter((e) => e.event === "not-due").map((e) => e.key))];
  if (notDue.length > 0 && claims.length === 0 && record.tokens.every((t) => t.change === "same")) {
    claims.push(claim("ISO/IEC 27001:2022 A.5.17", `rotation was checked and nothing was due (${list(notDue)}): no token was issued or revoked`));
  }
  return [...claims, ...unwidened(record)];
}

/** What an access review shows: what was listed and judged, what was found, and where it could not look. */
export function reviewClaims(review: AccessReview): Claims {
  const { summary } = review;
  const outside = (summary.byClass.unmanaged ?? 0) + (summary.byClass.orphaned ?? 0);
  const writers = review.tokens.filter((t) => t.findings.some((f) => f.id === "write-access"));
  const claims: Claims = [
    claim("SOC 2 CC6.1", `${count(summary.tokens, "token")} the provisioner can see were listed at ${review.generatedAt} and their privileges judged`),
    claim(
      "SOC 2 CC6.2",
      outside > 0
        ? `tokens issued outside the stack were found for removal: ${summary.byClass.unmanaged ?? 0} unmanaged, ${summary.byClass.orphaned ?? 0} orphaned`
        : "no token issued outside the stack (unmanaged or orphaned) was found",
    ),
    claim(
      "SOC 2 CC6.3",
      `an access review held at ${review.generatedAt}: ${summary.findings.high ?? 0} high, ${summary.findings.medium ?? 0} medium, ${summary.findings.low ?? 0} low finding(s); keep/revoke decisions are the reviewer's sign-off, not recorded here`,
    ),
    claim(
      "ISO/IEC 27001:2022 A.8.2",
      writers.length > 0 ? `write, edit or admin grants flagged high on ${list(writers.map((t) => t.name))}` : "no token with a write, edit or admin grant was found",
    ),
  ];
  const notReviewed = review.notReviewed.map((g) => `${g.owner.kind === "account" ? `account ${g.owner.accountId}` : "user"} tokens`);
  claims.push(
    claim(
      "ISO/IEC 27001:2022 A.5.18",
      `access rights reviewed at ${review.generatedAt}${notReviewed.length > 0 ? `; NOT reviewed: ${list(notReviewed)}` : ""}`,
    ),
  );
  return claims;
}

/**
 * The control statements a record supports, derived from what it shows happened: tokens issued,
 * verified with these results, registered through this channel, revoked at this time, a review
 * held. A run that stopped evidences only that; a run that changed nothing says so.
 */
export function controlsEvidenced(record: EvidenceContent): ControlClaim[] {
  if (record.stopped?.afterChange === false) {
    return [claim("SOC 2 CC6.2", `refused before any change (${record.problems.join("; ")}): no token was issued, changed or revoked`)];
  }
  if (record.stopped?.afterChange === true) {
    return [
      claim(
        "SOC 2 CC6.2",
        `stopped after changing the stack (${record.problems.join("; ")}): this record evidences no issuance, verification or registration; the next run records the state it left`,
      ),
    ];
  }
  const claims = [...tokenClaims(record), ...rotationClaims(record), ...(record.review ? reviewClaims(record.review) : [])];
  if (claims.length > 0) return claims;
  if (record.command === "destroy") return [claim("SOC 2 CC6.2", "the stack had no token to revoke: nothing was removed")];
  if (record.tokens.length === 0) return [claim("SOC 2 CC6.2", "the stack had no token: nothing was issued, verified or revoked")];
  return [claim("SOC 2 CC6.2", `no token was issued, changed or revoked: ${named(record.tokens)} unchanged`)];
}

/** `SOC 2 CC6.1 — Logical access is restricted…` lines for a document's "controls evidenced" section. */
export function describeControls(claims: readonly ControlClaim[]): string[] {
  return claims.map((c) => `- **${c.control}** (${CONTROLS[c.control]}): ${c.proves}`);
}
