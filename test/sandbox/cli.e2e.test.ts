import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from "node:child_process";
import { existsSync, mkdtempSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { announcementFile, readAnnouncements } from "../../src/sandbox/announcement";

/** `cfct sandbox` as a user runs it after `npm ci` (npm test builds dist/ first). */

const CANARY = "CLICANARY_";

interface Running {
  readonly child: ChildProcessWithoutNullStreams;
  readonly home: string;
  readonly ready: { baseUrl: string; controlUrl: string; provisionerToken: string };
  stdout(): string;
  stderr(): string;
  exit(): Promise<number | null>;
}

/** Each sandbox gets its own HOME (unless one is given): it records where it listens in ~/.cfct/sandbox.json. */
function startCli(...args: string[]): Promise<Running> {
  return startCliIn(mkdtempSync(path.join(tmpdir(), "cfct-home-")), ...args);
}

function startCliIn(home: string, ...args: string[]): Promise<Running> {
  const child = spawn(process.execPath, ["bin/cfct.js", "sandbox", ...args], {
    env: { ...process.env, CFCT_SANDBOX_TOKEN_PREFIX: CANARY, HOME: home },
  });
  let stdout = "";
  let stderr = "";
  child.stderr.on("data", (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
      if (stdout.includes("\n")) {
        resolve({ child, home, ready: JSON.parse(stdout.split("\n")[0]!), stdout: () => stdout, stderr: () => stderr, exit: () => exited });
      }
    });
    void exited.then((code) => reject(new Error(`cfct sandbox exited (${code}) before it was ready: ${stderr}`)));
  });
}

describe("cfct sandbox", () => {
  let cli: Running;
  beforeAll(async () => {
    cli = await startCli("--zones", "30");
  });
  afterAll(() => {
    if (cli.child.exitCode === null) cli.child.kill("SIGKILL");
  });

  it("prints one JSON ready line with the API and control URLs and the provisioner token", () => {
    expect(Object.keys(cli.ready).sort()).toEqual(["baseUrl", "controlUrl", "provisionerToken"]);
    expect(cli.ready.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/client\/v4$/);
    expect(cli.ready.controlUrl).toBe(cli.ready.baseUrl.replace("/client/v4", "/__sandbox"));
    expect(cli.ready.provisionerToken.startsWith(CANARY)).toBe(true);
  });

  it("serves the default fixture plus the generated zones", async () => {
    const response = await fetch(`${cli.ready.baseUrl}/zones?per_page=5`, {
      headers: { authorization: `Bearer ${cli.ready.provisionerToken}` },
    });
    expect(((await response.json()) as { result_info: { total_count: number } }).result_info.total_count).toBe(42);
  });

  it("logs requests to stderr without token values, and stops cleanly on SIGTERM", async () => {
    const headers = { authorization: `Bearer ${cli.ready.provisionerToken}` };
    await fetch(`${cli.ready.baseUrl}/user/tokens/verify`, { headers });
    await fetch(`${cli.ready.baseUrl}/user/tokens/verify`, {
      headers: { authorization: `Bearer ${CANARY}00000000000000000000000000000000000000000` },
    });
    cli.child.kill("SIGTERM");
    expect(await cli.exit()).toBe(0);
    expect(cli.stderr()).toMatch(/^GET \/user\/tokens\/verify 200 \d+ms$/m);
    expect(cli.stderr()).toMatch(/^GET \/user\/tokens\/verify 401 \d+ms$/m);
    expect(cli.stderr()).toContain("stopped (SIGTERM)");
    expect(cli.stderr()).not.toContain(CANARY);
    // The ready line is the only output on stdout, and the one place the provisioner value appears.
    expect(cli.stdout().trim().split("\n")).toHaveLength(1);
  });

  it("records where it listens in a 0600 ~/.cfct/sandbox.json with its pid, and removes it when it stops", async () => {
    const other = await startCli();
    const file = announcementFile(other.home);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readAnnouncements(file)).toEqual({
      running: [{ ...other.ready, controlToken: expect.any(String), pid: other.child.pid }],
      stale: [],
      outdated: [],
    });
    other.child.kill("SIGTERM");
    expect(await other.exit()).toBe(0);
    expect(existsSync(file)).toBe(false);
  });

  it("a sandbox that was killed leaves a record that reads as stale, by its pid", async () => {
    const other = await startCli();
    other.child.kill("SIGKILL");
    await other.exit();
    expect(readAnnouncements(announcementFile(other.home))).toMatchObject({ running: [], stale: [{ pid: other.child.pid }] });
  });

  it("a second sandbox keeps the first one's entry, and stopping it removes only its own", async () => {
    const first = await startCli();
    const second = await startCliIn(first.home);
    const file = announcementFile(first.home);
    try {
      expect(readAnnouncements(file).running.map((s) => s.pid)).toEqual([first.child.pid, second.child.pid]);
      const note = `1 other sandbox(es) still run (pid ${first.child.pid} at ${first.ready.baseUrl})`;
      // stderr is its own pipe: the note may arrive after the ready line.
      while (!second.stderr().includes(note) && second.child.exitCode === null) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(second.stderr()).toContain(note);
      second.child.kill("SIGTERM");
      expect(await second.exit()).toBe(0);
      expect(readAnnouncements(file)).toEqual({
        running: [{ ...first.ready, controlToken: expect.any(String), pid: first.child.pid }],
        stale: [],
        outdated: [],
      });
      expect(statSync(file).mode & 0o777).toBe(0o600);
    } finally {
      first.child.kill("SIGTERM");
      second.child.kill("SIGKILL");
    }
    expect(await first.exit()).toBe(0);
    expect(existsSync(file)).toBe(false);
  });

  it("stops cleanly on SIGINT too", async () => {
    const other = await startCli();
    other.child.kill("SIGINT");
    expect(await other.exit(), other.stderr() + " signal=" + other.child.signalCode).toBe(0);
  });

  it("exits 1 naming the bad key when the fixture is invalid", () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), "cfct-cli-")), "bad.yaml");
    writeFileSync(file, "user: {id: nope}\n");
    const result = spawnSync(process.execPath, ["bin/cfct.js", "sandbox", "--fixture", file], { encoding: "utf8" });
    expect(result.status).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toContain("user.id: is not a Cloudflare ID. Fix: use 32 lowercase hex characters");
  });

  it("--accounts adds a fleet and --rate-limit sets every principal's budget; a malformed budget exits 1 naming the fix", async () => {
    const fleet = await startCli("--accounts", "3", "--rate-limit", "30/10");
    const response = await fetch(`${fleet.ready.baseUrl}/memberships?per_page=50`, {
      headers: { authorization: `Bearer ${fleet.ready.provisionerToken}` },
    });
    fleet.child.kill("SIGTERM");
    await fleet.exit();
    expect(((await response.json()) as { result_info: { total_count: number } }).result_info.total_count).toBe(2 + 3);
    expect(response.headers.get("ratelimit-policy")).toBe('"default";q=30;w=10');
    expect(fleet.stderr()).toContain("5 account(s), 12 zone(s), 30 requests per 10 s per principal");

    const bad = spawnSync(process.execPath, ["bin/cfct.js", "sandbox", "--rate-limit", "30 per 10"], { encoding: "utf8" });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('--rate-limit "30 per 10" is not <requests>/<seconds>. Fix: e.g. 1200/300');
  });

  it("exits 1 on a bad or busy --port", async () => {
    const result = spawnSync(process.execPath, ["bin/cfct.js", "sandbox", "--port", "http"], { encoding: "utf8" });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("--port must be a whole number from 0 to 65535");

    const running = await startCli();
    const busyPort = new URL(running.ready.baseUrl).port;
    const busy = spawnSync(process.execPath, ["bin/cfct.js", "sandbox", "--port", busyPort], { encoding: "utf8" });
    running.child.kill("SIGTERM");
    await running.exit();
    expect(busy.status).toBe(1);
    expect(busy.stderr).toContain(`port ${busyPort} on 127.0.0.1 is already in use. Fix: choose another port, or 0 for any free one`);
  });
});
