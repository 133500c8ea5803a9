import { homedir } from "node:os";
import type { RegistrationSettings } from "../config/registration";
import { secretEnvEntries } from "../config/registration/fields";
import { createDatadogRegistrar, keptOnDestroy } from "./datadog";
import { createDrataStatusCheck } from "./drata-status";
import { createHandoffRegistrar } from "./handoff";
import type { RetryPolicy } from "./http";
import { RegistrationConfigError, type Env, type PickupCheck, type Registrar, type RegistrarContext } from "./types";
import { createWebhookRegistrar } from "./webhook";

export type { Env, PickupCheck, PickupResult, Registrar, RegistrarContext, RegistrationOutcome, RegistrationRequest } from "./types";
export { RegistrationConfigError } from "./types";
export { type RegistrationSettings } from "../config/registration";
export { type RetryPolicy } from "./http";
export { renderSheet } from "./handoff";
export {
  NO_REPLAY_WINDOW,
  SIGNATURE_HEADER,
  WEBHOOK_REPLAY_WINDOW_SECONDS,
  signWebhookBody,
  verifyWebhookSignature,
  type WebhookPayload,
} from "./webhook";

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
  refuseProvisionerVariable(config, overrides.provisionerTokenEnv);
  const factory = REGISTRARS[config.kind] as Factory<Kind>;
  return factory(config as never, registrarContext(env, overrides));
}

/** The pickup check of a connection, if it configures one (`registration.drataStatus`). */
export function pickupCheckFor(
  config: RegistrationSettings,
  env: Env = process.env,
  overrides: RegistrarOverrides = {},
): PickupCheck | undefined {
  refuseProvisionerVariable(config, overrides.provisionerTokenEnv);
  return config.drataStatus ? createDrataStatusCheck(config.drataStatus, registrarContext(env, overrides)) : undefined;
}

/**
 * The stack file's schema refuses credential-class names (CREDENTIAL_ENV_PREFIXES); the
 * provisioner's variable is chosen at run time (`--provisioner-token-env`), so it is refused here,
 * before any registrar or token exists.
 */
function refuseProvisionerVariable(config: RegistrationSettings, provisionerTokenEnv: string | undefined): void {
  if (provisionerTokenEnv === undefined) return;
  const named = secretEnvEntries(config).find(([, value]) => value === provisionerTokenEnv);
  if (!named) return;
  throw new RegistrationConfigError({
    summary: `registration.${named[0]} names ${provisionerTokenEnv}, the variable that holds the provisioner credential on this run (--provisioner-token-env), so registering would send that credential to the platform`,
    fix: `put the registrar's secret in a variable of its own and name that in registration.${named[0]}`,
  });
}

/**
 * What `cfct destroy` does in the platform for a connection: `deregister` (its registrar, and so
 * its secrets, are needed before anything is destroyed), or nothing, with a note of what is left there.
 */
export function onDestroy(config: RegistrationSettings, connection: string): { readonly deregister: boolean; readonly note?: string } {
  if (config.kind !== "datadog") return { deregister: false };
  return config.deleteOnDestroy ? { deregister: true } : { deregister: false, note: keptOnDestroy(config, connection) };
}
