import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BEHAVIOURS, type BehaviourName } from "../../src/sandbox";
import { recordBehaviours } from "../../src/parity/measure";
import { parityTarget } from "../../src/cli/clients";
import type { BehaviourRecord } from "../../src/parity/behaviour-file";
import { liveSkipReason, openTarget, type ContractTarget } from "./target";

/**
 * One contract, two targets: what cfct relies on from Cloudflare's API, asserted against the sandbox
 * in `npm test` and against a real account under `npm run test:live`. Live runs create only
 * short-lived read-only tokens on one zone, delete them in `finally`, and make about 30 calls.
 */
const skip = liveSkipReason();
if (skip) console.log(skip);

let target: ContractTarget;
beforeAll(async () => {
  if (!skip) target = await openTarget();
});
afterAll(async () => {
  if (!skip) await target.close();
});

interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly body: any;
}

async function call(method: string, path: string, token: string | null, body?: unknown): Promise<Answer> {
  const response = await fetch(target.baseUrl + path, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { "content-type": "application/json" } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : null };
}

async function zoneReadGroupId(): Promise<string> {
  const groups = await call("GET", "/user/tokens/permission_groups", target.provisionerToken);
  const found = (groups.body.result as { id: string; name: string; scopes: string[] }[]).find(
    (g) => g.name === "Zone Read" && g.scopes.includes("com.cloudflare.api.account.zone"),
  );
  if (!found) throw new Error("the permission-group list has no Zone Read at zone scope");
  return found.id;
}

/** A read-only Zone Read token on the target zone, expiring within the hour; deleted by `run`'s finally. */
async function withTestToken(run: (token: { id: string; value: string }) => Promise<void>): Promise<void> {
  const expires = new Date(Date.now() + 3600_000).toISOString().replace(/\.\d{3}Z$/, "Z");
  const created = await call("POST", "/user/tokens", target.provisionerToken, {
    name: `cfct-contract-${Date.now()}`,
    policies: [
      {
        effect: "allow",
        permission_groups: [{ id: await zoneReadGroupId() }],
        resources: { [`com.cloudflare.api.account.zone.${target.zoneId}`]: "*" },
      },
    ],
    expires_on: expires,
  });
  expect(created.status).toBe(200);
  const token = { id: created.body.result.id as string, value: created.body.result.value as string };
  try {
    await run(token);
  } finally {
    await call("DELETE", `/user/tokens/${token.id}`, target.provisionerToken);
  }
}

describe.skipIf(skip !== null)("Cloudflare API contract", () => {
  it("wraps every answer in the v4 envelope, and sends a rate-limit header on ordinary routes", async () => {
    const answer = await call("GET", "/user/tokens/verify", target.provisionerToken);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ success: true, errors: [], result: { status: "active" } });
    expect(answer.body.result.id).toMatch(/^[0-9a-f]{32}$/);
    // Live, the verify routes carry none (rateLimitHeaders in FIDELITY.md); cfct paces by its own count either way.
    const ordinary = await call("GET", "/user/tokens/permission_groups", target.provisionerToken);
    expect(ordinary.headers.get("ratelimit")).toMatch(/"default";r=\d+/);
  });

  it("pages zones with result_info", async () => {
    const answer = await call("GET", "/zones?per_page=5&page=1", target.provisionerToken);
    expect(answer.status).toBe(200);
    expect(answer.body.result_info).toMatchObject({ page: 1, per_page: 5 });
    expect(answer.body.result.length).toBeLessThanOrEqual(5);
  });

  it("runs a token's lifecycle: create, read back, verify, use on its zone, delete, then refuse it", async () => {
    let value = "";
    await withTestToken(async (token) => {
      value = token.value;
      const readBack = await call("GET", `/user/tokens/${token.id}`, target.provisionerToken);
      expect(readBack.body.result).toMatchObject({ id: token.id, status: "active" });
      expect(readBack.body.result).not.toHaveProperty("value");
      expect((await call("GET", "/user/tokens/verify", token.value)).body.result).toMatchObject({ id: token.id, status: "active" });
      const zone = await call("GET", `/zones/${target.zoneId}`, token.value);
      expect(zone.status).toBe(200);
      expect(zone.body.result.id).toBe(target.zoneId);
    });
    const afterDelete = await call("GET", "/user/tokens/verify", value);
    expect(afterDelete.status).toBe(401);
  });

  it("behaves as the sandbox's defaults say, naming any behaviour that differs with both answers", async () => {
    const { file, leftBehind } = await recordBehaviours(
      parityTarget({
        apiBase: target.baseUrl,
        provisionerToken: target.provisionerToken,
        accountId: target.accountId,
        zoneId: target.zoneId,
      }),
      { shortLivedSeconds: target.name === "sandbox" ? 1 : 5 },
    );
    expect(leftBehind).toEqual([]);
    const differences = Object.entries(file.behaviours)
      .filter(([name, record]) => record.measured && record.value !== target.expected[name as BehaviourName])
      .map(([name, record]) => describeDifference(name as BehaviourName, record));
    expect(differences, differences.join("\n")).toEqual([]);
  }, 60_000);
});

function describeDifference(name: BehaviourName, record: BehaviourRecord): string {
  const answers = record.evidence.map(
    (e) =>
      `${e.request} → HTTP ${e.status}${e.code !== undefined ? ` ${e.code}` : ""}${e.message ? ` "${e.message}"` : ""}${e.observed ? ` (${e.observed})` : ""}`,
  );
  return `behaviour ${name}: the sandbox answers "${target.expected[name]}" (${BEHAVIOURS[name].summary}); ${target.name} answered "${record.value}": ${answers.join("; ")}`;
}
