import { spawn } from "node:child_process";
import { createServer, type AddressInfo } from "node:net";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { createCloudflareClient } from "../../src/cloudflare/client";
import { announce, announcementFile } from "../../src/sandbox/announcement";
import { injectFault } from "../../src/sandbox/control-client";
import { ACME_CORP, interruptedUp, rehearsalArgs, rehearsalEnv, testProject, type TestProject } from "../helpers/pipeline";
import { announceSandbox, useSandbox } from "../helpers/sandbox";

const sandbox = useSandbox({ port: 0 });

interface Run {
  readonly code: number | null;
  readonly output: string;
}

/** The built CLI as a user runs it, with its own HOME; the environment holds only what a row gives it. */
function cfct(args: string[], env: Record<string, string | undefined> = {}): Promise<Run> {
  const { CLOUDFLARE_API_TOKEN: _token, CLOUDFLARE_BASE_URL: _base, ...inherited } = process.env;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["bin/cfct.js", ...args], {
      env: { ...inherited, HOME: mkdtempSync(path.join(tmpdir(), "cfct-home-")), ...env },
    });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("close", (code) => resolve({ code, output }));
  });
}

const drata = { platform: "drata", accounts: [ACME_CORP], zones: ["acme-corp.com"] };

function project(name: string, config: Record<string, unknown> = { connections: [drata] }): TestProject {
  const created = testProject(name);
  created.writeConfig(config);
  return created;
}

/** A rehearsal of the project's stack against the test's sandbox (with a lesser `provisionerToken` of it, when given). */
function rehearse(
  command: string,
  p: TestProject,
  env: Record<string, string | undefined> = {},
  extra: string[] = [],
  provisionerToken?: string,
): Promise<Run> {
  return cfct([command, ...rehearsalArgs(sandbox, p), ...extra], {
    ...rehearsalEnv(sandbox, p, provisionerToken ? { provisionerToken } : {}),
    ...env,
  });
}

const inject = (fault: Parameters<typeof injectFault>[1]) => injectFault(sandbox.control, fault);

/** A provisioner with API Tokens Write only: it cannot read the zones the stack names. */
async function withoutZoneRead(): Promise<string> {
  const admin = createCloudflareClient({ apiToken: sandbox.provisionerToken, baseUrl: sandbox.baseUrl });
  const group = (await admin.permissionGroups({ kind: "user" })).find((g) => g.name === "API Tokens Write")!;
  const user = await admin.currentUser();
  const created = await admin.createToken(
    { kind: "user" },
    {
      name: "no zone read",
      policies: [{ effect: "allow", permission_groups: [{ id: group.id }], resources: { [`com.cloudflare.api.user.${user.id}`]: "*" } }],
    },
  );
  return created.value!;
}

/** A port nothing listens on: one the system just handed out and took back. */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

interface Row {
  readonly command: string;
  readonly situation: string;
  readonly exit: number;
  /** What the message must say: the cause, and for failures the fix. */
  readonly says: RegExp;
  readonly run: () => Promise<Run>;
  readonly injectsFault?: boolean;
}

const ROWS: readonly Row[] = [
  {
    command: "up",
    situation: "a flag value cfct does not know",
    exit: 1,
    says: /option '--engine <kind>' argument 'nope' is invalid\. Allowed choices are pulumi, sandbox\./,
    run: () => cfct(["up", "--stack", "dev", "--engine", "nope"]),
  },
  {
    command: "up",
    situation: "a stack config problem",
    exit: 1,
    says: /problem.* in stack config[\s\S]*accounts\[0\]/,
    run: () => rehearse("up", project("badconfig", { connections: [{ ...drata, accounts: ["not-an-account"] }] })),
  },
  {
    command: "up",
    situation: "the Pulumi CLI is missing",
    exit: 1,
    says: /the Pulumi CLI is not installed or not on PATH\. Fix: install it[\s\S]*run `cfct sandbox` in another terminal, then `cfct up --stack <env> --engine sandbox`/,
    run: () =>
      cfct(["up", "--stack", "nocli", "--project-dir", project("nocli").dir], { PATH: "/nonexistent", CLOUDFLARE_API_TOKEN: "unused" }),
  },
  {
    command: "up",
    situation: "no sandbox running and no --api-base",
    exit: 1,
    says: /no `cfct sandbox` is running\. Fix: run `cfct sandbox` \(leave it running in another terminal\), then `cfct up --stack <env> --engine sandbox`/,
    run: () => cfct(["up", "--stack", "nosandbox", "--engine", "sandbox", "--project-dir", project("nosandbox").dir]),
  },
  {
    command: "up",
    situation: "the API is unreachable before any change",
    exit: 1,
    says: /no Cloudflare API sandbox answers at http:\/\/127\.0\.0\.1:\d+\/__sandbox \(ECONNREFUSED\)\. Fix: start one with `cfct sandbox`/,
    run: async () => {
      const p = project("unreachable");
      const home = mkdtempSync(path.join(tmpdir(), "cfct-home-"));
      const apiBase = `http://127.0.0.1:${await closedPort()}/client/v4`;
      // A sandbox recorded as running (this process is its pid) that no longer listens.
      announce(
        {
          baseUrl: apiBase,
          controlUrl: apiBase.replace("/client/v4", "/__sandbox"),
          controlToken: "unused",
          provisionerToken: "unused",
          pid: process.pid,
        },
        announcementFile(home),
      );
      return cfct(
        ["up", "--stack", p.stack, "--engine", "sandbox", "--api-base", apiBase, "--project-dir", p.dir, "--sandbox-state-dir", p.stateDir],
        { HOME: home },
      );
    },
  },
  {
    command: "up",
    situation: "the stack is locked by another run",
    exit: 1,
    says: /stack locked is locked by process \d+ \(another cfct run\)\. Fix: wait for it, or remove .*lock if that process is gone/,
    run: () => {
      const p = project("locked");
      mkdirSync(p.stateDir, { recursive: true });
      // This test process is alive: its pid holds the lock.
      writeFileSync(path.join(p.stateDir, "lock"), String(process.pid));
      return rehearse("up", p);
    },
  },
  {
    command: "up",
    situation: "the local rehearsal state is corrupt",
    exit: 1,
    says: /rehearsal state .*state\.json is unreadable .*Fix: restore it/,
    run: () => {
      const p = project("corrupt");
      mkdirSync(p.stateDir, { recursive: true });
      writeFileSync(path.join(p.stateDir, "state.json"), "{ not json");
      return rehearse("up", p);
    },
  },
  {
    command: "up",
    situation: "the provisioner lacks a permission",
    exit: 1,
    says: /the provisioner credential cannot deploy stack lacking:\n {2}- it cannot read its user's account memberships[\s\S]*Fix: give the provisioner token /,
    run: async () => rehearse("up", project("lacking"), {}, [], await withoutZoneRead()),
  },
  {
    command: "up",
    situation: "the evidence directory cannot be created",
    exit: 1,
    says: /--evidence-dir \S+\/a-file\/evidence: cannot write evidence to .*ENOTDIR.*nothing was changed\. Fix: pass --evidence-dir a directory/,
    run: () => {
      const p = project("noevidence");
      writeFileSync(path.join(p.dir, "a-file"), "");
      return rehearse("up", p, {}, ["--evidence-dir", path.join(p.dir, "a-file", "evidence")]);
    },
  },
  {
    command: "up",
    situation: "the running sandbox, found without --api-base",
    exit: 0,
    says: /sandbox: http:\/\/127\.0\.0\.1:\d+\/client\/v4 \(from .*sandbox\.json\), with its provisioner credential[\s\S]*drata-g1: verified ok/,
    run: () => {
      const p = project("found");
      const home = mkdtempSync(path.join(tmpdir(), "cfct-home-"));
      // This process is alive, and its sandbox is the one announced.
      announceSandbox(sandbox, home);
      return cfct(
        [
          "up",
          "--stack",
          p.stack,
          "--engine",
          "sandbox",
          "--project-dir",
          p.dir,
          "--sandbox-state-dir",
          p.stateDir,
          "--evidence-dir",
          path.join(p.dir, "evidence"),
        ],
        {
          HOME: home,
          CFCT_REHEARSAL_HANDOFF_DIR: p.handoffDir,
        },
      );
    },
  },
  {
    command: "up",
    situation: "Cloudflare fails while creating a token",
    exit: 2,
    injectsFault: true,
    says: /drata-g1: POST \/user\/tokens failed: .*Fix: run the same command again once .* answers/,
    run: async () => {
      const p = project("createfails");
      await inject({ kind: "malformed", match: { method: "POST", path: "/user/tokens" } });
      return rehearse("up", p);
    },
  },
  {
    command: "up",
    situation: "registration fails",
    exit: 2,
    says: /drata-g1: registration failed: could not write the hand-off sheet .* Fix: make the directory writable/,
    run: () => rehearse("up", project("regfails"), { CFCT_REHEARSAL_HANDOFF_DIR: "/dev/null/handoff" }),
  },
  {
    command: "up",
    situation: "interrupted (Ctrl-C) while a token create is in flight",
    exit: 130,
    injectsFault: true,
    says: /interrupted \(SIGINT\) during `cfct up --stack ctrlc`.* 1 token create\(s\) were in flight: cfct ctrlc drata g1\. .*the next `cfct up --stack ctrlc` deletes those tokens/,
    run: async () => {
      await inject({ kind: "latency", ms: 15_000, match: { method: "POST", path: "/user/tokens" } });
      return interruptedUp(sandbox, project("ctrlc"));
    },
  },
  {
    command: "verify",
    situation: "a deployed token fails verification",
    exit: 2,
    says: /drata-g1: verified FAILED \(liveness\)[\s\S]*drata-g1: liveness: .*Fix: /,
    run: async () => {
      const p = project("verifyfails");
      expect((await rehearse("up", p)).code).toBe(0);
      const admin = createCloudflareClient({ apiToken: sandbox.provisionerToken, baseUrl: sandbox.baseUrl });
      const deployed = (await admin.listTokens({ kind: "user" })).find((t) => t.name === "cfct verifyfails drata g1")!;
      await admin.deleteToken({ kind: "user" }, deployed.id!);
      return rehearse("verify", p);
    },
  },
  {
    command: "rotate",
    situation: "stops after the new generation is registered",
    exit: 2,
    says: /DELETE \/user\/tokens\/[0-9a-f]{32} failed: .*Fix: run the same command again once .* answers; the rehearsal picks up where it stopped/,
    injectsFault: true,
    run: async () => {
      const p = project("rotatefails");
      expect((await rehearse("up", p)).code).toBe(0);
      await inject({ kind: "malformed", match: { method: "DELETE", path: "/user/tokens/{token_id}" } });
      return rehearse("rotate", p, {}, ["--force", "--grace", "0h"]);
    },
  },
  {
    command: "doctor",
    situation: "the provisioner can deploy the stack",
    exit: 0,
    says: /ok {3}provisioner: the provisioner can create every token of stack doctorok[\s\S]*ok: everything `cfct up --stack doctorok --engine sandbox` needs for stack doctorok is in place/,
    run: () => rehearse("doctor", project("doctorok")),
  },
  {
    command: "doctor",
    situation: "the provisioner lacks a permission",
    exit: 1,
    // Drata's tokens are user-owned: the provisioner is made from the "Create Additional Tokens" template.
    says: /cannot deploy stack doctorbad:[\s\S]*zone acme-corp\.com[\s\S]*make it at https:\/\/dash\.cloudflare\.com\/profile\/api-tokens: Create Token > "Create Additional Tokens"/,
    run: async () => rehearse("doctor", project("doctorbad"), {}, [], await withoutZoneRead()),
  },
];

/** The README's "Exit codes" table, row by row. */
function readmeTable(): { command: string; situation: string; exit: number }[] {
  const readme = readFileSync("README.md", "utf8");
  const section = readme.slice(readme.indexOf("### Exit codes"));
  const table = section.slice(section.indexOf("| command | situation | exit |"));
  const lines = table.split("\n");
  return lines
    .slice(
      2,
      lines.findIndex((line) => !line.startsWith("|")),
    )
    .map((line) => {
      const [command, situation, exit] = line
        .split("|")
        .slice(1, 4)
        .map((cell) => cell.trim());
      return { command: command!, situation: situation!, exit: Number(exit) };
    });
}

describe("the exit-code contract, command by command", () => {
  it("is the README's table", () => {
    expect(readmeTable()).toEqual(ROWS.map(({ command, situation, exit }) => ({ command, situation, exit })));
  });

  const check = async ({ exit, says, run }: Row) => {
    const result = await run();
    expect(result.output).toMatch(says);
    expect(result.code, result.output).toBe(exit);
  };
  // Each row has its own stack; only rows that inject a sandbox fault must run alone.
  describe.concurrent("rows that share the sandbox safely", () => {
    it.each(ROWS.filter((row) => !row.injectsFault))("$command, $situation: exit $exit", check, 120_000);
  });
  describe("rows that inject a fault", () => {
    it.each(ROWS.filter((row) => row.injectsFault))("$command, $situation: exit $exit", check, 60_000);
  });
});
