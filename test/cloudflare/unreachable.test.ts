import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { createCloudflareClient } from "../../src/cloudflare/client";

describe("a connection failure names its cause and what to check", () => {
  it("a host name that does not resolve (ENOTFOUND): the URL, DNS and network, not the bare code", async () => {
    const client = createCloudflareClient({ apiToken: "t".repeat(40), baseUrl: "https://no-such-host.invalid/client/v4", maxRetries: 0 });
    await expect(client.verifyToken({ kind: "user" })).rejects.toThrow(
      /cannot connect to https:\/\/no-such-host\.invalid\/client\/v4 \((ENOTFOUND|EAI_AGAIN): the host name no-such-host\.invalid does not resolve; check the API base URL \(--api-base, CLOUDFLARE_BASE_URL\) and this machine's DNS and network access\)/,
    );
  });

  it("nothing listening (ECONNREFUSED): the URL, or start the service", async () => {
    // A port that was free a moment ago: nothing listens there.
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    const client = createCloudflareClient({ apiToken: "t".repeat(40), baseUrl: `http://127.0.0.1:${port}/client/v4`, maxRetries: 0 });
    await expect(client.verifyToken({ kind: "user" })).rejects.toThrow(
      new RegExp(`\\(ECONNREFUSED: nothing listens at 127\\.0\\.0\\.1:${port}; check the API base URL`),
    );
  });
});
