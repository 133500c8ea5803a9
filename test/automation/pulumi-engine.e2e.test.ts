import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { OrphanTokens } from "../../src/automation/pending-creates";
import { PulumiEngine, lineSplitter, type PulumiEngineOptions } from "../../src/automation/pulumi-engine";
import { PulumiNothingChangedError, PulumiRunError, explainPulumiFailure } from "../../src/automation/pulumi-errors";
import { exitCodeFor } from "../../src/cli/errors";
import {
  answers,
  installPulumiStandIn,
  projectCopy,
  stepEvents,
  type CannedAnswer,
  type PulumiStandIn,
  type StackStateOptions,
} from "../helpers/pulumi-standin";

const TOKEN_OUTPUT = {
  id: "tok1",
  name: "cfct prod drata g1",
  key: "drata",
  platform: "drata",
  owner: { kind: "user" },
  generation: 1,
  issuedAt: "2026-11-01T00:00:00Z",
  groups: [{ name: "Zone Read", scope: "com.cloudflare.api.account.zone", id: "g1" }],
  resources: [{ "com.cloudflare.api.account.zone.abc": "*" }],
  expiresOn: "2026-12-01T00:00:00Z",
};
const OUTPUTS = { tokens: { value: { "drata-g1": TOKEN_OUTPUT }, secret: false } };
/** The stack those outputs came from: the value lives in the token resource's state only. */
const STATE: StackStateOptions = { outputs: OUTPUTS, tokens: [{ logicalName: "drata-g1", id: "tok1", value: "the-secret" }] };
const PULUMI_ENV = { PULUMI_BACKEND_URL: "file:///tmp/cfct-state", PULUMI_CONFIG_PASSPHRASE: "correct horse" };
const NO_ORPHANS: OrphanTokens = { list: async () => [], remove: async () => undefined };

let standIn: PulumiStandIn | undefined;
afterEach(() => {
  standIn?.restore();
  standIn = undefined;
});

function engineWith(cli: readonly CannedAnswer[], options: Partial<PulumiEngineOptions> = {}, watchEnv: string[] = []) {
  standIn = installPulumiStandIn({ answers: cli, watchEnv });
  const lines: string[] = [];
  const engine = new PulumiEngine({
    projectDir: projectCopy(),
    stack: "prod",
    provisionerToken: "cf-provisioner-value",
    provisionerTokenEnv: "CLOUDFLARE_API_TOKEN",
    orphans: NO_ORPHANS,
    env: PULUMI_ENV,
    onOutput: (line) => lines.push(line),
    ...options,
  });
  return { engine, lines, cli: standIn };
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => {
      throw new Error("expected a failure");
    },
    (error: Error) => error,
  );
}

describe("stack selection (item 3): read-only commands never create a stack", () => {
  it("preview of a stack the backend lacks exits 1 naming it and the stacks that exist, and runs no `stack init`", async () => {
    const { engine, cli } = engineWith([answers.noSuchStack("typo1"), answers.stackList(["dev", "prod"])], { stack: "typo1" });
    const error = await failure(engine.preview());
    expect(error).toBeInstanceOf(PulumiNothingChangedError);
    expect(exitCodeFor(error)).toBe(1);
    expect(error.message).toMatch(
      /stack typo1 does not exist in the state backend; nothing was created\. Existing stacks: dev, prod\. Fix: pass one of them with --stack/,
    );
    expect(cli.commands()).toEqual(["version", "stack select", "version", "stack ls"]);
    expect(cli.commands()).not.toContain("stack init");
  });

  it("destroy and outputs select the stack too; only up (and rotate) may create it", async () => {
    const { engine, cli } = engineWith([answers.noSuchStack("typo1"), answers.stackList([])], { stack: "typo1" });
    expect((await failure(engine.outputs())).message).toMatch(/Existing stacks: none/);
    expect(cli.commands()).not.toContain("stack init");

    const creating = engineWith(
      [
        answers.noSuchStack("prod"),
        { command: ["stack", "init"] },
        answers.state(),
        { command: ["up"] },
        ...answers.outputs(OUTPUTS),
        answers.history,
      ],
      { createStack: true },
    );
    await creating.engine.up();
    expect(creating.cli.commands()).toEqual([
      "version",
      "stack select",
      "stack init prod",
      "stack export",
      "up",
      "stack output",
      "stack output",
      "stack history",
    ]);
  });
});

describe("preview and up through the Automation API", () => {
  it("runs in the project directory with absolute policy packs and their configs, and hands on whole lines", async () => {
    const events = stepEvents("create", "drata-g2", undefined, true);
    const { engine, cli, lines } = engineWith(
      [
        answers.selected,
        {
          command: ["preview"],
          events,
          stdout: ["Previewing update (prod):\n  + cfct:", "drata-g2 create\nResources:", "\n    + 1 to create\n"],
        },
      ],
      {
        policyPacks: ["/abs/policies"],
        policyPackConfigs: ["/abs/policies/config.json"],
      },
    );
    const { changes } = await engine.preview();
    expect(changes).toEqual([{ logicalName: "drata-g2", op: "create" }]);
    const preview = cli.calls().find((c) => c.argv[0] === "preview")!;
    expect(preview.argv).toEqual(
      expect.arrayContaining([
        "--diff",
        "--policy-pack",
        "/abs/policies",
        "--policy-pack-config",
        "/abs/policies/config.json",
        "--stack",
        "prod",
      ]),
    );
    expect(preview.cwd).toBe(cli.calls()[1]!.cwd);
    expect(lines).toEqual(["Previewing update (prod):", "  + cfct:drata-g2 create", "Resources:", "    + 1 to create"]);
  });

  it("reports a replacement as `replace`, not as the delete-replaced step that ends it (item 4)", async () => {
    const replacement = [
      ...stepEvents("create-replacement", "drata-g1"),
      ...stepEvents("replace", "drata-g1"),
      ...stepEvents("delete-replaced", "drata-g1"),
    ];
    const { engine } = engineWith([
      answers.selected,
      answers.state(),
      { command: ["up"], events: [...replacement, ...stepEvents("delete", "ascera-g1", "cloudflare:index/accountToken:AccountToken")] },
      ...answers.outputs(OUTPUTS),
      answers.history,
    ]);
    const { changes } = await engine.up();
    expect(changes).toEqual([
      { logicalName: "drata-g1", op: "replace" },
      { logicalName: "ascera-g1", op: "delete" },
    ]);
  });

  it("reads records and values from one `stack export --show-secrets` per state, never from `stack output`; again after up", async () => {
    const { engine, cli } = engineWith([answers.selected, ...answers.stack(STATE), { command: ["up"] }, answers.history]);
    expect((await engine.outputs())[0]).toMatchObject({ logicalName: "drata-g1", id: "tok1" });
    expect(JSON.stringify(await engine.outputs())).not.toContain("the-secret");
    expect(await engine.tokenValue("drata-g1")).toBe("the-secret");
    expect(await engine.tokenValue("drata-g2")).toBeUndefined();
    expect(cli.commands()).toEqual(["version", "stack select", "stack export"]);
    expect(cli.calls()[2]!.argv).toContain("--show-secrets");
    // up reuses that export for its pending creates; the Automation API reads outputs after up (2 processes).
    await engine.up();
    expect(cli.commands().slice(3)).toEqual(["up", "stack output", "stack output", "stack history"]);
    // The update changed the state: the value is read from the new one.
    expect(await engine.tokenValue("drata-g1")).toBe("the-secret");
    expect(cli.commands().slice(7)).toEqual(["stack export"]);
  });

  it("stores generations with `pulumi config set`, and destroy forgets them", async () => {
    const { engine, cli } = engineWith([
      answers.selected,
      { command: ["config", "set"] },
      answers.state(),
      { command: ["destroy"] },
      answers.history,
      { command: ["config", "rm"] },
    ]);
    await engine.saveGenerations({ drata: { active: { generation: 2, issuedAt: "2026-11-01T00:00:00Z" } } });
    const set = cli.calls().find((c) => c.argv[0] === "config")!;
    expect(set.argv).toEqual(
      expect.arrayContaining([
        "cf-compliance-tokens:generations",
        "--plaintext",
        JSON.stringify({ drata: { active: { generation: 2, issuedAt: "2026-11-01T00:00:00Z" } } }),
      ]),
    );
    await engine.destroy();
    expect(cli.calls().at(-1)!.argv.slice(0, 3)).toEqual(["config", "rm", "cf-compliance-tokens:generations"]);
  });
});

describe("backend and passphrase are checked before any Pulumi command (item 5)", () => {
  it.each([
    [
      { ...PULUMI_ENV, PULUMI_CONFIG_PASSPHRASE: "" },
      /PULUMI_CONFIG_PASSPHRASE is set but empty .*Fix: set PULUMI_CONFIG_PASSPHRASE to the stack's passphrase/,
    ],
    [{ ...PULUMI_ENV, PULUMI_BACKEND_URL: "" }, /PULUMI_BACKEND_URL is set but empty/],
    [
      { PULUMI_CONFIG_PASSPHRASE: "x", HOME: mkdtempSync(path.join(tmpdir(), "cfct-home-")) },
      /no Pulumi state backend: PULUMI_BACKEND_URL is not set.*Fix: export PULUMI_BACKEND_URL/,
    ],
    [
      { PULUMI_BACKEND_URL: "s3://acme-state/cfct" },
      /PULUMI_CONFIG_PASSPHRASE is not set, and stack prod keeps its secrets .* with a passphrase on s3:\/\/acme-state\/cfct/,
    ],
  ])("refuses %j with exit 1, naming the variable", async (env, message) => {
    const { engine, cli } = engineWith([answers.selected], { env });
    const error = await failure(engine.preview());
    expect(error.message).toMatch(message);
    expect(exitCodeFor(error)).toBe(1);
    expect(cli.calls()).toEqual([]);
  });

  it("a Pulumi Cloud login needs no passphrase", async () => {
    const { engine } = engineWith([answers.selected, ...answers.stack(STATE)], { env: { PULUMI_ACCESS_TOKEN: "pul-x" } });
    await expect(engine.outputs()).resolves.toHaveLength(1);
  });
});

describe("the provisioner credential reaches Pulumi as CLOUDFLARE_API_TOKEN, and nothing else of ours does (item 6)", () => {
  it("--provisioner-token-env CF_PROV: the provider's variable carries it; CF_PROV, CFCT_* and named secrets are withheld, and so is everything outside the allow-list", async () => {
    vi.stubEnv("CF_PROV", "cf-provisioner-value");
    vi.stubEnv("CFCT_WEBHOOK_SECRET", "hook-secret");
    vi.stubEnv("DRATA_KEY", "drata-secret");
    vi.stubEnv("CLOUDFLARE_API_TOKEN", "a-different-token");
    vi.stubEnv("CLOUDFLARE_API_KEY", "a-global-key");
    // Not ours, but not Pulumi's business either: an allow-list withholds what a deny-list never named.
    vi.stubEnv("GITHUB_TOKEN", "ghs_forge-token");
    vi.stubEnv("NPM_TOKEN", "npm-publish-token");
    vi.stubEnv("AWS_ACCESS_KEY_ID", "AKIA-backend");
    const projectDir = projectCopy({
      "stacks/Pulumi.prod.yaml": readFileSync("stacks/Pulumi.prod.yaml", "utf8").replace(
        "      name: drata-prod\n",
        "      name: drata-prod\n      drataStatus: {apiKeyEnv: DRATA_KEY}\n",
      ),
    });
    const watch = [
      "CLOUDFLARE_API_TOKEN",
      "CLOUDFLARE_API_KEY",
      "CF_PROV",
      "CFCT_WEBHOOK_SECRET",
      "DRATA_KEY",
      "PULUMI_CONFIG_PASSPHRASE",
      "GITHUB_TOKEN",
      "NPM_TOKEN",
      "AWS_ACCESS_KEY_ID",
    ];
    const { engine, cli } = engineWith(
      [answers.selected, ...answers.stack(STATE)],
      { projectDir, provisionerTokenEnv: "CF_PROV", env: { ...process.env, ...PULUMI_ENV } },
      watch,
    );
    vi.stubEnv("PULUMI_CONFIG_PASSPHRASE", "correct horse");
    await engine.outputs();
    for (const call of cli.calls().slice(1)) {
      expect(call.env).toEqual({
        CLOUDFLARE_API_TOKEN: "cf-provisioner-value",
        CLOUDFLARE_API_KEY: null,
        CF_PROV: null,
        CFCT_WEBHOOK_SECRET: null,
        DRATA_KEY: null,
        PULUMI_CONFIG_PASSPHRASE: "correct horse",
        GITHUB_TOKEN: null,
        NPM_TOKEN: null,
        AWS_ACCESS_KEY_ID: "AKIA-backend",
      });
      expect(call.argv.join(" ")).not.toContain("cf-provisioner-value");
    }
  });
});

describe("errors a user can act on (item 7)", () => {
  const STDOUT_MARK = "Updating (prod): lots of progress";
  it("a failed up shows the command, the failed step and stderr's tail once; no `code: -2`, no stdout twice", async () => {
    const { engine } = engineWith([
      answers.selected,
      answers.state(),
      {
        command: ["up"],
        events: [
          ...stepEvents("create", "ascera-g1", "cloudflare:index/accountToken:AccountToken"),
          {
            resOpFailedEvent: {
              metadata: { op: "create", urn: "urn:x::drata-g2", type: "cloudflare:index/apiToken:ApiToken", provider: "" },
              status: 1,
              steps: 1,
            },
          },
          {
            diagnosticEvent: {
              urn: "urn:x::drata-g2",
              message: "error: 403 forbidden: API Tokens Write missing\n",
              color: "never",
              severity: "error",
            },
          },
        ],
        stdout: `${STDOUT_MARK}\n`,
        stderr: "error: update failed\n",
        exitCode: 255,
      },
    ]);
    const error = await failure(engine.up());
    expect(error).toBeInstanceOf(PulumiRunError);
    expect(exitCodeFor(error)).toBe(2);
    expect(error.message).toContain("pulumi up --stack prod failed (exit 255) after changing resources");
    expect(error.message).toContain("failed step: create drata-g2 (cloudflare:index/apiToken:ApiToken)");
    expect(error.message).toContain("drata-g2: error: 403 forbidden: API Tokens Write missing");
    expect(error.message).toContain("error: update failed");
    expect(error.message).not.toContain("code: -2");
    expect(error.message).not.toContain(STDOUT_MARK);
  });

  it("a failed `stack export` never shows its standard output, which holds the decrypted state", async () => {
    const { engine } = engineWith([
      answers.selected,
      { command: ["stack", "export"], stdout: '{"version":3,"deployment":{"resources":[{"outputs":{"value":"the-secret"', exitCode: 255 },
    ]);
    const error = await failure(engine.tokenValue("drata-g1"));
    expect(error.message).toMatch(
      /^pulumi stack export --stack prod failed \(exit 255\):\n {2}\(no error output; its standard output is not shown/,
    );
    expect(error.message).not.toContain("the-secret");
  });

  it("a locked stack (ConcurrentUpdateError) exits 1 and names `pulumi cancel`", async () => {
    const { engine } = engineWith([
      answers.selected,
      answers.state(),
      {
        command: ["up"],
        stderr:
          "error: the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end or delete the lock file with `pulumi cancel`.\n",
        exitCode: 255,
      },
    ]);
    const error = await failure(engine.up());
    expect(error).toBeInstanceOf(PulumiNothingChangedError);
    expect(error.message).toMatch(/stack prod is locked by another update[\s\S]*Fix: .*`pulumi cancel --stack prod`/);
  });

  it("a config or resolution error thrown inside the program exits 1: nothing changed", async () => {
    const { engine } = engineWith([
      answers.selected,
      answers.state(),
      {
        command: ["up"],
        events: [
          {
            diagnosticEvent: {
              message: 'ResolutionError: permission group "Zone WAF Read" not found\n',
              color: "never",
              severity: "error",
            },
          },
        ],
        stderr: "error: an unhandled error occurred: program failed\n",
        exitCode: 255,
      },
    ]);
    const error = await failure(engine.up());
    expect(error).toBeInstanceOf(PulumiNothingChangedError);
    expect(exitCodeFor(error)).toBe(1);
    expect(error.message).toMatch(/ResolutionError: permission group "Zone WAF Read" not found[\s\S]*nothing was deployed/);
  });

  it("a missing `pulumi` executable is named first, before the backend; another 'not found' is shown as it is", async () => {
    const emptyDir = mkdtempSync(path.join(tmpdir(), "cfct-nopath-"));
    vi.stubEnv("PATH", emptyDir);
    const missing = new PulumiEngine({
      projectDir: projectCopy(),
      stack: "prod",
      provisionerToken: "x",
      provisionerTokenEnv: "CLOUDFLARE_API_TOKEN",
      orphans: NO_ORPHANS,
      env: {},
    });
    const error = await failure(missing.outputs());
    expect(error.message).toMatch(
      /^the Pulumi CLI is not installed or not on PATH\. Fix: install it .*run `cfct sandbox` in another terminal, then `cfct up --stack <env> --engine sandbox`/,
    );
    expect(exitCodeFor(error)).toBe(1);
    vi.unstubAllEnvs();

    const { engine } = engineWith([
      { command: ["stack", "select"], stderr: "error: no Pulumi.yaml project file found (searching upwards from /x)\n", exitCode: 255 },
    ]);
    const other = await failure(engine.outputs());
    expect(other.message).toContain("no Pulumi.yaml project file found");
    expect(other.message).not.toMatch(/not installed/);
  });

  it("a spawn that fails with ENOENT (the CLI vanished after the check) is still a missing CLI", () => {
    const spawnFailure = Object.assign(new Error("code: -2\n stdout: \n stderr: Command failed with ENOENT: pulumi version"), {
      name: "CommandError",
      commandResult: {
        stdout: "",
        stderr: "Command failed with ENOENT: pulumi version\nspawn pulumi ENOENT",
        code: -2,
        err: { code: "ENOENT", syscall: "spawn pulumi", path: "pulumi" },
      },
    });
    const explained = explainPulumiFailure(spawnFailure, { step: "pulumi version", stack: "prod", changed: false, diagnostics: [] });
    expect(explained.message).toMatch(/^the Pulumi CLI is not installed/);
  });
});

describe("a killed `pulumi up` leaves pending creates (item 8)", () => {
  it("before up: deletes the Cloudflare token the pending create made (by its planned name), clears the state, then deploys", async () => {
    const pendingState = answers.state({
      resources: [
        { urn: "urn:x::drata-g1", type: "cloudflare:index/apiToken:ApiToken", id: "live-1", inputs: { name: "cfct prod drata g1" } },
      ],
      pending_operations: [
        {
          type: "creating",
          resource: { urn: "urn:x::drata-g2", type: "cloudflare:index/apiToken:ApiToken", inputs: { name: "cfct prod drata g2" } },
        },
      ],
    });
    const removed: string[] = [];
    const orphans: OrphanTokens = {
      list: async (owner) =>
        owner.kind === "user"
          ? [
              { id: "live-1", name: "cfct prod drata g1" },
              { id: "orphan-9", name: "cfct prod drata g2" },
              { id: "other", name: "someone else's" },
            ]
          : [],
      remove: async (_owner, id) => void removed.push(id),
    };
    const cleanedUp: unknown[] = [];
    const { engine, cli, lines } = engineWith(
      [
        answers.selected,
        pendingState,
        { command: ["refresh"], has: ["--clear-pending-creates"] },
        { command: ["up"] },
        ...answers.outputs(OUTPUTS),
        answers.history,
      ],
      { orphans, onCleanup: (token) => void cleanedUp.push(token) },
    );
    await engine.up();
    expect(removed).toEqual(["orphan-9"]);
    // What the run's evidence records (src/cli/build-pipeline.ts turns each into a `cleanup` entry).
    expect(cleanedUp).toEqual([{ id: "orphan-9", name: "cfct prod drata g2", owner: { kind: "user" } }]);
    expect(cli.commands()).toEqual([
      "version",
      "stack select",
      "stack export",
      "refresh",
      "stack history",
      "up",
      "stack output",
      "stack output",
      "stack history",
    ]);
    expect(lines).toEqual(
      expect.arrayContaining([
        "1 token create(s) left pending by an interrupted run: cfct prod drata g2",
        "deleted orphaned token orphan-9 (cfct prod drata g2)",
      ]),
    );
  });

  it("with no pending operation, up goes straight on", async () => {
    const removed: string[] = [];
    const { engine, cli } = engineWith(
      [answers.selected, answers.state(), { command: ["up"] }, ...answers.outputs(OUTPUTS), answers.history],
      { orphans: { list: async () => [], remove: async (_o, id) => void removed.push(id) } },
    );
    await engine.up();
    expect(cli.commands()).not.toContain("refresh");
    expect(removed).toEqual([]);
  });
});

describe("settings are read like Pulumi reads them (item 9)", () => {
  it("a secure value of ours is read through `pulumi config` when the CLI is present", async () => {
    const prod = readFileSync("stacks/Pulumi.prod.yaml", "utf8");
    const projectDir = projectCopy({ "stacks/Pulumi.prod.yaml": `${prod}  cf-compliance-tokens:tokenNamePrefix:\n    secure: v1:AAAA\n` });
    const connections = [{ platform: "drata", accounts: ["417daa9dc1293f3af874e997f8bdce54"], zones: ["example.com"] }];
    const config = {
      "cf-compliance-tokens:connections": { value: JSON.stringify(connections), objectValue: connections, secret: false },
      "cf-compliance-tokens:tokenNamePrefix": { value: "acme", secret: true },
    };
    const { engine, cli } = engineWith(
      [answers.selected, { command: ["config"], has: ["--show-secrets", "--json"], stdout: JSON.stringify(config) }],
      { projectDir },
    );
    const settings = await engine.settings();
    expect(settings.tokenNamePrefix).toBe("acme");
    expect(settings.connections.map((c) => c.name)).toEqual(["drata"]);
    expect(cli.commands()).toContain("config");
  });

  it("a plain stack file is read without starting the CLI", async () => {
    const { engine, cli } = engineWith([]);
    expect((await engine.settings()).connections).toHaveLength(2);
    expect(cli.calls()).toEqual([]);
  });
});

describe("output chunks become lines (item 10)", () => {
  it("joins split lines and splits joined ones; a last unterminated line is flushed", () => {
    const lines: string[] = [];
    const splitter = lineSplitter((line) => lines.push(line));
    for (const chunk of ["Upd", "ating (prod)\n  + drata", "-g2\r\n\nDone", "!"]) splitter.write(chunk);
    splitter.flush();
    expect(lines).toEqual(["Updating (prod)", "  + drata-g2", "", "Done!"]);
  });
});
