/**
 * What `--json` prints for errors thrown by the modules that build them from parts: each a
 * CfctError with its exit code and its fix apart, its message unchanged ("<summary>. Fix: <fix>").
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { prodStacksOf } from "../../src/automation/doctor-secrets";
import { readStackState } from "../../src/automation/stack-state";
import { errorParts, exitCodeFor } from "../../src/cli/errors";
import { resolvePlatform } from "../../src/component/arguments";
import { ConfigError, parseSettings } from "../../src/config/schema";
import { CfctError, EXIT } from "../../src/domain/cfct-error";
import { writeEvidenceOrFallback } from "../../src/evidence/safe-write";
import type { PlatformKey } from "../../src/platforms";
import { SecretBox } from "../../src/rehearsal/secret-box";
import { StateStore } from "../../src/rehearsal/state-store";
import { readClock } from "../../src/sandbox/control-client";

const shown = (text: string) => text;
const temp = () => mkdtempSync(path.join(tmpdir(), "cfct-parts-"));

/** The error `make` throws, sync or async. */
async function thrownBy(make: () => unknown): Promise<unknown> {
  try {
    await make();
  } catch (error) {
    return error;
  }
  throw new Error("expected an error");
}

/** A file in place of a directory: writing under it fails with ENOTDIR. */
function aFile(): string {
  const file = path.join(temp(), "a-file");
  writeFileSync(file, "");
  return file;
}

describe("errors built from parts: exit code, and the fix --json prints apart", () => {
  it.each([
    {
      site: "secret-box: sealed values without a recorded key",
      make: () => {
        const store = new StateStore(path.join(temp(), "state"), "parts");
        store.update(
          (s) =>
            void (s.resources["t::a"] = {
              type: "t",
              name: "a",
              id: "1",
              inputs: {},
              value: { iv: "", tag: "", data: "" },
              createdAt: "x",
            }),
        );
        return new SecretBox(store, "parts", {}).unlock();
      },
      fix: /^delete .*state and the sandbox's tokens to start over$/,
    },
    {
      site: "stack-state: an export that is not a deployment",
      make: () => readStackState({ nonsense: true }),
      fix: /^check that the Pulumi CLI is version 3 \(`pulumi version`\)$/,
    },
    {
      site: "doctor-secrets: a policy pack config that is not JSON",
      make: () => {
        const broken = path.join(temp(), "config.json");
        writeFileSync(broken, "{");
        return prodStacksOf([broken]);
      },
      fix: /^point it at the pack's config file$/,
    },
    {
      site: "safe-write: the evidence directory and its fallback both refuse the record",
      make: () =>
        writeEvidenceOrFallback(
          path.join(aFile(), "evidence"),
          {
            schemaVersion: 1,
            command: "up",
            stack: "prod",
            engine: "engine: test",
            commit: "4f2a9c1",
            startedAt: "2026-03-01T10:00:00Z",
            finishedAt: "2026-03-01T10:00:00Z",
            ok: true,
            apiCalls: 0,
            tokens: [],
            rotation: [],
            problems: [],
            clock: { source: "real" },
          },
          { fallbackDir: path.join(aFile(), "fallback"), attempts: 1 },
        ),
      fix: /^make .*evidence writable; the run's outcome is in the lines above$/,
    },
    {
      site: "control-client: no sandbox answers",
      make: () => readClock({ url: "http://127.0.0.1:1", token: "control-token" }),
      fix: /^start one with `cfct sandbox` in another terminal, .*as --api-base$/,
    },
    {
      site: "component arguments: an unknown platform key",
      make: () => resolvePlatform("acme", "acme-audit" as PlatformKey),
      fix: /^use one of ascera, .*, or pass a definition \{key, displayName, owner, source, groups\}$/,
    },
  ])("$site: exit 1, the message reads '<summary>. Fix: <fix>'", async ({ make, fix }) => {
    const error = await thrownBy(make);
    expect(error).toBeInstanceOf(CfctError);
    expect(exitCodeFor(error)).toBe(EXIT.nothingChanged);
    const parts = errorParts(error, shown);
    expect(parts.fix).toMatch(fix);
    expect((error as Error).message).toBe(`${parts.summary}. Fix: ${parts.fix}`);
  });
});

describe("ConfigError: several problems still give --json their fixes", () => {
  function configError(raw: unknown): ConfigError {
    try {
      parseSettings(raw, { stack: "dev", source: "Pulumi.dev.yaml" });
    } catch (error) {
      if (error instanceof ConfigError) return error;
      throw error;
    }
    throw new Error("expected a ConfigError");
  }

  const ACCOUNT = "0123456789abcdef0123456789abcdef";
  const twoProblems = { connections: [{ platform: "drata", accounts: [ACCOUNT, ACCOUNT], zones: "all" }], tokenNamePrefix: "-acme" };

  it("the summary lists every problem without its fix; the fix names each problem's key, one a line; the message is unchanged", () => {
    const error = configError(twoProblems);
    expect(error.message).toBe(
      "Pulumi.dev.yaml: 2 problems in stack config\n" +
        `  - cf-compliance-tokens:tokenNamePrefix = "-acme": is not a token name prefix. Fix: 1..20 letters, digits, spaces, '_', '.' or '-', starting with a letter or digit\n` +
        `  - cf-compliance-tokens:connections[0].accounts[1] = "${ACCOUNT}": is listed twice. Fix: remove the duplicate`,
    );
    expect(errorParts(error, shown)).toEqual({
      summary:
        "Pulumi.dev.yaml: 2 problems in stack config\n" +
        '  - cf-compliance-tokens:tokenNamePrefix = "-acme": is not a token name prefix\n' +
        `  - cf-compliance-tokens:connections[0].accounts[1] = "${ACCOUNT}": is listed twice`,
      fix:
        "cf-compliance-tokens:tokenNamePrefix: 1..20 letters, digits, spaces, '_', '.' or '-', starting with a letter or digit\n" +
        "cf-compliance-tokens:connections[0].accounts[1]: remove the duplicate",
    });
    expect(exitCodeFor(error)).toBe(EXIT.nothingChanged);
  });

  it("no problem with a fix: no fix", () => {
    const error = new ConfigError("Pulumi.dev.yaml", [{ path: "(file)", value: undefined, message: "is not valid YAML: bad indentation" }]);
    expect([error.summary, error.fix]).toEqual([
      "Pulumi.dev.yaml: 1 problem in stack config\n  - (file) = (missing): is not valid YAML: bad indentation",
      undefined,
    ]);
  });

  it("a message rewritten after the fact (a secret hidden) is read again, so what was hidden stays hidden", () => {
    const error = configError(twoProblems);
    error.message = error.message.replaceAll("acme", "(hidden)");
    expect(`${error.summary}\n${error.fix ?? ""}`).not.toContain("acme");
  });
});
