/**
 * The audit controls cfct's evidence speaks to (what a record proves for each: controls.ts). Auditors of API
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
