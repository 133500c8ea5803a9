import { describe, expect, it } from "vitest";
import { isLoopbackHost, parseRetryAfter, redact } from "../../src/cloudflare/http";
import { HEX32 } from "../../src/domain/ids";

describe("HTTP and ID helpers shared by the Cloudflare client, verify, the registrars and the sandbox", () => {
  it("redact: one rule everywhere, every occurrence of every secret of 4+ characters", () => {
    expect(redact("key abcd, again abcd; other SECRETVALUE1", ["abcd", "SECRETVALUE1", undefined, null])).toBe(
      "key [redacted], again [redacted]; other [redacted]",
    );
    // A 4-7 character secret is hidden too (the Cloudflare client's copy used to skip anything under 8).
    expect(redact("webhook said s3cr3t", ["s3cr3t"])).toBe("webhook said [redacted]");
    expect(redact("a b c", ["a", "", "b c"])).toBe("a b c");
  });

  it("parseRetryAfter: delta-seconds (whole or not) or an HTTP-date measured from the given clock", () => {
    const now = new Date("2026-11-25T00:00:00Z");
    expect(parseRetryAfter("2", now)).toBe(2000);
    expect(parseRetryAfter(" 30 ", now)).toBe(30_000);
    expect(parseRetryAfter("1.5", now)).toBe(1500);
    expect(parseRetryAfter("Wed, 25 Nov 2026 00:00:07 GMT", now)).toBe(7000);
    expect(parseRetryAfter("Tue, 24 Nov 2026 23:00:00 GMT", now)).toBe(0);
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    expect(parseRetryAfter("", now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });

  it("isLoopbackHost: localhost, 127/8 and [::1] only", () => {
    for (const host of ["localhost", "LOCALHOST", "127.0.0.1", "127.1.2.3", "[::1]"]) expect(isLoopbackHost(host), host).toBe(true);
    for (const host of ["127.0.0.1.example.com", "10.0.0.1", "localhost.example.com", "::1", "example.com"])
      expect(isLoopbackHost(host), host).toBe(false);
  });

  it("HEX32: exactly 32 lowercase hex characters", () => {
    expect(HEX32.test("417daa9dc1293f3af874e997f8bdce54")).toBe(true);
    expect(HEX32.test("417DAA9DC1293F3AF874E997F8BDCE54")).toBe(false);
    expect(HEX32.test("417daa9dc1293f3af874e997f8bdce5")).toBe(false);
    expect(HEX32.test("x417daa9dc1293f3af874e997f8bdce54")).toBe(false);
  });
});
