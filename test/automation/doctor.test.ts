import { describe, expect, it } from "vitest";
import { failure } from "../../src/automation/doctor";
import { ConfigError } from "../../src/config/schema";
import { NothingChangedError } from "../../src/domain/run-errors";

describe("doctor's failed finding: the error's summary as the detail, its fix as the fix", () => {
  it.each([
    {
      case: "a CfctError built from parts",
      error: new NothingChangedError({ summary: "PULUMI_CONFIG_PASSPHRASE is not set", fix: "export PULUMI_CONFIG_PASSPHRASE" }),
      finding: { status: "fail", detail: "PULUMI_CONFIG_PASSPHRASE is not set", fix: "export PULUMI_CONFIG_PASSPHRASE" },
    },
    {
      case: "a plain error with one Fix: (a registrar's refusal)",
      error: new Error("refusing to write hand-off sheets in /repo: it is inside a git work tree. Fix: set registration.dir"),
      finding: {
        status: "fail",
        detail: "refusing to write hand-off sheets in /repo: it is inside a git work tree",
        fix: "set registration.dir",
      },
    },
    {
      case: "a report whose fix is on its own line (the provisioner preflight)",
      error: new Error(
        "the provisioner credential cannot deploy stack dev:\n  - account a: not a member\nFix: give the provisioner token Account Settings Read",
      ),
      finding: {
        status: "fail",
        detail: "the provisioner credential cannot deploy stack dev:\n  - account a: not a member",
        fix: "give the provisioner token Account Settings Read",
      },
    },
    {
      case: "a config error with several problems: each problem's fix",
      error: new ConfigError("Pulumi.dev.yaml", [
        { path: "a", value: 1, message: "is wrong. Fix: change a" },
        { path: "b", value: 2, message: "is wrong too. Fix: change b" },
      ]),
      finding: {
        status: "fail",
        detail: "Pulumi.dev.yaml: 2 problems in stack config\n  - a = 1: is wrong\n  - b = 2: is wrong too",
        fix: "a: change a\nb: change b",
      },
    },
    { case: "an error without a fix", error: new Error("ECONNRESET"), finding: { status: "fail", detail: "ECONNRESET" } },
    { case: "an error without a message: its name", error: new TypeError(""), finding: { status: "fail", detail: "TypeError" } },
    { case: "not an error at all", error: "boom", finding: { status: "fail", detail: "boom" } },
  ])("$case", ({ error, finding }) => {
    expect(failure(error)).toEqual(finding);
  });
});
