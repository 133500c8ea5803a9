import { Command } from "commander";
import { describe, expect, it } from "vitest";
import { CloudflareApiError } from "../../src/cloudflare/client";
import { CfctError, EXIT } from "../../src/domain/cfct-error";
import { ChangedThenStoppedError, NothingChangedError, classifyStop } from "../../src/domain/run-errors";
import { UsageError, errorParts, exitCodeFor } from "../../src/cli/errors";
import { exitCodeOf, returnsExitCode } from "../../src/cli/exit-code";

describe("CfctError: what went wrong, the fix, the exit code", () => {
  it("built from its parts, its message is the summary then the fix", () => {
    const error = new CfctError({
      summary: "--format pdf is not a report format",
      fix: "use one of md, html, json",
      docs: "docs/evidence.md",
    });
    expect(error.message).toBe("--format pdf is not a report format. Fix: use one of md, html, json");
    expect([error.summary, error.fix, error.docs]).toEqual([
      "--format pdf is not a report format",
      "use one of md, html, json",
      "docs/evidence.md",
    ]);
    expect(new CfctError({ summary: "no base given" }).message).toBe("no base given");
  });

  it.each([
    { message: "--since x is not a date. Fix: write e.g. 2026-01-01", summary: "--since x is not a date", fix: "write e.g. 2026-01-01" },
    {
      message: "fixture f.txt: unknown file type. Fix: use a .json file",
      summary: "fixture f.txt: unknown file type",
      fix: "use a .json file",
    },
    { message: "two tokens share the key drata: rename one", summary: "two tokens share the key drata: rename one", fix: undefined },
    {
      message: "2 problems\n  - a: bad. Fix: this\n  - b: bad. Fix: that",
      summary: "2 problems\n  - a: bad. Fix: this\n  - b: bad. Fix: that",
      fix: undefined,
    },
  ])("a finished message keeps its text and is split at its one Fix: $message", ({ message, summary, fix }) => {
    const error = new UsageError(message);
    expect(error.message).toBe(message);
    expect(error.summary).toBe(summary);
    expect(error.fix).toBe(fix);
  });

  it("hiding a secret in the message hides it from the parts too", () => {
    const error = new CfctError("token cfut_SECRET is refused. Fix: drop cfut_SECRET");
    error.message = error.message.replaceAll("cfut_SECRET", "<token>");
    expect([error.summary, error.fix]).toEqual(["token <token> is refused", "drop <token>"]);
  });

  it("built from parts, it keeps them: a summary or fix with a Fix: of its own is not split again", () => {
    const error = new CfctError({ summary: "2 problems: a. Fix: this", fix: "see each line" });
    expect([error.summary, error.fix]).toEqual(["2 problems: a. Fix: this", "see each line"]);
  });

  it("built from parts, a message rewritten after (a secret hidden) is read again, so the parts hide it too", () => {
    const error = new CfctError({ summary: "token cfut_SECRET is refused", fix: "drop cfut_SECRET", docs: "docs/verify.md" });
    error.message = error.message.replaceAll("cfut_SECRET", "<token>");
    expect([error.summary, error.fix, error.docs]).toEqual(["token <token> is refused", "drop <token>", "docs/verify.md"]);
  });

  it("exit 1 unless the run had changed something; anything not a CfctError is exit 1", () => {
    expect(exitCodeFor(new UsageError("bad flag"))).toBe(EXIT.nothingChanged);
    expect(exitCodeFor(new NothingChangedError("locked"))).toBe(EXIT.nothingChanged);
    expect(exitCodeFor(new CloudflareApiError("server", "boom", 500, []))).toBe(EXIT.nothingChanged);
    expect(exitCodeFor(new ChangedThenStoppedError("stopped"))).toBe(EXIT.failed);
    expect(exitCodeFor(classifyStop(new UsageError("late"), true))).toBe(EXIT.failed);
    expect(exitCodeFor(new Error("plain"))).toBe(EXIT.nothingChanged);
    expect(exitCodeFor("a string")).toBe(EXIT.nothingChanged);
  });
});

describe("errorParts: what --json prints beside the message", () => {
  const shown = (text: string) => text.replaceAll("SECRET", "(not shown)");

  it("summary, fix and docs, each passed through what hides secrets", () => {
    expect(errorParts(new CfctError({ summary: "SECRET refused", fix: "drop SECRET", docs: "docs/SECRET.md" }), shown)).toEqual({
      summary: "(not shown) refused",
      fix: "drop (not shown)",
      docs: "docs/(not shown).md",
    });
  });

  it("Cloudflare's documentation link is the docs of its API error", () => {
    const error = new CloudflareApiError("forbidden", "403 Unauthorized", 403, [
      { code: 10000, message: "Unauthorized", documentation_url: "https://developers.cloudflare.com/api/resources/zones/" },
    ]);
    expect(errorParts(error, shown)).toEqual({
      summary: "403 Unauthorized",
      docs: "https://developers.cloudflare.com/api/resources/zones/",
    });
  });

  it("an error that is not cfct's has only a summary: its message", () => {
    expect(errorParts(new Error("ECONNRESET SECRET"), shown)).toEqual({ summary: "ECONNRESET (not shown)" });
    expect(errorParts(new Error(""), shown)).toEqual({ summary: "Error without a message" });
  });
});

describe("a command returns its exit code", () => {
  function program(): Command {
    const root = new Command("cfct").exitOverride();
    root.command("fails").action(returnsExitCode(async () => EXIT.failed));
    root
      .command("group")
      .command("passes")
      .action(returnsExitCode(() => EXIT.ok));
    root.command("plain").action(() => undefined);
    return root;
  }

  it.each([
    { args: ["fails"], exit: EXIT.failed },
    { args: ["group", "passes"], exit: EXIT.ok },
    { args: ["plain"], exit: EXIT.ok },
  ])("cfct $args: exit $exit", async ({ args, exit }) => {
    const root = program();
    await root.parseAsync(args, { from: "user" });
    expect(exitCodeOf(root)).toBe(exit);
  });
});
