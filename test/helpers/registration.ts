import { once } from "node:events";
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { expect } from "vitest";
import { PLATFORMS } from "../../src/platforms";
import type { RegistrationRequest } from "../../src/registration";
import { ACME_CORP } from "./settings";

/** Looks like the sandbox's canary tokens, so a leak is easy to grep for. */
export const TOKEN_VALUE = "CANARY_tok_4f9a1c2e7b3d5f60a8e2c4b6d8f0a1b3";
export const WEBHOOK_SECRET = "whsec_0123456789abcdef0123456789abcdef";
export const DRATA_KEY = "drata_key_abcdef0123456789abcdef0123456789";

export function drataRequest(overrides: Partial<RegistrationRequest> = {}): RegistrationRequest {
  return {
    stack: "dev",
    connection: "drata",
    platform: PLATFORMS.drata!,
    tokenKey: "drata",
    tokenId: "a1b2c3d4e5f60718293a4b5c6d7e8f90",
    tokenName: "cfct dev drata g1",
    generation: 1,
    expiresOn: "2026-02-23T00:00:00Z",
    owner: { kind: "user" },
    value: TOKEN_VALUE,
    apiBaseUrl: "https://api.cloudflare.com/client/v4",
    ...overrides,
  };
}

export function asceraRequest(overrides: Partial<RegistrationRequest> = {}): RegistrationRequest {
  return drataRequest({
    connection: "ascera",
    platform: PLATFORMS.ascera!,
    tokenKey: "ascera-417daa9d",
    tokenId: "0f1e2d3c4b5a69788796a5b4c3d2e1f0",
    tokenName: "cfct dev ascera-417daa9d g1",
    owner: { kind: "account", accountId: ACME_CORP },
    ...overrides,
  });
}

/** Asserts that nothing printable carries a secret. */
export function expectNoSecrets(thing: unknown, secrets: readonly string[] = [TOKEN_VALUE, WEBHOOK_SECRET, DRATA_KEY]): void {
  const text = typeof thing === "string" ? thing : JSON.stringify(thing);
  for (const secret of secrets) expect(text).not.toContain(secret);
}

export interface Received {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

type Reply = (req: IncomingMessage, res: ServerResponse, received: Received) => void;

/** A scripted HTTP server on 127.0.0.1, port 0: the n-th request gets the n-th reply (the last one repeats). */
export async function scriptedServer(replies: readonly Reply[]) {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const entry = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks).toString("utf8") };
      received.push(entry);
      const reply = replies[Math.min(received.length, replies.length) - 1]!;
      reply(req, res, entry);
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, "close");
    },
  };
}

export const status =
  (code: number, body = "", headers: Record<string, string> = {}): Reply =>
  (_req, res) => {
    res.writeHead(code, { "Content-Type": "text/plain", ...headers });
    res.end(body);
  };

export const json =
  (code: number, payload: unknown): Reply =>
  (_req, res) => {
    res.writeHead(code, { "Content-Type": "application/json" });
    res.end(JSON.stringify(payload));
  };

/** Never answers (until the server closes): a timeout. */
export const hang: Reply = () => {};

/** An injectable sleep that records what it was asked to wait and returns at once. */
export function fakeSleep() {
  const waits: number[] = [];
  return { waits, sleep: async (ms: number) => void waits.push(ms) };
}

/** A port nothing listens on: bind, read the port, close. */
export async function closedPortUrl(): Promise<string> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, "close");
  return `http://127.0.0.1:${port}`;
}
