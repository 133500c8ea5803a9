/**
 * The naive baselines the bench compares with: what a straightforward script would do.
 *  - verify: resolve each zone name with its own request, probe each group on each zone (counted
 *    by formula: at 10 000 zones it would be 50 000+ requests, and the figure is what matters);
 *  - fleet: one token at a time, no pacing; a 429 is waited out for its retry-after and sent again
 *    (really run against the sandbox; waiting moves the sandbox's clock).
 */
import { PLATFORMS } from "../src/platforms";
import { sandboxGroupId, type RunningSandbox } from "../src/sandbox";
import { advanceClock } from "../src/sandbox/control-client";
import { probeRoute } from "../src/verify/probes";
import { type PermissionGroupRef, SCOPES } from "../src/domain/permission-group";

export interface VerifyShape {
  readonly groups: readonly PermissionGroupRef[];
  readonly accounts: number;
  /** Zones the token covers. */
  readonly zones: number;
  /** How the zones are chosen: all of the accounts', by ID, or by name. */
  readonly zonesBy: "all" | "id" | "name";
}

/** Naive verify: liveness, the token's policies, one request per zone name, every group on every account / zone. */
export function naiveVerifyCalls(shape: VerifyShape): number {
  const count = (scope: string) => shape.groups.filter((g) => g.scope === scope).length;
  const listing = shape.zonesBy === "all" ? Math.ceil(shape.zones / 50) : 0;
  const resolving = shape.zonesBy === "name" ? shape.zones : 0;
  return 1 + 1 + listing + resolving + count(SCOPES.account) * shape.accounts + count(SCOPES.zone) * shape.zones + count(SCOPES.user);
}

/** The lower bound for verify: every group once, plus the pages the zones fill. */
export function verifyLowerBound(shape: Pick<VerifyShape, "groups" | "zones">): number {
  return shape.groups.length + Math.ceil(shape.zones / 50);
}

export interface NaiveFleetResult {
  readonly requests: number;
  readonly provisionerRequests: number;
  readonly refused: number;
  /** Rate-limit windows the provisioner's user went through. */
  readonly windows: number;
  /** Seconds the sandbox's clock was moved forward while waiting out 429s. */
  readonly waitedSeconds: number;
}

const ASCERA_GROUPS = PLATFORMS.ascera!.profiles["least-privilege"]!.groups;

/**
 * One ASCERA token per account, one at a time, no pacing: fetch the account's groups, create the
 * token, verify it, read it back, probe each group. With `replacing`, the old token of each account
 * is deleted after its successor is in place (a naive rotation).
 */
export async function naiveFleet(
  sandbox: RunningSandbox,
  replacing?: ReadonlyMap<string, string>,
): Promise<{ result: NaiveFleetResult; tokens: Map<string, string> }> {
  let requests = 0;
  let provisionerRequests = 0;
  let refused = 0;
  let windows = 1;
  let waitedSeconds = 0;
  const send = async (method: string, path: string, token: string, body?: unknown): Promise<any> => {
    for (;;) {
      requests += 1;
      if (token === sandbox.provisionerToken) provisionerRequests += 1;
      const response = await fetch(sandbox.baseUrl + path, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      const json = (await response.json()) as any;
      if (response.status !== 429) {
        if (!response.ok) throw new Error(`naive ${method} ${path}: ${response.status} ${JSON.stringify(json.errors)}`);
        return json;
      }
      refused += 1;
      const wait = Number(response.headers.get("retry-after") ?? "1");
      if (token === sandbox.provisionerToken) windows += 1;
      await advanceClock(sandbox.control, wait);
      waitedSeconds += wait;
    }
  };
  const tokens = new Map<string, string>();
  for (const account of sandbox.fixture.accounts) {
    await send("GET", `/accounts/${account.id}/tokens/permission_groups`, sandbox.provisionerToken);
    const created = await send("POST", `/accounts/${account.id}/tokens`, sandbox.provisionerToken, {
      name: `naive ascera ${account.id}`,
      policies: [
        {
          effect: "allow",
          permission_groups: ASCERA_GROUPS.map((g) => ({ id: sandboxGroupId(g) })),
          resources: { [`com.cloudflare.api.account.${account.id}`]: "*" },
        },
      ],
    });
    const value = created.result.value as string;
    await send("GET", `/accounts/${account.id}/tokens/verify`, value);
    await send("GET", `/accounts/${account.id}/tokens/${created.result.id}`, sandbox.provisionerToken);
    for (const group of ASCERA_GROUPS) await send("GET", probeRoute(group)!.path.replace("{account_id}", account.id), value);
    const old = replacing?.get(account.id);
    if (old) await send("DELETE", `/accounts/${account.id}/tokens/${old}`, sandbox.provisionerToken);
    tokens.set(account.id, created.result.id as string);
  }
  return { result: { requests, provisionerRequests, refused, windows, waitedSeconds }, tokens };
}
