import type { PlatformDefinition } from "../platforms";
import { type TokenOwner } from "../domain/owner";
import { CfctError } from "../domain/cfct-error";

/**
 * One token generation to hand to its compliance platform. Everything except `value` is safe to
 * print; `value` is the secret and travels only into the registration channel (a 0600 sheet or a
 * signed webhook body), never into an outcome, a log line or an error.
 */
export interface RegistrationRequest {
  readonly stack: string;
  readonly connection: string;
  readonly platform: PlatformDefinition;
  /** Stable key of the token across generations (TokenPlan.key). */
  readonly tokenKey: string;
  /** Cloudflare's token ID (not secret). */
  readonly tokenId: string;
  readonly tokenName: string;
  readonly generation: number;
  /** RFC 3339, or null for a token that never expires. */
  readonly expiresOn: string | null;
  readonly owner: TokenOwner;
  /** The accounts the token reads (its plan's); a user-owned token's platform may ask for the Account ID too. */
  readonly accounts?: readonly string[];
  /** The secret. */
  readonly value: string;
  /** What the platform should call: https://api.cloudflare.com/client/v4 (the sandbox's URL in a rehearsal). */
  readonly apiBaseUrl: string;
  /**
   * Set when the token holds specific zones: it cannot list zones (Cloudflare answers GET /zones
   * with 403), so the platform must be given these zone names (verify found them).
   */
  readonly unlistedZones?: readonly string[];
}

export type RegistrationStatus = "registered" | "handed-off" | "failed";

export interface RegistrationOutcome {
  /** The registrar's kind (`handoff`, `webhook`, ...). */
  readonly registrar: string;
  /**
   * `registered`: the channel accepted the token (webhook 2xx). `handed-off`: a person must finish
   * in the platform's UI. `failed`: nothing was registered; `detail` says why and how to fix it.
   */
  readonly status: RegistrationStatus;
  /** One or two sentences for the terminal and the evidence record. Never contains the value. */
  readonly detail: string;
  /** Where the token went: the sheet's path, or the webhook URL. */
  readonly location?: string;
  readonly attempts: number;
  /** RFC 3339 time the outcome was decided. */
  readonly at: string;
}

/** A registration channel. Adding one is one file exporting a RegistrarModule, plus a line in ./index.ts. */
export interface Registrar {
  readonly kind: string;
  /** Resolves with `failed` for every expected failure; it does not throw for them. */
  register(request: RegistrationRequest): Promise<RegistrationOutcome>;
  /** Why registering for this stack would be refused, checked before any token exists; undefined when it would not. */
  refusal?(stack: string): string | undefined;
  /** Removes what registering left behind for a generation that is now revoked (e.g. its hand-off sheet). */
  withdraw?(request: Pick<RegistrationRequest, "stack" | "tokenKey" | "generation">): void;
  /** `cfct destroy`, after the connection's tokens are gone: undoes the registration in the platform, if the config asks for it. */
  deregister?(request: DeregistrationRequest): Promise<DeregistrationOutcome>;
}

export type DeregistrationRequest = Pick<RegistrationRequest, "stack" | "connection">;

export interface DeregistrationOutcome {
  readonly registrar: string;
  /** `deleted` from the platform, already `absent` there, `kept` because the config does not ask to delete, or `failed`. */
  readonly status: "deleted" | "absent" | "kept" | "failed";
  /** One sentence for the terminal and the evidence; `failed` says how to fix it. */
  readonly detail: string;
  readonly attempts: number;
  readonly at: string;
}

/** What a pickup check needs: which token generation, and since when it has been with the platform. */
export type PickupRequest = Pick<RegistrationRequest, "stack" | "connection" | "platform" | "tokenKey" | "tokenId" | "generation"> & {
  /** When the generation was registered (RegistrationOutcome.at), if known. */
  readonly registeredAt?: string;
};

export interface PickupResult {
  /** True only when the platform itself reports a healthy connection. False means "not confirmed", never "broken" by itself. */
  readonly pickedUp: boolean;
  readonly detail: string;
  /** Finer-grained reason, for evidence and tests. */
  readonly state?: "connected" | "pending" | "misconfigured" | "not-found" | "ambiguous" | "unavailable";
}

/** Optional check, used during rotation, that the platform has picked the new generation up. */
export interface PickupCheck {
  readonly kind: string;
  confirmed(request: PickupRequest): Promise<PickupResult>;
}

/** Environment variables, as `process.env`. */
export type Env = Readonly<Record<string, string | undefined>>;

/** Everything with a side effect a registrar may need, injectable so tests are fast and offline. */
export interface RegistrarContext {
  readonly env: Env;
  readonly fetch: typeof fetch;
  readonly sleep: (ms: number) => Promise<void>;
  readonly now: () => Date;
  /** Uniform in [0, 1), for backoff jitter. */
  readonly random: () => number;
  /** Working directory relative paths are resolved against. */
  readonly cwd: string;
  /** Home directory for `~` and the default hand-off directory. */
  readonly homedir: string;
  /** A rehearsal against the sandbox: what it hands over stays apart from real runs'. */
  readonly rehearsal?: boolean;
  /** Hosts a registrar may send to beyond its vendor's documented ones, given at run time (--allow-registration-host), never by a stack file. */
  readonly allowedHosts?: readonly string[];
  /** The variable holding the provisioner credential on this run (`--provisioner-token-env`): no registrar may read it. */
  readonly provisionerTokenEnv?: string;
}

/** Raised when a registrar cannot even be built (e.g. its secret's environment variable is unset). */
export class RegistrationConfigError extends CfctError {
  override name = "RegistrationConfigError";
}
