import { describe, expect, it } from "vitest";
import { useSandbox } from "./sandbox";

describe("useSandbox", () => {
  const sandbox = useSandbox({ tokenPrefix: "HELPERCANARY_" });
  const readAtCollection = () => sandbox.baseUrl;

  it("a reference taken while the file is collected reads the started sandbox inside a test", () => {
    expect(readAtCollection()).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/client\/v4$/);
  });

  it("stands in for the sandbox beforeAll started, with the options given", async () => {
    expect(sandbox.provisionerToken.startsWith("HELPERCANARY_")).toBe(true);
    const answer = await fetch(`${sandbox.baseUrl}/user/tokens/verify`, {
      headers: { authorization: `Bearer ${sandbox.provisionerToken}` },
    });
    expect(answer.status).toBe(200);
  });
});

describe("useSandbox outside a test", () => {
  const sandbox = useSandbox();
  const readTooEarly = (() => {
    try {
      return sandbox.control;
    } catch (error) {
      return (error as Error).message;
    }
  })();

  it("read at collection time, names the fix", () => {
    expect(readTooEarly).toMatch(/useSandbox: the sandbox starts in beforeAll; read it inside a test/);
  });
});
