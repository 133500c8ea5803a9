import type { SandboxToken } from "../tokens/token";
import { rfc3339 } from "../../domain/time";

/**
 * "compromised" is our assumption: Cloudflare deactivates a token found exposed and marks it
 * "Compromised" in the dashboard (cloudflare-docs#29724); the API's status value is not documented.
 */
export type EffectiveStatus = "active" | "disabled" | "expired" | "compromised";

/** What verify reports: a stored "active" past its expires_on is "expired". */
export function effectiveStatus(token: SandboxToken, now: Date): EffectiveStatus {
  if (token.exposedOn !== null) return "compromised";
  if (token.status === "disabled") return "disabled";
  if (token.expiresOn !== null && token.expiresOn.getTime() <= now.getTime()) return "expired";
  return "active";
}

/** Why the token cannot be used right now, or null when it can. */
export function unusableBecause(token: SandboxToken, now: Date): string | null {
  switch (effectiveStatus(token, now)) {
    case "compromised":
      return "Cloudflare deactivated this token because its value was found exposed. Fix: roll it (a new value) or delete it, and find where the value leaked";
    case "disabled":
      return "this token is disabled. Fix: re-enable it (status active) or use another token";
    case "expired":
      return `this token expired at ${rfc3339(token.expiresOn!)}. Fix: roll it into a new token or extend expires_on`;
    case "active":
      if (token.notBefore !== null && now.getTime() < token.notBefore.getTime()) {
        return `this token is not valid before ${rfc3339(token.notBefore)}. Fix: wait, or move not_before earlier`;
      }
      return null;
  }
}
