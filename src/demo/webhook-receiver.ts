import { createHash } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { SIGNATURE_HEADER, verifyWebhookSignature, type WebhookPayload } from "../registration";

/**
 * A stand-in for a company's secret-store bridge: accepts signed cfct webhooks on loopback and keeps
 * the latest value per token key in memory, where the demo's simulated platform picks it up. It
 * makes the three checks every receiver must: the signature over the raw body, the replay window
 * around the signed `sentAt`, and each signed `idempotencyKey` stored once.
 */
export interface WebhookReceiver {
  readonly url: string;
  /** Deliveries accepted, in order (metadata only); a repeat of an accepted one is not counted again. */
  readonly deliveries: { tokenKey: string; generation: number; tokenId: string }[];
  /** Deliveries refused: a bad signature, outside the replay window, or another value under a known key. */
  readonly refused: () => number;
  latestValue(tokenKey: string): string | undefined;
  close(): Promise<void>;
}

export interface WebhookReceiverOptions {
  /** The receiver's clock, for the replay window (default: the real one). */
  readonly now?: () => Date;
}

export async function startWebhookReceiver(secret: string, options: WebhookReceiverOptions = {}): Promise<WebhookReceiver> {
  const now = options.now ?? (() => new Date());
  const values = new Map<string, string>();
  /** idempotencyKey → digest of the value first accepted under it. */
  const seen = new Map<string, string>();
  const deliveries: WebhookReceiver["deliveries"] = [];
  let refused = 0;
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const raw = Buffer.concat(chunks);
      // 1. Signature over the exact bytes, and 2. the signed sentAt within the replay window.
      if (!verifyWebhookSignature(raw, String(request.headers[SIGNATURE_HEADER.toLowerCase()] ?? ""), secret, { now: now() })) {
        refused += 1;
        response.writeHead(401).end();
        return;
      }
      const payload = JSON.parse(raw.toString("utf8")) as WebhookPayload;
      // 3. Idempotency: a retry, or a re-run of cfct (same key, newer sentAt), is acknowledged and
      // not applied twice; another value under a known key is a conflict.
      const digest = createHash("sha256").update(payload.value).digest("hex");
      const earlier = seen.get(payload.idempotencyKey);
      if (earlier !== undefined) {
        if (earlier !== digest) refused += 1;
        response.writeHead(earlier === digest ? 204 : 409).end();
        return;
      }
      seen.set(payload.idempotencyKey, digest);
      values.set(payload.tokenKey, payload.value);
      deliveries.push({ tokenKey: payload.tokenKey, generation: payload.generation, tokenId: payload.tokenId });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/cfct`,
    deliveries,
    refused: () => refused,
    latestValue: (tokenKey) => values.get(tokenKey),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
