import { request } from "node:http";
import { describe, expect, it } from "vitest";
import { useSandbox } from "../helpers/sandbox";
import { CONTROL_TOKEN_HEADER } from "../../src/sandbox/http/control-token";

const sandbox = useSandbox();

/** A raw HTTP request, so Host and Origin can be what a browser or a rebinding page would send. */
function send(method: string, url: string, headers: Record<string, string>, body?: string): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString("utf8") || "null") }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** A control-plane request with the control token: what is refused here is refused for another reason. */
const sendControl = (method: string, route: string, headers: Record<string, string>, body?: string) =>
  send(method, sandbox.control.url + route, { [CONTROL_TOKEN_HEADER]: sandbox.control.token, ...headers }, body);

const clock = () => sendControl("GET", "/clock", {}).then((r) => r.body.offsetSeconds as number);
const port = () => new URL(sandbox.baseUrl).port;

describe("the sandbox serves only this machine", () => {
  it.each(["127.0.0.1", "localhost", "LOCALHOST:1234"])("answers Host %s", async (host) => {
    expect((await sendControl("GET", "/clock", { host })).status).toBe(200);
  });

  it.each(["evil.example", "127.0.0.1.evil.example", "evil.example:80"])(
    "refuses Host %s on the API (Cloudflare envelope) and the control plane",
    async (host) => {
      const api = await send("GET", `${sandbox.baseUrl}/user/tokens/verify`, { host, authorization: `Bearer ${sandbox.provisionerToken}` });
      expect(api.status).toBe(403);
      expect(api.body).toMatchObject({
        success: false,
        errors: [{ message: expect.stringMatching(/only requests addressed to 127\.0\.0\.1 or localhost\. Fix: use the baseUrl/) }],
      });
      const control = await sendControl("GET", "/tokens", { host });
      expect(control.status).toBe(403);
      expect(control.body.error).toMatch(/Fix:/);
    },
  );

  it("a cross-site text/plain POST cannot move the clock or inject a fault", async () => {
    const before = await clock();
    const plain = await sendControl("POST", "/clock", { "content-type": "text/plain" }, JSON.stringify({ advanceSeconds: 86400 }));
    expect(plain.status).toBe(415);
    expect(plain.body.error).toMatch(/accepts only JSON bodies\. Fix: send Content-Type: application\/json/);
    const form = await sendControl("POST", "/faults", { "content-type": "application/x-www-form-urlencoded" }, "status=500");
    expect(form.status).toBe(415);
    const foreign = await sendControl(
      "POST",
      "/clock",
      { "content-type": "application/json", origin: "https://evil.example" },
      JSON.stringify({ advanceSeconds: 86400 }),
    );
    expect(foreign.status).toBe(403);
    expect(foreign.body.error).toMatch(/refuses cross-origin requests.*Fix:/);
    const otherLocalPage = await sendControl(
      "POST",
      "/clock",
      { "content-type": "application/json", origin: "http://localhost:3000" },
      JSON.stringify({ advanceSeconds: 86400 }),
    );
    expect(otherLocalPage.status).toBe(403);
    const opaque = await sendControl(
      "POST",
      "/clock",
      { "content-type": "application/json", origin: "null" },
      JSON.stringify({ advanceSeconds: 86400 }),
    );
    expect(opaque.status).toBe(403);
    expect(await clock()).toBe(before);
    expect((await sendControl("GET", "/faults", {})).body.pending).toEqual([]);
  });

  it("JSON from a script, or from a page served by the sandbox's own origin, is accepted", async () => {
    const before = await clock();
    expect(
      (await sendControl("POST", "/clock", { "content-type": "application/json" }, JSON.stringify({ advanceSeconds: 1 }))).status,
    ).toBe(200);
    const sameOrigin = { "content-type": "application/json; charset=utf-8", origin: `http://127.0.0.1:${port()}` };
    expect((await sendControl("POST", "/clock", sameOrigin, JSON.stringify({ advanceSeconds: 1 }))).status).toBe(200);
    expect((await sendControl("POST", "/stats/reset", {})).status).toBe(200);
    expect(await clock()).toBe(before + 2);
  });
});
