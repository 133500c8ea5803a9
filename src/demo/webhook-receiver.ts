import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { SIGNATURE_HEADER, verifyWebhookSignature, type WebhookPayload } from "../registration";

/**
 * A stand-in for a company's secret-store bridge: accepts signed cfct webhooks on loopback and keeps
 * the latest value per token key in memory, where the demo's simulated platform picks it up.
 */
export interface WebhookReceiver {
  readonly url: string;
  /** Deliveries accepted, in order (metadata only). */
  readonly deliveries: { tokenKey: string; generation: number; tokenId: string }[];
  /** Deliveries refused for a bad signature. */
  readonly refused: () => number;
  latestValue(tokenKey: string): string | undefined;
  close(): Promise<void>;
}

export async function startWebhookReceiver(secret: string): Promise<WebhookReceiver> {
  const values = new Map<string, string>();
  const deliveries: WebhookReceiver["deliveries"] = [];
  let refused = 0;
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      if (!verifyWebhookSignature(body, String(request.headers[SIGNATURE_HEADER.toLowerCase()] ?? ""), secret)) {
        refused += 1;
        response.writeHead(401).end();
        return;
      }
      const payload = JSON.parse(body) as WebhookPayload;
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
