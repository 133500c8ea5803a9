/**
 * The audit controls cfct's evidence speaks to, and which run proves what. Auditors of API
 * credentials ask for least privilege at grant, a periodic access review, rotation and revocation
 * records (SOC 2 CC6.1–CC6.3; ISO/IEC 27001:2022 A.5.15, A.5.17, A.5.18, A.8.2).
 */
export const CONTROLS = {
  "SOC 2 CC6.1": "Logical access is restricted: credentials are least-privilege and scoped to the assets they need",
  "SOC 2 CC6.2": "Credentials are issued only through an authorised process and removed when no longer needed",
  "SOC 2 CC6.3": "Access is authorised, modified and removed on the principle of least privilege, and reviewed",
  "ISO/IEC 27001:2022 A.5.15": "Access control: rules for access to information are established and applied",
  "ISO/IEC 27001:2022 A.5.17": "Authentication information: allocated, handled and rotated under control",
  "ISO/IEC 27001:2022 A.5.18": "Access rights: provisioned, reviewed, modified and removed",
  "ISO/IEC 27001:2022 A.8.2": "Privileged access rights: restricted and managed (no write access for readers)",
} as const;

export type ControlId = keyof typeof CONTROLS;

export interface ControlClaim {
  readonly control: ControlId;
  /** What this record shows for the control, in an auditor's words. */
  readonly proves: string;
}

/** The evidence kinds cfct writes: a run of `up`, `rotate`, `destroy`, `verify`, or an access review. */
export type EvidenceKind = "up" | "rotate" | "destroy" | "verify" | "audit";

const CLAIMS: Record<EvidenceKind, readonly ControlClaim[]> = {
  up: [
    { control: "SOC 2 CC6.1", proves: "each token's permission groups and resources as granted, checked read-only and scoped" },
    { control: "SOC 2 CC6.2", proves: "tokens were issued by the reviewed code at the recorded commit, then verified and registered" },
    { control: "ISO/IEC 27001:2022 A.5.15", proves: "access follows the stack's declared rules (plan), verified against Cloudflare" },
    { control: "ISO/IEC 27001:2022 A.5.17", proves: "each value went only to its registration channel; no value is recorded" },
    { control: "ISO/IEC 27001:2022 A.5.18", proves: "the access rights provisioned, with expiry and client-IP filter" },
    { control: "ISO/IEC 27001:2022 A.8.2", proves: "no write, edit or admin group was granted to a compliance reader" },
  ],
  verify: [
    { control: "SOC 2 CC6.1", proves: "the live token matched its least-privilege plan at the recorded time" },
    { control: "ISO/IEC 27001:2022 A.5.15", proves: "access as Cloudflare enforces it equals the declared rules" },
    { control: "ISO/IEC 27001:2022 A.8.2", proves: "the token holds no group beyond the read groups planned" },
  ],
  rotate: [
    { control: "SOC 2 CC6.2", proves: "a new generation replaced the old one, and the old one was revoked after pickup" },
    { control: "SOC 2 CC6.3", proves: "access was modified without widening it: the successor carries the same plan" },
    { control: "ISO/IEC 27001:2022 A.5.17", proves: "authentication information was rotated before expiry" },
    { control: "ISO/IEC 27001:2022 A.5.18", proves: "access rights were renewed and the superseded ones removed" },
  ],
  destroy: [
    { control: "SOC 2 CC6.2", proves: "credentials no longer needed were revoked" },
    { control: "SOC 2 CC6.3", proves: "access was removed when the connection was retired" },
    { control: "ISO/IEC 27001:2022 A.5.18", proves: "access rights were removed" },
  ],
  audit: [
    { control: "SOC 2 CC6.1", proves: "every token the provisioner can see was listed and its privileges judged" },
    { control: "SOC 2 CC6.2", proves: "tokens issued outside the stack (unmanaged, orphaned) were found for removal" },
    { control: "SOC 2 CC6.3", proves: "a periodic access review, with a reviewer's keep/revoke decision per token" },
    { control: "ISO/IEC 27001:2022 A.5.18", proves: "access rights were reviewed at the recorded time" },
    { control: "ISO/IEC 27001:2022 A.8.2", proves: "write, edit and admin grants were flagged high" },
  ],
};

export function controlsFor(kind: EvidenceKind): ControlClaim[] {
  return CLAIMS[kind].map((claim) => ({ ...claim }));
}

/** `SOC 2 CC6.1 — Logical access is restricted…` lines for a document's "controls evidenced" section. */
export function describeControls(claims: readonly ControlClaim[]): string[] {
  return claims.map((c) => `- **${c.control}** (${CONTROLS[c.control]}): ${c.proves}`);
}
