import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { PLATFORMS } from "../../src/platforms";

/** Runs the built CLI exactly as a user would after `npm ci` (npm test builds first). */
function cfct(...args: string[]) {
  const result = spawnSync(process.execPath, ["bin/cfct.js", ...args], { encoding: "utf8" });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

// Each case starts the CLI; on a loaded machine one start takes seconds.
describe("cfct platforms", { timeout: 60_000 }, () => {
  it("--json lists every built-in platform with its name, owner, profiles (default first) and source", () => {
    const { code, stdout } = cfct("platforms", "--json");
    expect(code).toBe(0);
    const { platforms } = JSON.parse(stdout) as {
      platforms: { key: string; owner: string; profiles: string[]; source: string; definedIn: string; community?: boolean }[];
    };
    expect(platforms.map((p) => p.key)).toEqual(Object.keys(PLATFORMS).sort());
    expect(platforms.find((p) => p.key === "scytale")).toMatchObject({
      owner: "user",
      profiles: ["read-all", "custom"],
      definedIn: "built-in",
    });
    expect(platforms.find((p) => p.key === "ploy")).toMatchObject({
      owner: "account",
      tokenPerAccount: true,
      source: "https://help.ploy.io/cloudflare-1s617",
    });
    expect(platforms.find((p) => p.key === "splunk-cloudflare-audit")!.community).toBe(true);
  });

  it("show prints each group with its scope and the page's row, the mapping where the wording differs, the hand-off, and the planned token", () => {
    const { code, stdout } = cfct("platforms", "show", "oneleet", "--account", "417daa9dc1293f3af874e997f8bdce54");
    expect(code).toBe(0);
    expect(stdout).toContain(
      "source   https://github.com/Oneleet/oneleet-docs/blob/main/pages/integrations/cloudflare.mdx (read 2026-12-07)",
    );
    expect(stdout).toMatch(/ {2}zone {4}Zone DNS Settings Read +<- "Zone permissions: DNS Settings: Read" \(the page's wording; /);
    expect(stdout).toMatch(/ {2}account Workers Scripts Read +<- "Account permissions: Workers Scripts: Read"\n/);
    expect(stdout).toContain("1. In Oneleet, navigate to Integrations > Add integration > Cloudflare and click Continue.");
    expect(stdout).toContain("oneleet  (oneleet/guide, user-owned, generation 1)");
    expect(stdout).toContain("allow account: 3 group(s) on com.cloudflare.api.account.417daa9dc1293f3af874e997f8bdce54");
  });

  it("show of a template profile names the template as each group's source; --json is one object", () => {
    const { code, stdout } = cfct("platforms", "show", "scytale", "--json");
    expect(code).toBe(0);
    const shown = JSON.parse(stdout) as { profile: string; groups: { source: string }[]; token: { owner: unknown } };
    expect(shown.profile).toBe("read-all");
    expect(shown.groups).toHaveLength(145);
    expect(new Set(shown.groups.map((g) => g.source))).toEqual(new Set(['Cloudflare\'s "Read all resources" template']));
    expect(shown.token.owner).toEqual({ kind: "user" });
  });

  it("an unknown platform, profile or account is a usage error naming the fix", () => {
    expect(cfct("platforms", "show", "vanta")).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/no such platform\. Fix: use one of ascera, /),
    });
    expect(cfct("platforms", "show", "drata", "--profile", "all")).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/--profile all is not a profile of drata\. Fix: use one of guide/),
    });
    expect(cfct("platforms", "show", "drata", "--account", "acme")).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/not a Cloudflare account ID/),
    });
  });
});
