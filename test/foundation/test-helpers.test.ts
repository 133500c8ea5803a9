import { afterEach, describe, expect, it, vi } from "vitest";
import { useSandbox } from "../helpers/sandbox";
import { sharedFile } from "../helpers/shared-reference";

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
      return sandbox.controlUrl;
    } catch (error) {
      return (error as Error).message;
    }
  })();

  it("read at collection time, names the fix", () => {
    expect(readTooEarly).toMatch(/useSandbox: the sandbox starts in beforeAll; read it inside a test/);
  });
});

describe("sharedFile: a test that needs ../shared", () => {
  const missing = "reference/no-such-file.json";
  afterEach(() => {});

  it("outside CI, is skipped with a reason naming the file", () => {
    vi.stubEnv("CI", "");
    const file = sharedFile(missing);
    expect(file.skip).toBe(true);
    expect(file.skipReason).toContain(`${missing} is absent`);
  });

  it("in CI, is never skipped: reading the missing file fails with the fix", () => {
    vi.stubEnv("CI", "true");
    const file = sharedFile(missing);
    expect(file.skip).toBe(false);
    expect(file.skipReason).toBe("");
    expect(() => file.read()).toThrow(/no-such-file\.json is missing\. Fix: check the shared reference folder out next to the repository/);
  });

  const subset = sharedFile("reference/cloudflare-openapi-subset.json");
  it.skipIf(subset.skip)(`when present, runs and reads it${subset.skipReason}`, () => {
    expect(JSON.parse(subset.read())).toHaveProperty("paths");
  });
});
