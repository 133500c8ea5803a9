import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { resolveApiTarget } from "../../src/cli/api-target";
import { startSandbox } from "../../src/sandbox";
import { announcementFile, readAnnouncements } from "../../src/sandbox/announcement";
import { controlFetch, readClock } from "../../src/sandbox/control-client";
import { CONTROL_TOKEN_HEADER } from "../../src/sandbox/http/control-token";
import { cfct } from "../helpers/cli-run";
import { ACME_CORP, rehearsalArgs, testProject } from "../helpers/pipeline";
import { useSandbox } from "../helpers/sandbox";

const sandbox = useSandbox();

const control = (headers: Record<string, string> = {}) => fetch(`${sandbox.control.url}/clock`, { headers });
const stats = async () => (await (await controlFetch(sandbox.control, "/stats")).json()) as { total: number; unknownCredentials: number };

describe("the sandbox's control plane answers only its control token (issue 24 item 8)", () => {
  it("without the token: 401, naming the header and where the token is", async () => {
    const answer = await control();
    expect(answer.status).toBe(401);
    expect(((await answer.json()) as { error: string }).error).toMatch(
      /needs its control token in the x-cfct-sandbox-control header\. Fix: send the controlToken of this sandbox's entry in ~\/\.cfct\/sandbox\.json/,
    );
  });

  it("a wrong token, or the provisioner's credential, is 403; the provisioner's credential as a bearer token is no control token at all (401)", async () => {
    const wrong = await control({ [CONTROL_TOKEN_HEADER]: `${sandbox.control.token}x` });
    expect(wrong.status).toBe(403);
    expect(((await wrong.json()) as { error: string }).error).toMatch(
      /does not hold this sandbox's control token.*Fix: send the controlToken/,
    );
    expect((await control({ [CONTROL_TOKEN_HEADER]: sandbox.provisionerToken })).status).toBe(403);
    expect((await control({ authorization: `Bearer ${sandbox.provisionerToken}` })).status).toBe(401);
    // Every route, not only the clock: a fault cannot be queued without the token either.
    const fault = await fetch(`${sandbox.control.url}/faults`, {
      method: "POST",
      headers: { "content-type": "application/json", [CONTROL_TOKEN_HEADER]: sandbox.provisionerToken },
      body: JSON.stringify({ kind: "status", status: 500 }),
    });
    expect(fault.status).toBe(403);
    expect(((await (await controlFetch(sandbox.control, "/faults")).json()) as { pending: unknown[] }).pending).toEqual([]);
  });

  it("the right token works, and the refusals never echo the token", async () => {
    const answer = await control({ [CONTROL_TOKEN_HEADER]: sandbox.control.token });
    expect(answer.status).toBe(200);
    expect(await readClock(sandbox.control)).toBeInstanceOf(Date);
    const refused = await (await control({ [CONTROL_TOKEN_HEADER]: `${sandbox.control.token}x` })).text();
    expect(refused).not.toContain(sandbox.control.token);
  });

  it("the control token is no Cloudflare credential: /client/v4 does not accept it", async () => {
    const answer = await fetch(`${sandbox.baseUrl}/user/tokens/verify`, { headers: { authorization: `Bearer ${sandbox.control.token}` } });
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(answer.status).toBeLessThan(500);
    expect(((await answer.json()) as { success: boolean }).success).toBe(false);
  });

  it("each sandbox draws its own random token (32 bytes, base64url) unless one is given", async () => {
    const other = await startSandbox();
    const chosen = await startSandbox({ controlToken: "a-test-token" });
    try {
      expect(sandbox.control.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(other.control.token).not.toBe(sandbox.control.token);
      expect(chosen.control.token).toBe("a-test-token");
      expect((await fetch(`${other.control.url}/clock`, { headers: { [CONTROL_TOKEN_HEADER]: sandbox.control.token } })).status).toBe(403);
    } finally {
      await other.close();
      await chosen.close();
    }
  });
});

describe("cfct sandbox keeps the control token in ~/.cfct/sandbox.json only (issue 24 item 8)", () => {
  it("announces controlToken in the 0600 file, never on stdout or stderr, and it opens the control plane", async () => {
    const home = mkdtempSync(path.join(tmpdir(), "cfct-home-"));
    const child = spawn(process.execPath, ["bin/cfct.js", "sandbox"], { env: { ...process.env, HOME: home } });
    let stdout = "";
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on("data", (chunk: Buffer) => {
          stdout += chunk.toString();
          if (stdout.includes("\n")) resolve();
        });
        void exited.then((code) => reject(new Error(`cfct sandbox exited (${code}): ${stderr}`)));
      });
      const [entry] = readAnnouncements(announcementFile(home)).running;
      expect(entry?.controlToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const { controlToken } = entry!;
      expect((await controlFetch({ url: entry!.controlUrl, token: controlToken }, "/instance")).status).toBe(200);
      expect(stderr).toMatch(/recorded in .*sandbox\.json, with the control plane's token as controlToken/);
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
      expect(stdout).not.toContain(controlToken);
      expect(stderr).not.toContain(controlToken);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  }, 30_000);
});

describe("an announcement written before control tokens (issue 24 item 8)", () => {
  const previous = process.env.HOME;
  afterEach(() => {
    process.env.HOME = previous;
  });

  it("reads as outdated, not running, and a rehearsal refuses it with the fix instead of crashing", () => {
    process.env.HOME = mkdtempSync(path.join(tmpdir(), "cfct-home-"));
    const file = announcementFile(process.env.HOME);
    const old = {
      baseUrl: sandbox.baseUrl,
      controlUrl: sandbox.control.url,
      provisionerToken: sandbox.provisionerToken,
      pid: process.pid,
    };
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(file, JSON.stringify({ sandboxes: [old] }), { mode: 0o600 });
    expect(readAnnouncements(file)).toEqual({ running: [], stale: [], outdated: [old] });
    const progress = () => undefined;
    const outdated =
      /names a sandbox \(pid \d+\) started by an older cfct, without the controlToken its control plane now demands \(restart it\)/;
    expect(() => resolveApiTarget({ engine: "sandbox", provisionerTokenEnv: "CLOUDFLARE_API_TOKEN" }, progress, {})).toThrow(outdated);
    expect(() =>
      resolveApiTarget({ engine: "sandbox", apiBase: sandbox.baseUrl, provisionerTokenEnv: "CLOUDFLARE_API_TOKEN" }, progress, {}),
    ).toThrow(outdated);
    expect(readFileSync(file, "utf8")).toContain(sandbox.provisionerToken); // read, not rewritten
  });
});

describe("--engine sandbox never takes the provisioner credential from the environment (issue 24 item 6)", () => {
  // Shaped like a Cloudflare user API token; any value would be refused the same way.
  const REAL_LOOKING = "cfut_0123456789abcdefghijklmnopqrstuvwxyzABCDEFGH";

  it("a sandbox at --api-base that no announcement names is refused, and the variable is not read", () => {
    const home = mkdtempSync(path.join(tmpdir(), "cfct-home-"));
    const previous = process.env.HOME;
    process.env.HOME = home;
    try {
      expect(() =>
        resolveApiTarget({ engine: "sandbox", apiBase: sandbox.baseUrl, provisionerTokenEnv: "MY_CF_TOKEN" }, () => undefined, {
          MY_CF_TOKEN: REAL_LOOKING,
        }),
      ).toThrow(
        /takes the credential of the sandbox at --api-base .* from its entry in .*sandbox\.json, and no running `cfct sandbox` is recorded there for it; a rehearsal never reads MY_CF_TOKEN, which may hold a real Cloudflare credential\. Fix: start the sandbox with `cfct sandbox`/,
      );
    } finally {
      process.env.HOME = previous;
    }
  });

  it("cfct up --engine sandbox --provisioner-token-env MY_CF_TOKEN: exit 1, nothing sent to the sandbox, the value never shown", async () => {
    const project = testProject("envcred");
    project.writeConfig({ connections: [{ platform: "drata", accounts: [ACME_CORP], zones: ["acme-corp.com"] }] });
    const before = await stats();
    const run = await cfct(["up", ...rehearsalArgs(sandbox, project), "--provisioner-token-env", "MY_CF_TOKEN"], {
      HOME: mkdtempSync(path.join(tmpdir(), "cfct-home-")),
      MY_CF_TOKEN: REAL_LOOKING,
      CLOUDFLARE_API_TOKEN: REAL_LOOKING,
      CFCT_REHEARSAL_HANDOFF_DIR: project.handoffDir,
      CFCT_REHEARSAL_KEY_DIR: project.keyDir,
    });
    expect(run.code, run.stdout + run.stderr).toBe(1);
    expect(run.stderr).toMatch(/a rehearsal never reads MY_CF_TOKEN, which may hold a real Cloudflare credential/);
    expect(run.stdout + run.stderr).not.toContain(REAL_LOOKING);
    const after = await stats();
    expect(after.total, "no request reached the sandbox's API").toBe(before.total);
    expect(after.unknownCredentials).toBe(before.unknownCredentials);
  }, 60_000);
});
