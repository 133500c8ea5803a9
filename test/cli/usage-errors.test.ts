import { describe, expect, it } from "vitest";
import { runCfct } from "../helpers/cli-in-process";

const cfct = (...args: string[]) => runCfct(args);

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
  ])("$what: exit 1, the option named, the value not shown", async ({ args, shown }) => {
    const { code, stdout, stderr } = await cfct(...args);
    expect(code).toBe(1);
    expect(stderr).toContain(shown);
    expect(stderr).not.toContain("SECRETCANARY");
    expect(stdout).not.toContain("SECRETCANARY");
  });

  it("names a refused choice when it is a short lower-case word, with the choices", async () => {
    const { code, stderr } = await cfct("verify", "--platform", "drat");
    expect(code).toBe(1);
    expect(stderr).toContain("error: option '--platform <key>' argument 'drat' is invalid. Allowed choices are ascera, ");
  });

  it("still names a mistyped option or command and suggests the right one", async () => {
    expect((await cfct("verify", "--tokn-env=X")).stderr).toContain(
      "error: unknown option '--tokn-env=(not shown)'\n(Did you mean --token-env?)",
    );
    expect((await cfct("verfy")).stderr).toContain("error: unknown command 'verfy'\n(Did you mean verify?)");
  });
});
