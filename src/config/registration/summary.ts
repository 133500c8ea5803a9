import { datadogApiBase } from "./datadog";
import { DRATA_DEFAULT_BASE_URL } from "./drata-status";
import { displayUrl, secretEnvEntries } from "./fields";
import type { RegistrationSettings } from "./index";

/** Where one part of a registration sends, and the config key that says so. */
export interface RegistrationDestination {
  /** `registration.url`, `registration.site`, `registration.drataStatus.baseUrl`, `registration.dir`. */
  readonly key: string;
  /** An https/http URL (origin and path), or for a hand-off the directory as configured (default: not set). */
  readonly to: string;
  /** The host a secret goes to; absent for a hand-off, which stays on this machine. */
  readonly host?: string;
}

/**
 * What a reviewer must see of a connection's registration: its kind, every place it sends a secret
 * (and the key naming it), and every environment variable whose secret it reads. Pure; the plan
 * shows it and the diff flags any change to it, so a stack-file edit cannot move a secret unseen.
 */
export interface RegistrationSummary {
  readonly kind: RegistrationSettings["kind"];
  readonly destinations: readonly RegistrationDestination[];
  /** `[key, variable]`, e.g. `["registration.secretEnv", "CFCT_WEBHOOK_SECRET"]`. */
  readonly secretEnv: readonly (readonly [string, string])[];
}

const toUrl = (key: string, url: string): RegistrationDestination => ({ key, to: displayUrl(url), host: new URL(url).host });

export function summarizeRegistration(registration: RegistrationSettings): RegistrationSummary {
  const destinations: RegistrationDestination[] = [];
  if (registration.kind === "handoff")
    destinations.push({ key: "registration.dir", to: registration.dir ?? "(default hand-off directory)" });
  if (registration.kind === "webhook") destinations.push(toUrl("registration.url", registration.url));
  if (registration.kind === "datadog") destinations.push(toUrl("registration.site", datadogApiBase(registration)));
  if (registration.drataStatus)
    destinations.push(toUrl("registration.drataStatus.baseUrl", registration.drataStatus.baseUrl ?? DRATA_DEFAULT_BASE_URL));
  return {
    kind: registration.kind,
    destinations,
    secretEnv: secretEnvEntries(registration).map(([key, name]) => [`registration.${key}`, name] as const),
  };
}

/** One line: `webhook → https://bridge.internal/cfct (registration.url); secrets from CFCT_WEBHOOK_SECRET`. */
export function registrationText(summary: RegistrationSummary): string {
  const where = summary.destinations.map((d) => `${d.to} (${d.key})`).join(", ");
  const secrets = summary.secretEnv.map(([, name]) => name).join(", ");
  return `${summary.kind} → ${where}${secrets ? `; secrets from ${secrets}` : ""}`;
}
