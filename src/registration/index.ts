import { homedir } from "node:os";
import type { RegistrationSettings } from "../config/registration";
import { createDatadogRegistrar, keptOnDestroy } from "./datadog";
import { createDrataStatusCheck } from "./drata-status";
import { createHandoffRegistrar } from "./handoff";
import type { RetryPolicy } from "./http";
import type { Env, PickupCheck, Registrar, RegistrarContext } from "./types";
import { createWebhookRegistrar } from "./webhook";

export type { Env, PickupCheck, PickupResult, Registrar, RegistrarContext, RegistrationOutcome, RegistrationRequest } from "./types";
export { RegistrationConfigError } from "./types";
export { type RegistrationSettings } from "../config/registration";
export { type RetryPolicy } from "./http";
export { renderSheet } from "./handoff";
export { SIGNATURE_HEADER, WEBHOOK_REPLAY_WINDOW_SECONDS, signWebhookBody, verifyWebhookSignature, type WebhookPayload } from "./webhook";

type Kind = RegistrationSettings["kind"];
type Factory<K extends Kind> = (
  config: Extract<RegistrationSettings, { kind: K }>,
  ctx: RegistrarContext & { readonly retry?: RetryPolicy },
) => Registrar;

/** One line per registrar module. */
const REGISTRARS: { readonly [K in Kind]: Factory<K> } = {
  handoff: createHandoffRegistrar,
  webhook: createWebhookRegistrar,
  datadog: createDatadogRegistrar,
};

export type RegistrarOverrides = Partial<RegistrarContext> & { readonly retry?: RetryPolicy };

export function registrarContext(
  env: Env = process.env,
  overrides: RegistrarOverrides = {},
): RegistrarContext & { readonly retry?: RetryPolicy } {
  return {
    env,
    fetch: globalThis.fetch,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    now: () => new Date(),
    random: Math.random,
    cwd: process.cwd(),
    homedir: homedir(),
    ...overrides,
  };
}

/**
 * The registrar a connection's `registration` config asks for. Throws RegistrationConfigError
 * (before anything is deployed, if called early) when a secret it needs is missing from `env`.
 */
export function registrarFor(config: RegistrationSettings, env: Env = process.env, overrides: RegistrarOverrides = {}): Registrar {
  const factory = REGISTRARS[config.kind] as Factory<Kind>;
  return factory(config as never, registrarContext(env, overrides));
}

/** The pickup check of a connection, if it configures one (`registration.drataStatus`). */
export function pickupCheckFor(
  config: RegistrationSettings,
  env: Env = process.env,
  overrides: RegistrarOverrides = {},
): PickupCheck | undefined {
  return config.drataStatus ? createDrataStatusCheck(config.drataStatus, registrarContext(env, overrides)) : undefined;
}

/**
 * What `cfct destroy` does in the platform for a connection: `deregister` (its registrar, and so
 * its secrets, are needed before anything is destroyed), or nothing, with a note of what is left there.
 */
export function onDestroy(config: RegistrationSettings, connection: string): { readonly deregister: boolean; readonly note?: string } {
  if (config.kind !== "datadog") return { deregister: false };
  return config.deleteOnDestroy ? { deregister: true } : { deregister: false, note: keptOnDestroy(config, connection) };
}
