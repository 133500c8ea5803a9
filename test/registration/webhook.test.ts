import { createHmac } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import {
  RegistrationConfigError,
  NO_REPLAY_WINDOW,
  registrarFor,
  verifyWebhookSignature,
  WEBHOOK_REPLAY_WINDOW_SECONDS,
  type RegistrarOverrides,
  type RegistrationOutcome,
} from "../../src/registration";
import {
  TOKEN_VALUE,
  WEBHOOK_SECRET,
  asceraRequest,
  closedPortUrl,
  drataRequest,
  expectNoSecrets,
  fakeSleep,
  hang,
  json,
  scriptedServer,
  status,
} from "../helpers/registration";

const servers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

async function server(...replies: Parameters<typeof scriptedServer>[0]) {
  const s = await scriptedServer(replies);
  servers.push(s);
  return s;
}

const ENV = { CFCT_WEBHOOK_SECRET: WEBHOOK_SECRET };
const NOW = new Date("2025-11-25T10:00:00Z");

function webhook(url: string, extra: { timeoutMs?: number } = {}, overrides: RegistrarOverrides = {}) {
  const clock = fakeSleep();
  const registrar = registrarFor({ kind: "webhook", url: `${url}/cfct/register`, secretEnv: "CFCT_WEBHOOK_SECRET", ...extra }, ENV, {
    sleep: clock.sleep,
    now: () => NOW,
    random: () => 0.5,
    ...overrides,
  });
  return { registrar, waits: clock.waits };
}

function expectClean(outcome: RegistrationOutcome) {
  expectNoSecrets(outcome);
  expect(outcome.detail).not.toMatch(/CANARY_/);
}

describe("webhook registrar", () => {
  it("POSTs the payload signed with HMAC-SHA256 over the exact body, with timestamp and idempotency key; 2xx = registered", async () => {
    const receiver = await server(status(201, "stored"));
    const { registrar } = webhook(receiver.url);
    const outcome = await registrar.register(asceraRequest());

    expect(outcome).toMatchObject({
      registrar: "webhook",
      status: "registered",
      attempts: 1,
      location: `${receiver.url}/cfct/register`,
      at: NOW.toISOString(),
    });
    expect(outcome.detail).toMatch(/accepted generation 1 of ascera-417daa9d \(HTTP 201\) after 1 attempt$/);
    expectClean(outcome);

    const [request] = receiver.received;
    expect(request!.method).toBe("POST");
    expect(request!.url).toBe("/cfct/register");
    expect(request!.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(request!.body)).toEqual({
      stack: "dev",
      tokenKey: "ascera-417daa9d",
      connection: "ascera",
      platform: "ascera",
      tokenId: "0f1e2d3c4b5a69788796a5b4c3d2e1f0",
      generation: 1,
      expiresOn: "2026-02-23T00:00:00Z",
      // Signed with the body, so receivers can refuse replays older than their tolerance.
      sentAt: NOW.toISOString(),
      idempotencyKey: "dev/ascera-417daa9d/g1/0f1e2d3c4b5a69788796a5b4c3d2e1f0",
      value: TOKEN_VALUE,
    });
    const signature = request!.headers["x-cfct-signature"] as string;
    // Recomputed independently of the library...
    expect(signature).toBe(`sha256=${createHmac("sha256", WEBHOOK_SECRET).update(Buffer.from(request!.body, "utf8")).digest("hex")}`);
    // ...and verified the way a receiver would.
    expect(verifyWebhookSignature(request!.body, signature, WEBHOOK_SECRET, { now: NOW })).toBe(true);
    expect(verifyWebhookSignature(Buffer.from(request!.body), signature, WEBHOOK_SECRET, { now: NOW })).toBe(true);
    expect(request!.headers["x-cfct-timestamp"]).toBe(String(NOW.getTime() / 1000));
    expect(request!.headers["idempotency-key"]).toBe("dev/ascera-417daa9d/g1/0f1e2d3c4b5a69788796a5b4c3d2e1f0");
  });

  it("verifyWebhookSignature rejects a tampered body, the wrong secret and malformed headers", () => {
    const body = JSON.stringify({ value: "x" });
    const signatureOnly = (b: string, header: string | null | undefined, secret: string) =>
      verifyWebhookSignature(b, header, secret, NO_REPLAY_WINDOW);
    const good = `sha256=${createHmac("sha256", WEBHOOK_SECRET).update(body).digest("hex")}`;
    expect(signatureOnly(body, good, WEBHOOK_SECRET)).toBe(true);
    expect(signatureOnly(body, good.toUpperCase().replace("SHA256=", "sha256="), WEBHOOK_SECRET)).toBe(true);
    expect(signatureOnly(`${body} `, good, WEBHOOK_SECRET)).toBe(false);
    expect(signatureOnly(body, good, `${WEBHOOK_SECRET}x`)).toBe(false);
    for (const header of [undefined, null, "", "sha256=", good.slice(7), `sha1=${good.slice(7)}`, `${good}00`, "sha256=zz"]) {
      expect(signatureOnly(body, header, WEBHOOK_SECRET), String(header)).toBe(false);
    }
    expect(signatureOnly(body, good, "")).toBe(false);
  });

  it("retries 503 with exponential backoff and jitter, then succeeds; body, signature and key identical on every attempt", async () => {
    const receiver = await server(status(503), status(503), status(200));
    const { registrar, waits } = webhook(receiver.url);
    const outcome = await registrar.register(drataRequest());
    expect(outcome).toMatchObject({ status: "registered", attempts: 3 });
    expect(outcome.detail).toMatch(/after 3 attempts/);
    expectClean(outcome);
    // random() = 0.5: half the ceiling plus half of half; ceilings 500 ms, 1000 ms.
    expect(waits).toEqual([375, 750]);
    expect(new Set(receiver.received.map((r) => r.body)).size).toBe(1);
    expect(new Set(receiver.received.map((r) => r.headers["x-cfct-signature"])).size).toBe(1);
    expect(receiver.received.map((r) => r.headers["idempotency-key"])).toEqual(
      Array(3).fill("dev/drata/g1/a1b2c3d4e5f60718293a4b5c6d7e8f90"),
    );
  });

  it("every attempt carries the same signed moment: the timestamp header repeats sentAt even as the clock moves", async () => {
    const receiver = await server(status(503), status(503), status(200));
    let tick = 0;
    const { registrar } = webhook(receiver.url, {}, { now: () => new Date(NOW.getTime() + 7000 * tick++) });
    expect((await registrar.register(drataRequest())).status).toBe("registered");
    const stamps = receiver.received.map((r) => r.headers["x-cfct-timestamp"]);
    expect(stamps).toEqual(Array(3).fill(String(NOW.getTime() / 1000)));
    const body = JSON.parse(receiver.received[0]!.body) as { sentAt: string; idempotencyKey: string };
    expect(String(Date.parse(body.sentAt) / 1000)).toBe(stamps[0]);
    expect(body.idempotencyKey).toBe(receiver.received[0]!.headers["idempotency-key"]);
  });

  it("verifyWebhookSignature with a replay window refuses a delivery whose signed sentAt is too old or too far ahead", () => {
    const sign = (payload: unknown) => {
      const body = JSON.stringify(payload);
      return { body, header: `sha256=${createHmac("sha256", WEBHOOK_SECRET).update(body).digest("hex")}` };
    };
    const fresh = sign({ sentAt: NOW.toISOString(), value: "x" });
    const at = (seconds: number) => ({ now: new Date(NOW.getTime() + seconds * 1000) });
    expect(verifyWebhookSignature(fresh.body, fresh.header, WEBHOOK_SECRET, at(0))).toBe(true);
    expect(verifyWebhookSignature(fresh.body, fresh.header, WEBHOOK_SECRET, at(WEBHOOK_REPLAY_WINDOW_SECONDS))).toBe(true);
    expect(verifyWebhookSignature(fresh.body, fresh.header, WEBHOOK_SECRET, at(WEBHOOK_REPLAY_WINDOW_SECONDS + 1))).toBe(false);
    expect(verifyWebhookSignature(fresh.body, fresh.header, WEBHOOK_SECRET, at(-WEBHOOK_REPLAY_WINDOW_SECONDS - 1))).toBe(false);
    expect(verifyWebhookSignature(fresh.body, fresh.header, WEBHOOK_SECRET, { ...at(120), windowSeconds: 60 })).toBe(false);
    // The signature alone only when the receiver says so; a caller that forgets the window gets false.
    expect(verifyWebhookSignature(fresh.body, fresh.header, WEBHOOK_SECRET, NO_REPLAY_WINDOW)).toBe(true);
    const forgetful = verifyWebhookSignature as (...args: unknown[]) => boolean;
    expect(forgetful(fresh.body, fresh.header, WEBHOOK_SECRET)).toBe(false);
    expect(forgetful(fresh.body, fresh.header, WEBHOOK_SECRET, {})).toBe(false);
    for (const payload of [{ value: "x" }, { sentAt: "yesterday" }, "not an object"]) {
      const signed = sign(payload);
      expect(verifyWebhookSignature(signed.body, signed.header, WEBHOOK_SECRET, at(0)), JSON.stringify(payload)).toBe(false);
    }
    const notJson = "{";
    expect(
      verifyWebhookSignature(
        notJson,
        `sha256=${createHmac("sha256", WEBHOOK_SECRET).update(notJson).digest("hex")}`,
        WEBHOOK_SECRET,
        at(0),
      ),
    ).toBe(false);
  });

  it("jitter stays within half to all of the exponential ceiling", async () => {
    for (const random of [0, 0.999]) {
      const receiver = await server(status(500), status(502), status(504), status(200));
      const { registrar, waits } = webhook(receiver.url, {}, { random: () => random });
      expect((await registrar.register(drataRequest())).status).toBe("registered");
      const ceilings = [500, 1000, 2000];
      waits.forEach((ms, i) => {
        expect(ms).toBeGreaterThanOrEqual(ceilings[i]! / 2);
        expect(ms).toBeLessThanOrEqual(ceilings[i]!);
      });
    }
  });

  it("honours Retry-After on 429, in seconds and as an HTTP date", async () => {
    const inSeconds = await server(status(429, "slow down", { "Retry-After": "7" }), status(204));
    const first = webhook(inSeconds.url);
    expect(await first.registrar.register(drataRequest())).toMatchObject({ status: "registered", attempts: 2 });
    expect(first.waits).toEqual([7000]);

    const asDate = await server(status(429, "", { "Retry-After": new Date(NOW.getTime() + 3000).toUTCString() }), status(200));
    const second = webhook(asDate.url);
    expect(await second.registrar.register(drataRequest())).toMatchObject({ status: "registered", attempts: 2 });
    expect(second.waits).toEqual([3000]);
  });

  it("a 429 asking for longer than cfct waits fails at once and says so", async () => {
    const receiver = await server(status(429, "", { "Retry-After": "3600" }));
    const { registrar, waits } = webhook(receiver.url);
    const outcome = await registrar.register(drataRequest());
    expect(outcome).toMatchObject({ status: "failed", attempts: 1 });
    expect(outcome.detail).toMatch(/asked to retry after 3600 s, longer than cfct waits \(60 s\)/);
    expect(waits).toEqual([]);
  });

  it("retries a timeout", async () => {
    const receiver = await server(hang, status(200));
    const { registrar, waits } = webhook(receiver.url, { timeoutMs: 100 });
    const outcome = await registrar.register(drataRequest());
    expect(outcome).toMatchObject({ status: "registered", attempts: 2 });
    expect(waits).toHaveLength(1);
    expect(receiver.received).toHaveLength(2);
  });

  it("retries connection errors a bounded number of times, then fails naming the last error", async () => {
    const url = await closedPortUrl();
    const { registrar, waits } = webhook(url);
    const outcome = await registrar.register(drataRequest());
    expect(outcome).toMatchObject({ status: "failed", attempts: 5 });
    expect(outcome.detail).toMatch(/did not accept generation 1 of drata after 5 attempts \(last: connection refused \(ECONNREFUSED\)\)/);
    expect(outcome.detail).toMatch(/Idempotency-Key makes a repeat safe/);
    expect(waits).toEqual([375, 750, 1500, 3000]);
    expectClean(outcome);
  });

  it("gives up on persistent 5xx after the bound", async () => {
    const receiver = await server(status(500));
    const { registrar } = webhook(receiver.url, {}, { retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 1, maxRetryAfterMs: 1 } });
    const outcome = await registrar.register(drataRequest());
    expect(outcome).toMatchObject({ status: "failed", attempts: 3 });
    expect(outcome.detail).toMatch(/last: HTTP 500/);
    expect(receiver.received).toHaveLength(3);
  });

  it("does not retry a 400, reports the status and the receiver's answer, with the token redacted from it", async () => {
    const receiver = await server(status(400, `{"error":"bad expiresOn","echo":"${TOKEN_VALUE}"}`));
    const { registrar, waits } = webhook(receiver.url);
    const outcome = await registrar.register(drataRequest());
    expect(outcome).toMatchObject({ status: "failed", attempts: 1 });
    expect(outcome.detail).toMatch(/refused generation 1 of drata with HTTP 400: .*bad expiresOn.*\[redacted\]/);
    expect(receiver.received).toHaveLength(1);
    expect(waits).toEqual([]);
    expectClean(outcome);
  });

  it("a 401 points at the shared secret", async () => {
    const receiver = await server(status(401));
    const outcome = await webhook(receiver.url).registrar.register(drataRequest());
    expect(outcome.detail).toMatch(
      /HTTP 401\. Fix: check that the receiver verifies X-Cfct-Signature with the same secret as CFCT_WEBHOOK_SECRET/,
    );
    expectClean(outcome);
  });

  it("never follows a redirect with the token", async () => {
    const elsewhere = await server(status(200));
    const receiver = await server(status(307, "", { Location: `${elsewhere.url}/steal` }));
    const outcome = await webhook(receiver.url).registrar.register(drataRequest());
    expect(outcome).toMatchObject({ status: "failed", attempts: 1 });
    expect(outcome.detail).toMatch(
      /HTTP 307 \(a redirect to http:\/\/127\.0\.0\.1:\d+\/steal\); cfct does not re-send a token to another URL/,
    );
    expect(elsewhere.received).toHaveLength(0);
  });

  it("uses the same idempotency key for two register() calls of one generation, and another for the next generation", async () => {
    const receiver = await server(json(200, { ok: true }));
    const { registrar } = webhook(receiver.url);
    await registrar.register(drataRequest());
    await webhook(receiver.url).registrar.register(drataRequest()); // a re-run: a new registrar, same generation
    await registrar.register(drataRequest({ generation: 2, tokenId: "b".repeat(32) }));
    const keys = receiver.received.map((r) => r.headers["idempotency-key"]);
    expect(keys[0]).toBe(keys[1]);
    expect(keys[2]).toBe(`dev/drata/g2/${"b".repeat(32)}`);
    expect(receiver.received[0]!.body).toBe(receiver.received[1]!.body);
  });

  it("is built only with its secret: a missing or short secret is a config error naming the variable, never the value", () => {
    const config = { kind: "webhook", url: "https://bridge.example.com/cfct", secretEnv: "CFCT_WEBHOOK_SECRET" } as const;
    expect(() => registrarFor(config, {})).toThrow(RegistrationConfigError);
    expect(() => registrarFor(config, {})).toThrow(
      /environment variable CFCT_WEBHOOK_SECRET, which is not set\. Fix: export CFCT_WEBHOOK_SECRET=/,
    );
    let message = "";
    try {
      registrarFor(config, { CFCT_WEBHOOK_SECRET: "short-secret" });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/CFCT_WEBHOOK_SECRET is shorter than 32 characters/);
    expect(message).not.toContain("short-secret");
    // 31 characters: long enough for the old floor of 16, short of the 32 the message asks for.
    const almost = "a1b2c3d4e5f60718293a4b5c6d7e8f9";
    expect(() => registrarFor(config, { CFCT_WEBHOOK_SECRET: almost })).toThrow(/shorter than 32 characters/);
    expect(() => registrarFor(config, { CFCT_WEBHOOK_SECRET: `${almost}0` })).not.toThrow();
  });
});
