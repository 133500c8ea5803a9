import { mkdtempSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveApiTarget } from "../../src/cli/api-target";
import { announce, announcementFile } from "../../src/sandbox/announcement";
import { cfct, type CliRun } from "../helpers/cli-run";
import { ACME_CORP, rehearsalArgs, testProject, type TestProject } from "../helpers/pipeline";
import { announceSandbox, useSandbox } from "../helpers/sandbox";
import { controlFetch } from "../../src/sandbox/control-client";

/**
 * Every command with --engine sandbox finds the sandbox and its credential one way (src/cli/api-target.ts),
 * for every client it builds. Each runs with a canary credential in CLOUDFLARE_API_TOKEN and a trap
 * server as CLOUDFLARE_BASE_URL (which Cloudflare's SDK reads when a client is built without a base):
 * a command that sent anything anywhere but the sandbox shows in the trap or in the sandbox's count of
 * credentials it never issued; Cloudflare itself is unreachable here, so such a command would also fail.
 */
const CANARY = "canary0123456789abcdefghijklmnopqrstuvwxyzCANARY";
const sandbox = useSandbox({ port: 0 });

interface Trapped {
  readonly method: string;
  readonly url: string;
  readonly authorization: string | undefined;
}
const trapped: Trapped[] = [];
let trap: Server;
let trapUrl: string;
let home: string;
let project: TestProject;

beforeAll(async () => {
  trap = createServer((request, response) => {
    trapped.push({ method: request.method ?? "", url: request.url ?? "", authorization: request.headers.authorization });
    response.writeHead(500, { "content-type": "application/json" }).end('{"success":false,"errors":[{"code":1,"message":"trap"}]}');
  });
  await new Promise<void>((resolve) => trap.listen(0, "127.0.0.1", resolve));
  trapUrl = `http://127.0.0.1:${(trap.address() as AddressInfo).port}/client/v4`;
  home = mkdtempSync(path.join(tmpdir(), "cfct-home-"));
  // The sandbox as `cfct sandbox` announces it; this test process is its (living) pid.
  announceSandbox(sandbox, home);
  project = testProject("onetarget");
  project.writeConfig({ connections: [{ platform: "drata", accounts: [ACME_CORP], zones: ["acme-corp.com"] }] });
});

afterAll(async () => {
  await new Promise((resolve) => trap.close(resolve));
});

async function stats(): Promise<{ total: number; unknownCredentials: number }> {
  return (await (await controlFetch(sandbox.control, "/stats")).json()) as { total: number; unknownCredentials: number };
}

/** One command as a user types it: no --api-base, a canary credential and a trap in the environment. */
function rehearse(command: string[]): Promise<CliRun> {
  return cfct([...command, ...rehearsalArgs(sandbox, project, { found: true })], {
    HOME: home,
    CLOUDFLARE_API_TOKEN: CANARY,
    CLOUDFLARE_BASE_URL: trapUrl,
    CFCT_REHEARSAL_HANDOFF_DIR: project.handoffDir,
    CFCT_REHEARSAL_KEY_DIR: project.keyDir,
  });
}

describe("every command with --engine sandbox talks to the sandbox only, with the sandbox's own credential", () => {
  it.each([
    { command: ["preview"], says: /create drata-g1/ },
    { command: ["up"], says: /drata-g1: verified ok/ },
    { command: ["verify", "--json"], says: /"ok":true/ },
    { command: ["audit", "--json", "--fail-on", "none"], says: /"class":"managed"/ },
    { command: ["doctor"], says: /ok {3}provisioner: the provisioner can create every token of stack onetarget/ },
    { command: ["rotate", "--force", "--grace", "0h"], says: /drata g1: old-revoked/ },
    { command: ["destroy"], says: /drata-g2: deleted/ },
  ])(
    "cfct $command.0",
    async ({ command, says }) => {
      const before = await stats();
      const run = await rehearse(command);
      expect(run.code, run.stdout + run.stderr).toBe(0);
      expect(run.stdout).toMatch(says);
      expect(run.stdout + run.stderr).toMatch(
        /sandbox: http:\/\/127\.0\.0\.1:\d+\/client\/v4 \(from .*sandbox\.json\), with its provisioner credential/,
      );
      const after = await stats();
      expect(after.total, "the command reached the sandbox").toBeGreaterThan(before.total);
      expect(after.unknownCredentials, "the sandbox never saw a credential it did not issue").toBe(0);
      expect(trapped, "nothing went to the trap").toEqual([]);
      expect(run.stdout + run.stderr).not.toContain(CANARY);
    },
    120_000,
  ); // a CLI process loading Pulumi, on a loaded machine
});

describe("resolveApiTarget: the one rule", () => {
  const progress = () => undefined;

  it("refuses an --api-base that is not on this machine with --engine sandbox, before any request", () => {
    expect(() =>
      resolveApiTarget(
        { engine: "sandbox", apiBase: "https://api.cloudflare.com/client/v4", provisionerTokenEnv: "CLOUDFLARE_API_TOKEN" },
        progress,
        {
          CLOUDFLARE_API_TOKEN: CANARY,
        },
      ),
    ).toThrow(/--engine sandbox rehearses against a sandbox on this machine only.*Fix: pass the baseUrl `cfct sandbox` printed/);
  });

  it("takes the announced sandbox's credential for its --api-base, never the environment's", () => {
    const previous = process.env.HOME;
    process.env.HOME = home;
    try {
      const target = resolveApiTarget(
        { engine: "sandbox", apiBase: sandbox.baseUrl, provisionerTokenEnv: "CLOUDFLARE_API_TOKEN" },
        progress,
        {
          CLOUDFLARE_API_TOKEN: CANARY,
        },
      );
      expect(target).toEqual({ apiBase: sandbox.baseUrl, sandboxControl: sandbox.control, provisionerToken: sandbox.provisionerToken });
    } finally {
      process.env.HOME = previous;
    }
  });

  it("ignores CLOUDFLARE_BASE_URL in a rehearsal, and refuses to guess between two running sandboxes", () => {
    const previous = process.env.HOME;
    process.env.HOME = mkdtempSync(path.join(tmpdir(), "cfct-home-"));
    try {
      const entry = announceSandbox(sandbox, process.env.HOME);
      announce({ ...entry, baseUrl: "http://127.0.0.1:1/client/v4", pid: process.ppid }, announcementFile(process.env.HOME));
      expect(() =>
        resolveApiTarget({ engine: "sandbox", provisionerTokenEnv: "CLOUDFLARE_API_TOKEN" }, progress, { CLOUDFLARE_BASE_URL: trapUrl }),
      ).toThrow(/found 2 running sandboxes .* and will not guess\. Fix: pass the one to use as --api-base <baseUrl>/);
    } finally {
      process.env.HOME = previous;
    }
  });
});
