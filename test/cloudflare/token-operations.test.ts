import { describe, expect, it, vi } from "vitest";
import { createCloudflareClient, type CloudflareClient, type TokenBody } from "../../src/cloudflare/client";
import { RateBudget, type PacingClock } from "../../src/cloudflare/pacing";
import type { TokenOwner } from "../../src/domain/owner";
import { controlFetch } from "../../src/sandbox/control-client";
import { useSandbox } from "../helpers/sandbox";
import { accountKey, IDS } from "../helpers/sandbox-client";

const sandbox = useSandbox();
const USER: TokenOwner = { kind: "user" };
const ACME: TokenOwner = { kind: "account", accountId: IDS.acmeCorp };

const provisioner = () => createCloudflareClient({ apiToken: sandbox.provisionerToken, baseUrl: sandbox.baseUrl, maxRetries: 0 });

async function control(method: string, path: string, body?: unknown): Promise<unknown> {
  const response = await controlFetch(sandbox.control, path, {
    method,
    ...(body === undefined ? {} : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
  });
  if (!response.ok) throw new Error(`control ${method} ${path}: HTTP ${response.status}`);
  return response.json();
}

/** A read-only token body on the ACME account, with the owner's own "Account Settings Read" group. */
async function settingsReadBody(owner: TokenOwner, name: string): Promise<TokenBody> {
  const groups = await provisioner().permissionGroups(owner);
  const group = groups.find((g) => g.name === "Account Settings Read" && g.scopes.includes("com.cloudflare.api.account"))!;
  return { name, policies: [{ effect: "allow", permission_groups: [{ id: group.id }], resources: { [accountKey(IDS.acmeCorp)]: "*" } }] };
}

describe("CloudflareClient's token operations, against the sandbox", () => {
  it.each([
    ["user", USER],
    ["account", ACME],
  ])("%s-owned: create, get, update, list and delete, each one counted request", async (kind, owner) => {
    const body = await settingsReadBody(owner, `token operations ${kind}`);
    const client = provisioner();

    const created = await client.createToken(owner, body);
    expect(created).toMatchObject({ id: expect.any(String), value: expect.any(String) });
    expect((await client.getToken(owner, created.id!)).name).toBe(body.name);
    await client.updateToken(owner, created.id!, { ...body, name: `${body.name} renamed` });
    const listed = await client.listTokens(owner, { name: `${body.name} renamed` });
    expect(listed.map((t) => [t.id, t.name])).toContainEqual([created.id, `${body.name} renamed`]);
    await client.deleteToken(owner, created.id!);

    expect(client.apiCalls()).toBe(5);
    await expect(client.getToken(owner, created.id!)).rejects.toMatchObject({ name: "CloudflareApiError", kind: "not_found", status: 404 });
  });

  it("deleting a token already gone is Cloudflare's 404, classified not_found for the caller to decide on", async () => {
    await expect(provisioner().deleteToken(ACME, "0".repeat(32))).rejects.toMatchObject({
      name: "CloudflareApiError",
      kind: "not_found",
      status: 404,
    });
  });

  it("a refused credential is a classified error whose text never carries the credential", async () => {
    const dead = `dead${"x".repeat(40)}`;
    const client = createCloudflareClient({ apiToken: dead, baseUrl: sandbox.baseUrl, maxRetries: 0 });
    const refused = await client.createToken(USER, { name: "never", policies: [] }).then(
      () => undefined,
      (error: unknown) => error as Error & { kind?: string },
    );
    expect(refused).toMatchObject({ name: "CloudflareApiError", kind: expect.stringMatching(/^(unauthorized|forbidden)$/) });
    expect(refused!.message).not.toContain(dead);
  });

  it("a server fault on a create is a `server` error with its status, not a token", async () => {
    await control("POST", "/faults", { match: { method: "POST", path: "/user/tokens" }, kind: "status", status: 503 });
    try {
      const body = await settingsReadBody(USER, "during an outage");
      await expect(provisioner().createToken(USER, body)).rejects.toMatchObject({ kind: "server", status: 503 });
    } finally {
      await control("DELETE", "/faults");
    }
  });

  it("a token operation waits for its principal's budget: with none left and no time to wait, it is rate_limited and nothing is sent", async () => {
    const frozen: PacingClock = { now: () => 0, sleepUntil: async () => undefined };
    const client = createCloudflareClient({
      apiToken: sandbox.provisionerToken,
      baseUrl: sandbox.baseUrl,
      maxRetries: 0,
      maxRetryAfterSeconds: 1,
      budget: new RateBudget("provisioner", frozen, { requests: 1, windowSeconds: 300 }),
    });
    expect(await client.listTokens(USER)).toEqual(expect.any(Array));
    await expect(client.deleteToken(USER, "0".repeat(32))).rejects.toMatchObject({ name: "CloudflareApiError", kind: "rate_limited" });
    expect(client.apiCalls()).toBe(1);
  });

  it.each([
    ["a token operation", (client: CloudflareClient) => client.deleteToken(USER, "0".repeat(32))],
    ["a raw request", (client: CloudflareClient) => client.request("GET", "/user/tokens")],
    ["a raw GET", (client: CloudflareClient) => client.rawGet("/user/tokens")],
  ])("%s refused by its own spent budget is not retried by the SDK: the budget is asked once, and the refusal is ours", async (_, run) => {
    const frozen: PacingClock = { now: () => 0, sleepUntil: async () => undefined };
    const budget = new RateBudget("provisioner", frozen, { requests: 1, windowSeconds: 300 });
    const client = createCloudflareClient({
      apiToken: sandbox.provisionerToken,
      baseUrl: sandbox.baseUrl,
      maxRetries: 3,
      maxRetryAfterSeconds: 1,
      budget,
    });
    await client.listTokens(USER);
    const asked = vi.spyOn(budget, "acquire");
    await expect(run(client)).rejects.toMatchObject({
      name: "CloudflareApiError",
      kind: "rate_limited",
      message: expect.stringContaining("provisioner"),
    });
    expect(asked).toHaveBeenCalledTimes(1);
    expect(client.apiCalls()).toBe(1);
  });
});

describe("CloudflareClient.request: one request whose HTTP status is data", () => {
  it("answers a refusal with its status, envelope and headers instead of throwing", async () => {
    const client = provisioner();
    const missing = await client.request("GET", `/user/tokens/${"0".repeat(32)}`);
    expect(missing.status).toBe(404);
    expect(missing.json).toMatchObject({ success: false, errors: [expect.objectContaining({ message: expect.any(String) })] });
    expect(missing.headers).toBeInstanceOf(Headers);

    const body = await settingsReadBody(USER, "raw create");
    const created = await client.request("POST", "/user/tokens", body);
    expect(created.status).toBe(200);
    const { id } = (created.json as { result: { id: string } }).result;
    expect((await client.request("DELETE", `/user/tokens/${id}`)).status).toBe(200);
    expect(client.apiCalls()).toBe(3);
  });

  it("a connection failure still throws, classified, and a path outside the base URL is refused before sending", async () => {
    const client = createCloudflareClient({ apiToken: "t".repeat(40), baseUrl: "http://127.0.0.1:9/client/v4", maxRetries: 0 });
    await expect(client.request("GET", "/user/tokens/verify")).rejects.toMatchObject({ name: "CloudflareApiError", kind: "unreachable" });
    await expect(provisioner().request("GET", "//elsewhere.example/steal")).rejects.toThrow(/relative to the base URL/);
  });

  it("scrub takes the client's own credential out of text it records as it came", () => {
    const client = provisioner();
    expect(client.scrub(`an answer echoing ${sandbox.provisionerToken}`)).toBe("an answer echoing [redacted]");
  });
});
