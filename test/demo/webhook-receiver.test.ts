import { afterEach, describe, expect, it } from "vitest";
import { startWebhookReceiver, type WebhookReceiver } from "../../src/demo/webhook-receiver";
import { SIGNATURE_HEADER, signWebhookBody } from "../../src/registration";

const SECRET = "demo-receiver-secret-0123456789";
const NOW = new Date("2026-01-10T12:00:00Z");
let receiver: WebhookReceiver | undefined;
afterEach(() => receiver?.close());

const delivery = (over: Record<string, unknown> = {}) =>
  JSON.stringify({
    stack: "dev",
    tokenKey: "drata",
    connection: "drata",
    platform: "drata",
    tokenId: "t1",
    generation: 1,
    expiresOn: null,
    sentAt: NOW.toISOString(),
    idempotencyKey: "dev/drata/g1/t1",
    value: "v1",
    ...over,
  });

async function post(body: string): Promise<number> {
  const response = await fetch(receiver!.url, {
    method: "POST",
    headers: { "content-type": "application/json", [SIGNATURE_HEADER]: signWebhookBody(body, SECRET) },
    body,
  });
  return response.status;
}

describe("the demo receiver makes the checks a receiver must", () => {
  it("accepts a fresh delivery once; a retry or re-run under the same key is acknowledged, not applied twice", async () => {
    receiver = await startWebhookReceiver(SECRET, { now: () => NOW });
    expect(await post(delivery())).toBe(204);
    expect(await post(delivery())).toBe(204);
    expect(await post(delivery({ sentAt: new Date(NOW.getTime() + 60_000).toISOString() }))).toBe(204);
    expect(receiver.deliveries).toHaveLength(1);
    expect(receiver.latestValue("drata")).toBe("v1");
  });

  it("refuses another value under a known idempotency key (409)", async () => {
    receiver = await startWebhookReceiver(SECRET, { now: () => NOW });
    expect(await post(delivery())).toBe(204);
    expect(await post(delivery({ value: "v2" }))).toBe(409);
    expect(receiver.latestValue("drata")).toBe("v1");
    expect(receiver.refused()).toBe(1);
  });

  it("refuses a correctly signed delivery replayed outside the window (401)", async () => {
    receiver = await startWebhookReceiver(SECRET, { now: () => new Date(NOW.getTime() + 16 * 60_000) });
    expect(await post(delivery())).toBe(401);
    expect(receiver.deliveries).toEqual([]);
  });
});
