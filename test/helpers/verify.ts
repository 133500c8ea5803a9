import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createCloudflareClient, type CloudflareClient } from "../../src/cloudflare/client";
import { plan as planTokens } from "../../src/plan/plan";
import { resolveResources, type PolicyResources } from "../../src/domain/resource-keys";
import { PLATFORMS } from "../../src/platforms";
import type { RunningSandbox } from "../../src/sandbox";
import { verifyToken, type Check, type VerifyReport } from "../../src/verify";
import type { VerifyPlannedToken } from "../../src/verify/types";
import { verifyClients, type VerifyClientOptions } from "../../src/cli/verify-clients";
import { settingsFrom } from "./settings";
import { type TokenOwner } from "../../src/domain/owner";
import { groupKey, type PermissionGroupRef } from "../../src/domain/permission-group";
import { type TokenPlan } from "../../src/domain/plan";
import { controlFetch } from "../../src/sandbox/control-client";

export { ACME_CORP, ACME_LABS, ACME_STATUS_ZONE } from "./settings";

export interface PolicySpec {
  readonly effect?: "allow" | "deny";
  readonly groups: readonly PermissionGroupRef[];
  readonly resources: Record<string, unknown>;
}

export interface TokenSpec {
  readonly owner: TokenOwner;
  readonly name?: string;
  readonly policies: readonly PolicySpec[];
  /** RFC 3339; null = never expires; absent = 90 days after the sandbox's now. */
  readonly expiresOn?: string | null;
  readonly notBefore?: string;
  readonly allowedIps?: readonly string[];
  readonly status?: "active" | "disabled";
}

/** The provisioner credential of the sandbox, through the same client the verifier uses. */
export function provisionerClient(sb: RunningSandbox): CloudflareClient {
  return createCloudflareClient({ apiToken: sb.provisionerToken, baseUrl: sb.baseUrl, maxRetries: 0 });
}

let counter = 0;

export function rfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** The sandbox's clock (tests may advance it). */
export async function sandboxNow(sb: RunningSandbox): Promise<Date> {
  return new Date((await control(sb, "/clock")).now);
}

/** Creates a token with the provisioner's client, resolving group names to the sandbox's IDs. */
export async function issueToken(sb: RunningSandbox, spec: TokenSpec): Promise<{ id: string; value: string }> {
  const client = provisionerClient(sb);
  const groups = await client.permissionGroups(spec.owner);
  const idOf = (g: PermissionGroupRef) => {
    const match = groups.find((l) => l.name === g.name && l.scopes.includes(g.scope));
    if (!match) throw new Error(`sandbox has no group ${groupKey(g)}`);
    return { id: match.id };
  };
  const expiresOn = spec.expiresOn === undefined ? rfc3339(new Date((await sandboxNow(sb)).getTime() + 90 * 86_400_000)) : spec.expiresOn;
  const body = {
    name: spec.name ?? `verify test ${++counter}`,
    policies: spec.policies.map((p) => ({
      effect: p.effect ?? "allow",
      permission_groups: p.groups.map(idOf),
      resources: p.resources as Record<string, string>,
    })),
    ...(expiresOn !== null ? { expires_on: expiresOn } : {}),
    ...(spec.notBefore ? { not_before: spec.notBefore } : {}),
    ...(spec.allowedIps ? { condition: { request_ip: { in: [...spec.allowedIps] } } } : {}),
    ...(spec.status ? { status: spec.status } : {}),
  };
  const created = await client.createToken(spec.owner, body);
  if (!created.id || !created.value) throw new Error("token create returned no id/value");
  return { id: created.id, value: created.value };
}

/** Plans from a raw connection list (namespace-stripped stack config). */
export function planFor(connections: unknown[], stack = "test", token?: unknown): TokenPlan[] {
  return planTokens(settingsFrom({ connections, ...(token ? { token } : {}) }, stack));
}

/** The token spec a correct deploy of `plan` would create, with names resolved against the fixture. */
export function specFromPlan(sb: RunningSandbox, plan: TokenPlan): TokenSpec {
  const zoneIdsByName = new Map(sb.fixture.zones.map((z) => [z.name, z.id]));
  return {
    owner: plan.owner,
    name: plan.name,
    ...(plan.allowedIps.length ? { allowedIps: plan.allowedIps } : {}),
    policies: plan.policies.map((p) => ({
      effect: p.effect,
      groups: p.permissionGroups,
      resources: resolveResources(p.resources, { zoneIdsByName, userId: sb.fixture.user.id }) as PolicyResources,
    })),
  };
}

/** What a test may change: the clients' options, and the planned token's own. */
export type VerifyOverrides = Partial<Omit<VerifyPlannedToken, "by" | "plan" | "platform" | "token" | "clients">> &
  Partial<Pick<VerifyClientOptions, "apiBase" | "budgets" | "client">> & { readonly provisionerToken?: string | undefined };

/** Verifies a planned token against the sandbox with the provisioner credential (override anything). */
export function verifyPlanned(sb: RunningSandbox, plan: TokenPlan, token: string, overrides: VerifyOverrides = {}): Promise<VerifyReport> {
  const { apiBase = sb.baseUrl, budgets, client = { maxRetries: 3 }, provisionerToken, ...planned } = overrides;
  const provisioner = "provisionerToken" in overrides ? provisionerToken : sb.provisionerToken;
  return verifyToken({
    by: "plan",
    platform: PLATFORMS[plan.platform]!,
    plan,
    token,
    clients: verifyClients({
      token,
      owner: plan.owner,
      ...(planned.tokenId ? { tokenId: planned.tokenId } : {}),
      ...(provisioner ? { provisionerToken: provisioner } : {}),
      apiBase,
      ...(budgets ? { budgets } : {}),
      client,
    }),
    stack: "test",
    ...planned,
  });
}

export function checksById(report: VerifyReport): Record<string, Check> {
  return Object.fromEntries(report.checks.map((c) => [c.id, c]));
}

export function statuses(report: VerifyReport): Record<string, string> {
  return Object.fromEntries(report.checks.map((c) => [c.id, c.status]));
}

export async function control(sb: RunningSandbox, path: string, body?: unknown, method?: string): Promise<any> {
  const response = await controlFetch(sb.control, path, {
    method: method ?? (body === undefined ? "GET" : "POST"),
    ...(body === undefined ? {} : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
  });
  if (!response.ok) throw new Error(`control ${path}: ${response.status} ${await response.text()}`);
  return response.json();
}

/** A local HTTP server that answers every request with `body`, recording what it received. */
export async function fakeHost(
  body: string,
  contentType: string,
  status = 200,
): Promise<{ url: string; seen: IncomingHttpHeaders[]; close: () => Promise<void> }> {
  const seen: IncomingHttpHeaders[] = [];
  const server: Server = createServer((req, res) => {
    seen.push(req.headers);
    res.writeHead(status, { "content-type": contentType });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
