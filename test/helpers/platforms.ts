/**
 * Platforms the catalog does not have, as a stack file defines them under
 * cf-compliance-tokens:platforms (the example and two more), for the suites that take one
 * through config, the component, the pack, diff and the rehearsal.
 */
import type { PlatformSpec } from "../../src/config/platforms";

/** User-owned, read-only: the example. */
export const ACME_GRC = {
  displayName: "Acme GRC",
  owner: "user",
  source: "https://docs.acme-grc.example/cloudflare",
  groups: [
    { name: "Account Settings Read", scope: "account" },
    { name: "Zone Read", scope: "zone" },
  ],
} satisfies PlatformSpec;

/** Account-owned, read-only: one token per account. */
export const ACME_LEDGER = {
  displayName: "Acme Ledger",
  owner: "account",
  source: "https://acme-ledger.example/docs/cloudflare",
  groups: [
    { name: "Access: Audit Logs Read", scope: "account" },
    { name: "Account Settings Read", scope: "account" },
  ],
} satisfies PlatformSpec;

/** Account-owned, and its guide needs a write group: valid only with allowWrite. */
export const ACME_SIEM = {
  displayName: "Acme SIEM",
  owner: "account",
  source: "https://docs.acme-siem.example/cloudflare-logpush",
  groups: [
    { name: "Logs Write", scope: "account" },
    { name: "Account Settings Read", scope: "account" },
  ],
  allowWrite: true,
} satisfies PlatformSpec;
