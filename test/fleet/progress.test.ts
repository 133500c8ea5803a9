import { describe, expect, it } from "vitest";
import { formatHandOffStatus, progressOutput } from "../../src/cli/progress";

const budget = { principal: "user:provisioner", remaining: 812, quota: 1200, resetsInSeconds: 123, windows: 1, refused: 0, sent: 388 };

function stream(isTTY: boolean) {
  const written: string[] = [];
  return { written, stream: { isTTY, write: (text: string) => written.push(text) } as unknown as NodeJS.WriteStream };
}

describe("fleet progress", () => {
  it("says tokens done of total, the step, requests left, time to the next window and the ETA", () => {
    expect(formatHandOffStatus({ done: 12, total: 401, step: "verify and register", token: "ascera-1-g1" }, budget, 60)).toBe(
      "12/401 tokens · verify and register · 812 of 1200 requests left, next window in 2 min 3 s · ETA 32 min 25 s",
    );
    // Before the first answer nothing is known about the budget, and a finished run has no ETA.
    expect(
      formatHandOffStatus({ done: 3, total: 3, step: "verify", token: "x" }, { principal: "p", windows: 0, refused: 0, sent: 0 }, 5),
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
