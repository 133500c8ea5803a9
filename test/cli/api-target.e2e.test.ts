import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveApiTarget } from "../../src/cli/api-target";
import { cfct } from "../helpers/cli-run";

const CREDENTIAL = "canary0123456789abcdefghijklmnopqrstuvwxyzCANARY";
/** `cfct sandbox-parity` for a test account and zone (IDs of the sandbox's shape; no request reaches them). */
const PARITY = ["sandbox-parity", "--account", "417daa9dc1293f3af874e997f8bdce54", "--zone", "023e105f4ecef8ad9ca31a8372d0c353"];
const real = (apiBase?: string) => ({
  engine: "pulumi" as const,
  provisionerTokenEnv: "CLOUDFLARE_API_TOKEN",
  ...(apiBase ? { apiBase } : {}),
});

describe("--api-base and CLOUDFLARE_BASE_URL are checked on every command before the credential goes anywhere (issue 24 item 6)", () => {
  it.each([
    { what: "plain http to another machine", base: "http://api.example.com/client/v4", says: /would send the token unencrypted/ },
    {
      what: "an account path",
      base: "https://api.cloudflare.com/client/v4/accounts/417daa9dc1293f3af874e997f8bdce54",
      says: /contains an Account ID/,
    },
    { what: "credentials in the URL", base: "https://user:pw@api.cloudflare.com/client/v4", says: /carries credentials/ },
  ])("refuses $what, from the flag or the environment, naming which and the fix", ({ base, says }) => {
    const env = { CLOUDFLARE_API_TOKEN: CREDENTIAL };
    expect(() => resolveApiTarget(real(base), () => undefined, env)).toThrow(says);
    expect(() => resolveApiTarget(real(base), () => undefined, env)).toThrow(
      /^--api-base .*so the provisioner credential is not sent there\. Fix:/,
    );
    expect(() => resolveApiTarget(real(), () => undefined, { ...env, CLOUDFLARE_BASE_URL: base })).toThrow(
      /^CLOUDFLARE_BASE_URL .*Fix: .*\(or unset CLOUDFLARE_BASE_URL\)/,
    );
    let message = "";
    try {
      resolveApiTarget(real(base), () => undefined, env);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).not.toContain("pw@");
  });

  it("names a host that is not Cloudflare's in the output; Cloudflare's own and the default say nothing", () => {
    const lines: string[] = [];
    const env = { CLOUDFLARE_API_TOKEN: CREDENTIAL, CLOUDFLARE_BASE_URL: "https://cf-proxy.acme.example/client/v4" };
    expect(resolveApiTarget(real(), (line) => lines.push(line), env).apiBase).toBe("https://cf-proxy.acme.example/client/v4");
    expect(lines).toEqual([
      "API: https://cf-proxy.acme.example/client/v4 (from CLOUDFLARE_BASE_URL) is not Cloudflare's API host; the provisioner credential is sent to cf-proxy.acme.example",
    ]);
    lines.length = 0;
    resolveApiTarget(real("https://api.cloudflare.com/client/v4"), (line) => lines.push(line), env);
    resolveApiTarget(real(), (line) => lines.push(line), { CLOUDFLARE_API_TOKEN: CREDENTIAL });
    expect(lines).toEqual([]);
  });
});

describe("a command refuses a bad CLOUDFLARE_BASE_URL before any request (issue 24 item 6)", () => {
  let trap: Server;
  let hits = 0;
  beforeAll(async () => {
    trap = createServer((request, response) => {
      hits += 1;
      response.writeHead(500).end();
    });
    await new Promise<void>((resolve) => trap.listen(0, "127.0.0.1", resolve));
  });
  afterAll(() => new Promise((resolve) => trap.close(resolve)));

  it("cfct audit with CLOUDFLARE_BASE_URL pointing at an account path: exit 1, the variable named, nothing sent", async () => {
    const port = (trap.address() as AddressInfo).port;
    const run = await cfct(["audit", "--stack", "dev"], {
      CLOUDFLARE_API_TOKEN: CREDENTIAL,
      CLOUDFLARE_BASE_URL: `http://127.0.0.1:${port}/client/v4/accounts/417daa9dc1293f3af874e997f8bdce54`,
    });
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toContain("CLOUDFLARE_BASE_URL http://127.0.0.1:");
    expect(run.stderr).toContain("contains an Account ID");
    expect(hits).toBe(0);
    expect(run.stdout + run.stderr).not.toContain(CREDENTIAL);
  }, 60_000);

  it("cfct sandbox-parity with CLOUDFLARE_BASE_URL pointing at an account path: exit 1, the variable named, nothing sent", async () => {
    const port = (trap.address() as AddressInfo).port;
    const run = await cfct(PARITY, {
      CLOUDFLARE_API_TOKEN: CREDENTIAL,
      CLOUDFLARE_BASE_URL: `http://127.0.0.1:${port}/client/v4/accounts/417daa9dc1293f3af874e997f8bdce54`,
    });
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toMatch(
      /CLOUDFLARE_BASE_URL http:\/\/127\.0\.0\.1:\d+.*contains an Account ID.*Fix: .*\(or unset CLOUDFLARE_BASE_URL\)/,
    );
    expect(hits).toBe(0);
    expect(run.stdout + run.stderr).not.toContain(CREDENTIAL);
  }, 60_000);
});

describe("cfct sandbox-parity takes its API base as every other command does (issue 24 item 6)", () => {
  const PROXY = "https://cf-proxy.acme.example/client/v4";

  it.each([
    { from: "--api-base", args: ["--api-base", PROXY], env: {} },
    { from: "CLOUDFLARE_BASE_URL", args: [], env: { CLOUDFLARE_BASE_URL: PROXY } },
  ])(
    "names a host that is not Cloudflare's, from $from, before it would send the credential there",
    async ({ from, args, env }) => {
      const run = await cfct([...PARITY, ...args, "--dry-run"], env);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toContain(
        `API: ${PROXY} (from ${from}) is not Cloudflare's API host; the provisioner credential is sent to cf-proxy.acme.example`,
      );
      expect(run.stdout).toMatch(new RegExp(`would make these \\d+ calls to ${PROXY.replace(/[.]/g, "\\.")}:`));
    },
    60_000,
  );

  it("refuses --api-base with credentials in it, naming the flag and not showing them", async () => {
    const run = await cfct([...PARITY, "--api-base", "https://user:pw@api.cloudflare.com/client/v4", "--dry-run"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/--api-base https:\/\/api\.cloudflare\.com\/client\/v4: .*carries credentials.*Fix:/);
    expect(run.stderr).not.toContain("pw@");
  }, 60_000);

  it("says nothing of the API when it is Cloudflare's own", async () => {
    const run = await cfct([...PARITY, "--dry-run"], { CLOUDFLARE_BASE_URL: undefined });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).not.toContain("API:");
    expect(run.stdout).toContain("calls to https://api.cloudflare.com/client/v4:");
  }, 60_000);
});
