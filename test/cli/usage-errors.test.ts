import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";

/** Runs the built CLI exactly as a user would after `npm ci` (npm test builds first). */
function cfct(...args: string[]) {
  const result = spawnSync(process.execPath, ["bin/cfct.js", ...args], { encoding: "utf8" });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

const SECRET = "cfsbx_SECRETCANARY0123456789abcdef0123";

describe("usage errors never echo a value typed with a mistyped flag", () => {
  it.each([
    {
      what: "--flag=value",
      args: ["verify", "--platform", "drata", `--token=${SECRET}`],
      shown: "error: unknown option '--token=(not shown)'",
    },
    { what: "--flag value", args: ["verify", "--platform", "drata", "--token", SECRET], shown: "error: unknown option '--token'" },
    {
      what: "a short flag with its value attached",
      args: ["verify", "--platform", "drata", `-t${SECRET}`],
      shown: "error: unknown option '-t(not shown)'",
    },
    { what: "a value with quotes in it", args: ["verify", `--token=a'b'${SECRET}`], shown: "error: unknown option '--token=(not shown)'" },
    { what: "a short flag with a spaced value attached", args: ["verify", `-t ${SECRET}`], shown: "error: unknown option '-t(not shown)'" },
    {
      what: "a value a known option refuses",
      args: ["verify", "--platform", "drata", `--extra-read=${SECRET}`],
      shown: "error: option '--extra-read <mode>' argument (not shown) is invalid. Allowed choices are warn, fail.",
    },
    { what: "a value pasted where the command goes", args: [SECRET, "--platform", "drata"], shown: "error: unknown command (not shown)" },
  ])("$what: exit 1, the option named, the value not shown", ({ args, shown }) => {
    const { code, stdout, stderr } = cfct(...args);
    expect(code).toBe(1);
    expect(stderr).toContain(shown);
    expect(stderr).not.toContain("SECRETCANARY");
    expect(stdout).not.toContain("SECRETCANARY");
  });

  it("still names a mistyped option or command and suggests the right one", () => {
    expect(cfct("verify", "--tokn-env=X").stderr).toContain("error: unknown option '--tokn-env=(not shown)'\n(Did you mean --token-env?)");
    expect(cfct("verfy").stderr).toContain("error: unknown command 'verfy'\n(Did you mean verify?)");
  });
});
