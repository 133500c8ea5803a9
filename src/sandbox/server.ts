import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { serve, type HttpBindings } from "@hono/node-server";
import { Hono } from "hono";
import { Authorizer } from "./authz/authorizer";
import { resolveBehaviours, type BehaviourOverrides, type Behaviours } from "./behaviours";
import { SandboxClock } from "./clock";
import type { SandboxControl } from "./control-client";
import { CONTROL_PREFIX, createControlPlane } from "./control-plane";
import { defaultFixture } from "./fixture/default-fixture";
import { withGeneratedAccounts } from "./fixture/generate-accounts";
import { withGeneratedZones } from "./fixture/generate-zones";
import { loadFixtureFile, parseFixture } from "./fixture/load-fixture";
import type { Fixture } from "./fixture/schema";
import { FaultQueue } from "./faults";
import { API_PREFIX, createApiApp } from "./http/api-app";
import { newControlToken } from "./http/control-token";
import { failureEnvelope } from "./http/envelope";
import { localHostOnly } from "./http/local-only";
import { Inventory } from "./inventory";
import { PermissionCatalog } from "./permission-catalog";
import { issueProvisionerToken } from "./provisioner";
import { checkRateLimit, CLOUDFLARE_RATE_LIMIT, parseRateLimit, RateLimiter, type RateLimitSettings } from "./rate-limit";
import { allRoutes } from "./routes";
import type { SandboxState } from "./state";
import { RequestStats } from "./stats";
import { checkTokenPrefix, DEFAULT_TOKEN_PREFIX } from "./tokens/token-values";
import { TokenStore } from "./tokens/token-store";
import { CfctError } from "../domain/cfct-error";

export interface SandboxOptions {
  /** TCP port on 127.0.0.1; 0 (the default) picks a free one. */
  readonly port?: number;
  /** A fixture, or the path of a JSON or YAML fixture file; the default fixture when absent. */
  readonly fixture?: Fixture | string;
  /** Generate this many extra accounts, each a membership of the fixture's user (a fleet). */
  readonly accounts?: number;
  /** Generate this many extra zones, spread over the fixture's accounts (generated ones included). */
  readonly zones?: number;
  /** Named behaviours over the fixture's `behaviour:` and the defaults (behaviours.ts). */
  readonly behaviours?: BehaviourOverrides;
  /** Every principal's budget, over the fixture's `rate_limit`; Cloudflare's 1200 requests / 300 s when neither is given. */
  readonly rateLimit?: RateLimitSettings;
  /** Prefix of every token value; default CFCT_SANDBOX_TOKEN_PREFIX, else "cfsbx_". */
  readonly tokenPrefix?: string;
  /** Receives one line per request (method, route, status, time) and sandbox errors; never a token. */
  readonly log?: (line: string) => void;
  /** The control plane's token; a fresh random one when absent (tests may choose theirs). */
  readonly controlToken?: string;
}

export interface RunningSandbox {
  /** http://127.0.0.1:<port>/client/v4 — Cloudflare's API. */
  readonly baseUrl: string;
  /** http://127.0.0.1:<port>/__sandbox — stats, faults, clock, token metadata — and the token it demands (a secret). */
  readonly control: SandboxControl;
  /** The fixture's provisioner token value: a sandbox credential, shown here once. */
  readonly provisionerToken: string;
  readonly fixture: Fixture;
  /** The behaviours in force: defaults, then the fixture's, then the options'. */
  readonly behaviours: Behaviours;
  /** The budget in force per principal. */
  readonly rateLimit: RateLimitSettings;
  /** This run of the sandbox, new on every start (`GET /__sandbox/instance`): its tokens live and die with it. */
  readonly instance: string;
  close(): Promise<void>;
}

function resolveFixture(options: SandboxOptions): Fixture {
  const base =
    typeof options.fixture === "string"
      ? loadFixtureFile(options.fixture)
      : options.fixture
        ? parseFixture(options.fixture)
        : defaultFixture();
  const fleet = options.accounts ? withGeneratedAccounts(base, options.accounts) : base;
  return options.zones ? withGeneratedZones(fleet, options.zones) : fleet;
}

/** The requested port is taken; the message names the fix. */
export class PortInUseError extends CfctError {
  override name = "PortInUseError";
}

function listen(app: Hono<{ Bindings: HttpBindings }>, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, port, hostname: "127.0.0.1" }) as Server;
    server.once("error", (error: NodeJS.ErrnoException) =>
      reject(
        error.code === "EADDRINUSE"
          ? new PortInUseError({
              summary: `port ${port} on 127.0.0.1 is already in use`,
              fix: "choose another port, or 0 for any free one",
            })
          : error,
      ),
    );
    server.once("listening", () => resolve(server));
  });
}

/** A refusal of the Hono middleware: Cloudflare's envelope under the API (an SDK shows its message), the control plane's shape elsewhere. */
function refusal(path: string, status: 401 | 403 | 415, message: string): Response {
  const body = path.startsWith(API_PREFIX) ? failureEnvelope([{ code: status, message }]) : { error: message };
  return Response.json(body, { status });
}

/** Starts a Cloudflare v4 API sandbox on loopback. */
export async function startSandbox(options: SandboxOptions = {}): Promise<RunningSandbox> {
  const fixture = resolveFixture(options);
  const log = options.log ?? (() => undefined);
  const behaviours = resolveBehaviours(fixture.behaviour, options.behaviours);
  const rateLimit = options.rateLimit
    ? checkRateLimit(options.rateLimit, "rateLimit")
    : fixture.rate_limit
      ? parseRateLimit(fixture.rate_limit, "rate_limit")
      : CLOUDFLARE_RATE_LIMIT;
  const catalog = new PermissionCatalog();
  const inventory = new Inventory(fixture);
  const clock = new SandboxClock();
  const tokens = new TokenStore(
    checkTokenPrefix(options.tokenPrefix ?? process.env.CFCT_SANDBOX_TOKEN_PREFIX ?? DEFAULT_TOKEN_PREFIX),
    behaviours.tokenValueFormat,
  );
  const state: SandboxState = { inventory, catalog, tokens, clock, authorizer: new Authorizer(catalog, inventory), behaviours };
  const provisioner = issueProvisionerToken(fixture, catalog, inventory, tokens, clock.now());

  const instance = { instance: clock.instance, startedAt: clock.now().toISOString() };
  const controlToken = options.controlToken ?? newControlToken();
  const stats = new RequestStats();
  const faults = new FaultQueue();
  const app = new Hono<{ Bindings: HttpBindings }>();
  app.use("*", localHostOnly(refusal));
  app.route("/", createControlPlane({ stats, faults, clock, tokens, catalog, inventory, behaviours, refusal, instance, controlToken }));
  app.route("/", createApiApp({ state, routes: allRoutes(state), limiter: new RateLimiter(rateLimit, behaviours), faults, stats, log }));
  app.notFound((c) => c.json({ error: `nothing here. The API is under ${API_PREFIX}, the controls under ${CONTROL_PREFIX}` }, 404));

  const server = await listen(app, options.port ?? 0);
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    baseUrl: origin + API_PREFIX,
    control: { url: origin + CONTROL_PREFIX, token: controlToken },
    provisionerToken: provisioner.value,
    fixture,
    behaviours,
    rateLimit,
    instance: instance.instance,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Keep-alive connections would hold close() open until their idle timeout.
        server.closeAllConnections();
      }),
  };
}
