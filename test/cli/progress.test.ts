import { describe, expect, it } from "vitest";
import { formatProgressStatus, pacingLine, progressOutput } from "../../src/cli/progress";

const budget = { principal: "user:provisioner", remaining: 812, quota: 1200, resetsInSeconds: 123, windows: 1, refused: 0, sent: 388 };

function stream(isTTY: boolean) {
  const written: string[] = [];
  return { written, stream: { isTTY, write: (text: string) => written.push(text) } as unknown as NodeJS.WriteStream };
}

describe("fleet progress", () => {
  it("says tokens done of total, the step, requests left, time to the next window and the ETA", () => {
    expect(formatProgressStatus({ done: 12, total: 401, step: "verify and register", token: "ascera-1-g1" }, budget, 60)).toBe(
      "12/401 tokens · verify and register · 812 of 1200 requests left, next window in 2 min 3 s · ETA 32 min 25 s",
    );
    // Before the first answer nothing is known about the budget, and a finished run has no ETA.
    expect(
      formatProgressStatus({ done: 3, total: 3, step: "verify", token: "x" }, { principal: "p", windows: 0, refused: 0, sent: 0 }, 5),
    ).toBe("3/3 tokens · verify");
  });

  it("on a TTY rewrites one status line in place, keeping log lines above it", () => {
    let now = 0;
    const { written, stream: tty } = stream(true);
    const output = progressOutput(
      tty,
      () => budget,
      () => now,
    );
    now = 10_000;
    output.status({ done: 1, total: 2, step: "verify and register", token: "a" });
    output.line("a: delivered");
    output.status({ done: 2, total: 2, step: "verify and register", token: "b" });
    const status = "1/2 tokens · verify and register · 812 of 1200 requests left, next window in 2 min 3 s · ETA 10 s";
    expect(written).toEqual([
      `\r\x1b[2K${status}`,
      `\r\x1b[2Ka: delivered\n${status}`,
      "\r\x1b[2K2/2 tokens · verify and register · 812 of 1200 requests left, next window in 2 min 3 s\n",
    ]);
  });

  it("elsewhere writes one line per token", () => {
    const { written, stream: pipe } = stream(false);
    const output = progressOutput(
      pipe,
      () => budget,
      () => 0,
    );
    output.status({ done: 1, total: 2, step: "verify", token: "a" });
    output.line("a: verified ok");
    expect(written).toEqual(["1/2 tokens · verify · 812 of 1200 requests left, next window in 2 min 3 s · ETA 0 s\n", "a: verified ok\n"]);
  });
});

describe("what a run says when it waits for rate-limit budget", () => {
  const at = Date.parse("2026-12-07T10:05:00Z");

  it("a 429: who is blocked, until when, and why that long", () => {
    expect(pacingLine({ kind: "blocked", principal: "user:provisioner", resumesAt: at, retryAfterGiven: true })).toBe(
      "rate limit: Cloudflare refused a request of the provisioner's user (HTTP 429), which blocks it until 2026-12-07T10:05:00Z (its retry-after); cfct resumes then",
    );
    expect(pacingLine({ kind: "blocked", principal: "account-token:abc", resumesAt: at - 400, retryAfterGiven: false })).toBe(
      "rate limit: Cloudflare refused a request of account-token:abc (HTTP 429), which blocks it until 2026-12-07T10:05:00Z (no retry-after: Cloudflare's documented 5-minute block); cfct resumes then",
    );
  });

  it("its own count: the budget and when it sends again", () => {
    expect(
      pacingLine({ kind: "budget-spent", principal: "user:provisioner", budget: { requests: 1200, windowSeconds: 300 }, resumesAt: at }),
    ).toBe(
      "rate limit: the provisioner's user has sent its budget of 1200 requests per 300 s (counted by cfct); it sends again from 2026-12-07T10:05:00Z, as earlier requests leave the window",
    );
  });
});
