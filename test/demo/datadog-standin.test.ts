import { createHash } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { startDatadogStandIn, type DatadogStandIn } from "../../src/demo/datadog-standin";
import { scriptedServer, status } from "../helpers/registration";

const KEYS = { apiKey: "api-key", appKey: "app-key" };
const HEADERS = { "DD-API-KEY": KEYS.apiKey, "DD-APPLICATION-KEY": KEYS.appKey, "Content-Type": "application/json" };
const PATH = "/api/v2/integrations/cloudflare/accounts";

let standIn: DatadogStandIn;
afterEach(() => standIn.close());

const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = HEADERS) =>
  fetch(`${standIn.url}${path}`, { method, headers, ...(body ? { body: JSON.stringify(body) } : {}) });
const create = (attributes: Record<string, unknown>) => call("POST", PATH, { data: { type: "cloudflare-accounts", attributes } });

describe("stand-in Datadog: the shapes of Datadog's OpenAPI and recorded answers", () => {
  it("checks both headers: either missing or wrong is 403 {errors: [Forbidden]}", async () => {
    standIn = await startDatadogStandIn(KEYS);
    const variants: Record<string, string>[] = [
      { "DD-API-KEY": KEYS.apiKey },
      { "DD-APPLICATION-KEY": KEYS.appKey },
      { ...HEADERS, "DD-API-KEY": "wrong" },
    ];
    for (const headers of variants) {
      const response = await call("GET", PATH, undefined, headers);
      expect([response.status, await response.json()]).toEqual([403, { errors: ["Forbidden"] }]);
    }
  });

  it("create 201 (ID = md5 of the name, the key never echoed), list 200, update 200, delete 204, then 404", async () => {
    standIn = await startDatadogStandIn(KEYS);
    const created = await create({ name: "cf", api_key: "token-1", resources: ["web"] });
    const id = createHash("md5").update("cf").digest("hex");
    expect(created.status).toBe(201);
    expect(await created.json()).toEqual({
      data: { type: "cloudflare-accounts", id, attributes: { name: "cf", email: "", resources: ["web"], zones: [] } },
    });
    expect(((await (await call("GET", PATH)).json()) as any).data.map((a: { id: string }) => a.id)).toEqual([id]);
    const updated = await call("PATCH", `${PATH}/${id}`, { data: { type: "cloudflare-accounts", attributes: { api_key: "token-2" } } });
    expect(updated.status).toBe(200);
    expect(JSON.stringify(await updated.json())).not.toContain("token-2");
    expect(standIn.keyOf("cf")).toBe("token-2");
    expect((await call("DELETE", `${PATH}/${id}`)).status).toBe(204);
    expect((await call("PATCH", `${PATH}/${id}`, { data: { type: "cloudflare-accounts", attributes: { api_key: "x" } } })).status).toBe(
      404,
    );
  });

  it("a Global API key needs an email (the recorded 400); a body that is not JSON:API is 400", async () => {
    standIn = await startDatadogStandIn(KEYS);
    const globalKey = await create({ name: "k", api_key: "0123456789abcdef0123456789abcdef01234" });
    expect([globalKey.status, await globalKey.json()]).toEqual([
      400,
      { errors: ["{'_schema': ['Email address is required if providing an api key and not an api token.']}"] },
    ]);
    expect((await call("POST", PATH, { name: "flat" })).status).toBe(400);
  });

  it("with a Cloudflare API to check against, an unusable key is refused with Datadog's recorded wording", async () => {
    const cloudflare = await scriptedServer([status(403, '{"success":false}')]);
    standIn = await startDatadogStandIn({ ...KEYS, cloudflareApiBase: `${cloudflare.url}/client/v4` });
    const refused = await create({ name: "cf", api_key: "not-a-token" });
    await cloudflare.close();
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as any).errors[0]).toBe(
      "Invalid account. Your Cloudflare configuration is invalid. Impossible to get zones for the account cf: Cloudflare answered HTTP 403.",
    );
    expect(cloudflare.received[0]!.headers.authorization).toBe("Bearer not-a-token");
  });
});
