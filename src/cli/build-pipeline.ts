import { ApiCallCounter, CLOUDFLARE_API_BASE, CloudflareApiError, createCloudflareClient, type TokenStatus } from "../cloudflare/client";
import { DOCUMENTED_BUDGET, PROVISIONER_USER, RateBudgets, REAL_CLOCK, type PacingClock, type RequestBudget } from "../cloudflare/pacing";
import { pickupCheckFor, registrarFor, type Env, type RegistrarOverrides } from "../registration";
import { RehearsalEngine } from "../rehearsal/rehearsal-engine";
import { readClock, readInstance, type SandboxControl } from "../sandbox/control-client";
import { VerifyMemo, verifyToken } from "../verify";
import { verifyClients } from "./verify-clients";
import type { CleanedUpToken } from "../automation/engine";
import type { CleanupEvidence } from "../evidence/record";
import { rfc3339 } from "../domain/time";
import type { Pipeline, TokenInspector, TokenVerifier } from "../automation/pipeline";
import { preflight } from "../automation/preflight";
import { PulumiEngine } from "../automation/pulumi-engine";
import { PROVIDER_TOKEN_ENV } from "../automation/pulumi-environment";
import { pacingLine } from "./progress";
import { ChangeNoticingEngine } from "./change-noticing-engine";

export type EngineKind = "pulumi" | "sandbox";

export interface PipelineOptions {
  readonly projectDir: string;
  readonly stack: string;
  readonly engine: EngineKind;
  /** Cloudflare API base: Cloudflare's, or a running sandbox's for the rehearsal engine. */
  readonly apiBase: string;
  /** The provisioner credential: creates tokens (rehearsal), reads them back (verify, rotation). */
  readonly provisionerToken: string;
  /** The variable the provisioner credential came from (default CLOUDFLARE_API_TOKEN); the Pulumi engine withholds it. */
  readonly provisionerTokenEnv?: string;
  /** `up` and `rotate` may create the Pulumi stack; every other command only selects it. */
  readonly createStack?: boolean;
  readonly progress: (line: string) => void;
  /** The sandbox's control plane and its token, whose clock the rehearsal engine follows: required by the rehearsal engine. */
  readonly sandboxControl?: SandboxControl;
  readonly sandboxStateDir?: string;
  readonly policyPacks?: readonly string[];
  readonly policyPackConfigs?: readonly string[];
  readonly env?: Env;
  readonly registrarOverrides?: RegistrarOverrides;
  /** Time for rate-limit pacing; real time when absent (tests and the bench move the sandbox's clock instead). */
  readonly pacingClock?: PacingClock;
  /** Every principal's budget (`--rate-budget`, the stack's `rateBudget`); Cloudflare's documented 1200 per 300 s when absent. */
  readonly rateBudget?: RequestBudget;
  /** Verification probes every chosen zone instead of a sample. */
  readonly probeAllZones?: boolean;
  /** How long each Cloudflare request may take before it counts as unanswered; the client's 30 s when absent (tests shorten it against the sandbox's latency fault). */
  readonly timeoutMs?: number;
}

/** Wires one command's pipeline: engine, verifier, registrars, rotation's token reads. */
export function buildPipeline(options: PipelineOptions): Pipeline {
  const counter = new ApiCallCounter();
  const budgets = new RateBudgets(options.pacingClock ?? REAL_CLOCK, options.rateBudget ?? DOCUMENTED_BUDGET, (event) =>
    options.progress(pacingLine(event)),
  );
  // A fleet must not stop for a 429: every client of this command waits it out.
  const provisioner = createCloudflareClient({
    apiToken: options.provisionerToken,
    baseUrl: options.apiBase,
    counter,
    budget: budgets.for(PROVISIONER_USER),
    waitOutRefusals: true,
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
  });
  const rehearsal = options.engine === "sandbox";
  const control = (): SandboxControl => {
    if (!options.sandboxControl) throw new Error("buildPipeline: the rehearsal engine needs sandboxControl (resolveApiTarget gives it)");
    return options.sandboxControl;
  };
  const now = rehearsal ? () => readClock(control()) : async () => new Date();
  let changes = 0;
  const cleanups: CleanupEvidence[] = [];
  // A deleted leftover is a change (exit 2 if the run stops later), and the evidence names it.
  const onCleanup = async (token: CleanedUpToken) => {
    changes += 1;
    cleanups.push({
      ...token,
      at: rfc3339(await now()),
      detail:
        "created by an interrupted earlier run (its create was in flight and never recorded, so nobody could hold its value); deleted by this run",
    });
  };
  const engine = new ChangeNoticingEngine(
    rehearsal
      ? new RehearsalEngine({
          projectDir: options.projectDir,
          stack: options.stack,
          stateDir: options.sandboxStateDir,
          client: provisioner,
          now,
          env: options.env ?? process.env,
          sandbox: async () => ({ ...(await readInstance(control())), baseUrl: options.apiBase }),
          progress: options.progress,
          onCleanup,
        })
      : new PulumiEngine({
          projectDir: options.projectDir,
          stack: options.stack,
          ...(options.createStack ? { createStack: true } : {}),
          ...(options.policyPacks ? { policyPacks: options.policyPacks } : {}),
          ...(options.policyPackConfigs ? { policyPackConfigs: options.policyPackConfigs } : {}),
          onOutput: (line) => options.progress(line.trimEnd()),
          provisionerToken: options.provisionerToken,
          provisionerTokenEnv: options.provisionerTokenEnv ?? PROVIDER_TOKEN_ENV,
          orphans: {
            list: (owner, name) =>
              provisioner.listTokens(owner, { name }).then((tokens) => tokens.map((t) => ({ id: String(t.id), name: String(t.name) }))),
            remove: (owner, id) => provisioner.deleteToken(owner, id),
          },
          onCleanup,
          ...(options.env ? { env: options.env } : {}),
        }),
    () => {
      changes += 1;
    },
  );

  // Verifications of this command probe the endpoint once and read each owner's group list once.
  const memo = new VerifyMemo();
  const verifier: TokenVerifier = {
    async verify({ token, plan, platform, value, withoutUse }) {
      const at = await now();
      const report = await verifyToken({
        by: "plan",
        platform,
        plan,
        token: value,
        clients: verifyClients({
          token: value,
          owner: plan.owner,
          tokenId: token.id,
          provisionerToken: options.provisionerToken,
          apiBase: options.apiBase,
          budgets,
          client: { waitOutRefusals: true, ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}) },
        }),
        tokenId: token.id,
        ...(withoutUse ? { withoutUse } : {}),
        // Generations are pinned before deploying, so the planned expiry is the deployed one.
        plannedExpiryKnown: true,
        stack: options.stack,
        now: () => at,
        memo,
        deployedGroups: token.groups,
        ...(options.probeAllZones ? { probeAllZones: true } : {}),
      });
      return {
        ok: report.ok,
        apiCalls: report.apiCalls,
        checks: report.checks.map((c) => ({ ...c })),
        ...(report.unlistedZones ? { unlistedZones: [...report.unlistedZones] } : {}),
        ...(report.lastUsedOn !== undefined ? { lastUsedOn: report.lastUsedOn } : {}),
      };
    },
  };
  const inspector: TokenInspector = {
    async lastUsedOn(token) {
      const details = (await provisioner.getToken(token.owner, token.id)) as { last_used_on?: string | null };
      return details.last_used_on ?? null;
    },
    async exposed(token) {
      try {
        const details = await provisioner.getToken(token.owner, token.id);
        return String(details.status) === ("compromised" satisfies TokenStatus);
      } catch (error) {
        // A token deleted outside cfct says nothing about exposure: it is as due as its expiry says.
        if (error instanceof CloudflareApiError && error.kind === "not_found") return false;
        throw error;
      }
    },
  };
  const env = options.env ?? process.env;
  const registrarOverrides = {
    ...(rehearsal ? { rehearsal: true } : {}),
    provisionerTokenEnv: options.provisionerTokenEnv ?? PROVIDER_TOKEN_ENV,
    ...options.registrarOverrides,
  };
  return {
    context: {
      engine,
      verifier,
      inspector,
      registrarFor: (connection) => {
        const registrar = registrarFor(connection.registration, env, registrarOverrides);
        return {
          kind: registrar.kind,
          // A registration that began may have reached the platform, whatever it reports.
          register: (request) => {
            changes += 1;
            return registrar.register(request);
          },
          ...(registrar.refusal ? { refusal: registrar.refusal.bind(registrar) } : {}),
          ...(registrar.withdraw ? { withdraw: registrar.withdraw.bind(registrar) } : {}),
          // Removing a registration changes the platform, as registering does.
          ...(registrar.deregister
            ? {
                deregister: (request) => {
                  changes += 1;
                  return registrar.deregister!(request);
                },
              }
            : {}),
        };
      },
      apiBaseUrl: rehearsal ? options.apiBase : CLOUDFLARE_API_BASE,
      now,
      progress: options.progress,
      preflight: async (settings, deployed) =>
        preflight(provisioner, settings, await now(), { credential: options.provisionerToken, ...(deployed ? { deployed } : {}) }),
    },
    pickupCheckFor: (connection) => pickupCheckFor(connection.registration, env, registrarOverrides),
    provisioner,
    apiCalls: () => counter.total,
    changes: () => changes,
    budgets,
    clock: async () => (rehearsal ? { source: "sandbox", sandbox: (await readInstance(control())).instance } : { source: "real" }),
    cleanups: () => cleanups,
  };
}
