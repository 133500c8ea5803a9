import { rfc3339 } from "../clock";
import type { SandboxToken } from "../tokens/token";

export type EffectiveStatus = "active" | "disabled" | "expired";

/** What verify reports: a stored "active" past its expires_on is "expired". */
export function effectiveStatus(token: SandboxToken, now: Date): EffectiveStatus {
  if (token.status === "disabled") return "disabled";
  if (token.expiresOn !== null && token.expiresOn.getTime() <= now.getTime()) return "expired";
  return "active";
}

/** Why the token cannot be used right now, or null when it can. */
export function unusableBecause(token: SandboxToken, now: Date): string | null {
  switch (effectiveStatus(token, now)) {
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
