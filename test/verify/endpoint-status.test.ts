import { describe, expect, it } from "vitest";
import { createCloudflareClient } from "../../src/cloudflare/client";
import { checkEndpoint } from "../../src/verify/endpoint";
import { fakeHost } from "../helpers/verify";

// missingPermissionCode and its kin: Cloudflare's codes are undocumented and reported differently,
// so clients decide on the HTTP status and the message, never on a code alone.

async function endpointVerdict(status: number, errors: { code: number; message: string }[]) {
  const host = await fakeHost(JSON.stringify({ success: false, errors, messages: [], result: null }), "application/json", status);
  try {
    const base = `${host.url}/client/v4`;
    return (await checkEndpoint(base, createCloudflareClient({ apiToken: null, baseUrl: base, maxRetries: 0 }), [])).check;
  } finally {
    await host.close();
  }
}

describe("the endpoint check decides on status and message", () => {
  it("a 404, or a 400 that says it has no route, is a wrong base path", async () => {
    expect((await endpointVerdict(404, [{ code: 7003, message: "No route for the URI" }])).detail).toMatch(
      /is not a route there \(HTTP 404, code 7003\)/,
    );
    expect(
      (
        await endpointVerdict(400, [
          { code: 7003, message: "Could not route to /user/tokens/verify, perhaps your object identifier is invalid?" },
        ])
      ).status,
    ).toBe("fail");
  });

  it("a code that other answers also carry does not decide alone: a 400 with code 7003 about something else is the API", async () => {
    const check = await endpointVerdict(400, [{ code: 7003, message: "Missing X-Auth-Key, X-Auth-Email or Authorization headers" }]);
    expect(check).toMatchObject({ status: "pass", detail: expect.stringMatching(/answers like Cloudflare's v4 API/) });
  });
});
