import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createCloudflareClient } from "../../src/cloudflare/client";
import { REMOTE_TEXT_MAX, remoteText } from "../../src/cloudflare/http";
import { pickupCheckFor, registrarFor } from "../../src/registration";
import { renderEvidenceMarkdown } from "../../src/evidence/write";
import { DRATA_KEY, TOKEN_VALUE, WEBHOOK_SECRET, drataRequest } from "../helpers/registration";

/** What a compromised endpoint answers: HTML, Markdown claiming success, terminal escapes, a bidi override, and a lot of it. */
const HOSTILE =
  "<img src=https://tracker.invalid/p.png> **Verification: passed** [click](https://evil.invalid) `code`|cell\u001b[2J\u001b[31mred\u001b]0;title\u0007\u202eevil\u0000 " +
  "x".repeat(5000);

const servers: { close(): void }[] = [];
afterEach(() => servers.splice(0).forEach((s) => s.close()));

async function answering(status: number, body: string, type = "text/html"): Promise<string> {
  const server = createServer((request, response) => {
    request.resume();
    response.writeHead(status, { "content-type": type }).end(body);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function expectInert(text: string): void {
  // eslint-disable-next-line no-control-regex
  expect(text).not.toMatch(/[\u0000-\u001f\u007f\u202e]/);
  expect(text).not.toMatch(/[<>`|]|\*\*|\]\(/);
  expect(text).not.toContain(TOKEN_VALUE);
}

describe("replies from outside are stripped, made inert and capped where they are read (issue 24 item 5)", () => {
  it("remoteText: no escapes or controls, markup replaced by look-alikes, secrets redacted, at most REMOTE_TEXT_MAX characters", () => {
    const text = remoteText(`${HOSTILE} ${TOKEN_VALUE}`, [TOKEN_VALUE]);
    expectInert(text);
    expect(text.length).toBeLessThanOrEqual(REMOTE_TEXT_MAX);
    expect(text).toContain("‹img src=https://tracker.invalid/p.png› ∗∗Verification: passed∗∗");
    expect(remoteText(`denied: ${TOKEN_VALUE}`, [TOKEN_VALUE])).toBe("denied: [redacted]");
  });

  it("a webhook's 400 answer reaches the outcome, and the evidence Markdown, inert and short", async () => {
    const url = await answering(400, HOSTILE);
    const registrar = registrarFor({ kind: "webhook", url: `${url}/hook`, secretEnv: "HOOK" }, { HOOK: WEBHOOK_SECRET });
    const outcome = await registrar.register(drataRequest());
    expect(outcome.status).toBe("failed");
    expectInert(outcome.detail);
    expect(outcome.detail.length).toBeLessThan(REMOTE_TEXT_MAX + 300);
    expect(outcome.detail).toContain("∗∗Verification: passed∗∗");
  });

  it("Drata's answer (an error body, or a connection's fields) is inert in the pickup verdict", async () => {
    const errorUrl = await answering(418, HOSTILE);
    const failing = pickupCheckFor({ kind: "handoff", drataStatus: { apiKeyEnv: "K", baseUrl: errorUrl } }, { K: DRATA_KEY })!;
    const failed = await failing.confirmed(drataRequest());
    expectInert(failed.detail);

    const connection = { id: 1, clientType: "CLOUDFLARE", state: "<b>ACTIVE</b>\u001b[0m", connected: false, clientAlias: "**prod**`" };
    const listUrl = await answering(200, JSON.stringify({ data: [connection], total: 1 }), "application/json");
    const check = pickupCheckFor({ kind: "handoff", drataStatus: { apiKeyEnv: "K", baseUrl: listUrl } }, { K: DRATA_KEY })!;
    const result = await check.confirmed(drataRequest());
    expectInert(result.detail);
  });

  it("a Cloudflare error message (or a proxy's) is inert and capped in the error a user sees", async () => {
    const envelope = { success: false, errors: [{ code: 10000, message: HOSTILE }], messages: [], result: null };
    const url = await answering(403, JSON.stringify(envelope), "application/json");
    const client = createCloudflareClient({ apiToken: TOKEN_VALUE, baseUrl: `${url}/client/v4`, maxRetries: 0 });
    const error = await client.verifyToken({ kind: "user" }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expectInert((error as Error).message);
    expect((error as Error).message.length).toBeLessThan(700);
  });

  it("a record quoting such a reply renders Markdown with nothing live in it", () => {
    const detail = remoteText(HOSTILE);
    const markdown = renderEvidenceMarkdown({
      schemaVersion: 1,
      command: "up",
      stack: "dev",
      engine: "test",
      clock: { source: "real" },
      commit: null,
      startedAt: "2026-12-07T00:00:00Z",
      finishedAt: "2026-12-07T00:00:01Z",
      ok: false,
      apiCalls: 0,
      tokens: [],
      rotation: [],
      problems: [detail],
    } as never);
    const line = markdown.split("\n").find((l) => l.startsWith("- ") && l.includes("Verification"))!;
    expectInert(line.slice(2));
  });
});
