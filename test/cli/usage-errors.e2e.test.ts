import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";

/** The built binary as a user runs it after `npm ci` (npm test builds first); test/cli/usage-errors.test.ts runs every case in-process. */
describe("bin/cfct.js", () => {
  it("a usage error through the real binary: exit 1, the option named, the typed value not shown", () => {
    const secret = "cfsbx_SECRETCANARY0123456789abcdef0123";
    const result = spawnSync(process.execPath, ["bin/cfct.js", "verify", "--platform", "drata", `--token=${secret}`], { encoding: "utf8" });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("error: unknown option '--token=(not shown)'");
    expect(result.stdout + result.stderr).not.toContain("SECRETCANARY");
  });
});
