import { ApiCallCounter, CLOUDFLARE_API_BASE, createCloudflareClient } from "../cloudflare/client";
import { PLATFORMS } from "../platforms";
import { pickupCheckFor, registrarFor, type Env, type RegistrarOverrides } from "../registration";
import { RehearsalEngine } from "../rehearsal/rehearsal-engine";
import { readClock } from "../sandbox/control-client";
import { verifyToken } from "../verify";
import type { StackEngine } from "./engine";
import type { PipelineContext, TokenInspector, TokenVerifier } from "./pipeline";
import { PulumiEngine } from "./pulumi-engine";
import type { RotateOptions } from "./rotate";

export type EngineKind = "pulumi" | "sandbox";

export interface PipelineOptions {
  readonly projectDir: string;
  readonly stack: string;
  readonly engine: EngineKind;
  /** Cloudflare API base: Cloudflare's, or a running sandbox's for the rehearsal engine. */
  readonly apiBase: string;
  /** The provisioner credential: creates tokens (rehearsal), reads them back (verify, rotation). */
  readonly provisionerToken: string;
  readonly progress: (line: string) => void;
  /** The sandbox's control URL, whose clock the rehearsal engine follows. Derived from apiBase when absent. */
  readonly controlUrl?: string;
  readonly sandboxStateDir?: string;
  readonly policyPacks?: readonly string[];
  readonly env?: Env;
  readonly registrarOverrides?: RegistrarOverrides;
  /** Verification probes every chosen zone instead of a sample. */
  readonly probeAllZones?: boolean;
}

export interface Pipeline {
  readonly context: PipelineContext;
  readonly pickupCheckFor: RotateOptions["pickupCheckFor"];
  /** API calls of the engine and rotation's reads so far; verification counts its own. */
  readonly apiCalls: () => number;
}

/** The sandbox's control plane sits beside its API: http://host:port/__sandbox next to /client/v4. */
export function sandboxControlUrl(apiBase: string): string {
  return apiBase.replace(/\/client\/v4\/?$/, "/__sandbox");
}

/** Wires one command's pipeline: engine, verifier, registrars, rotation's token reads. */
export function buildPipeline(options: PipelineOptions): Pipeline {
  const counter = new ApiCallCounter();
  const provisioner = createCloudflareClient({ apiToken: options.provisionerToken, baseUrl: options.apiBase, counter });
  const rehearsal = options.engine === "sandbox";
  const controlUrl = options.controlUrl ?? sandboxControlUrl(options.apiBase);
  const now = rehearsal ? () => readClock(controlUrl) : async () => new Date();
  const engine: StackEngine = rehearsal
    ? new RehearsalEngine({ projectDir: options.projectDir, stack: options.stack, stateDir: options.sandboxStateDir, client: provisioner.sdk, now })
    : new PulumiEngine({ projectDir: options.projectDir, stack: options.stack, policyPacks: options.policyPacks, onOutput: (line) => options.progress(line.trimEnd()) });

  const verifier: TokenVerifier = {
    async verify({ token, plan, value, withoutUse }) {
      const at = await now();
      const report = await verifyToken({
        platform: PLATFORMS[plan.platform]!,
        profile: plan.profile,
        owner: plan.owner,
        accounts: plan.scope.accounts,
        zones: plan.scope.zones,
        plan,
        token: value,
        tokenId: token.id,
        ...(withoutUse ? { withoutUse } : {}),
        // Generations are pinned before deploying, so the planned expiry is the deployed one.
        plannedExpiryKnown: true,
        provisionerToken: options.provisionerToken,
        apiBase: options.apiBase,
        stack: options.stack,
        now: () => at,
        ...(options.probeAllZones ? { probeAllZones: true } : {}),
      });
      return {
        ok: report.ok,
        apiCalls: report.apiCalls,
        checks: report.checks.map((c) => ({ ...c })),
        ...(report.unlistedZones ? { unlistedZones: [...report.unlistedZones] } : {}),
      };
    },
  };
  const inspector: TokenInspector = {
    async lastUsedOn(token) {
      const details = (await provisioner.getToken(token.owner, token.id)) as { last_used_on?: string | null };
      return details.last_used_on ?? null;
    },
  };
  const env = options.env ?? process.env;
  return {
    context: {
      engine,
      verifier,
      inspector,
      registrarFor: (connection) => registrarFor(connection.registration, env, { ...options.registrarOverrides }),
      apiBaseUrl: rehearsal ? options.apiBase : CLOUDFLARE_API_BASE,
      now,
      progress: options.progress,
    },
    pickupCheckFor: (connection) => pickupCheckFor(connection.registration, env, { ...options.registrarOverrides }),
    apiCalls: () => counter.total,
  };
}
