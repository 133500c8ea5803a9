import { execFile, execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";

/**
 * The component from outside the package boundary, as a Pulumi user gets it: `npm pack`, installed
 * into a scratch program, the README's example type-checked against the published declarations and
 * run under Pulumi's mocks, from CommonJS and from an ES module.
 */
const REPO = path.resolve(__dirname, "../..");
const run = promisify(execFile);
let app: string;

const USER_ID = "8ec917c52e6b1d94920f1e3ec8d5ae82";

/** The README's "Use it in your own Pulumi program" example, verbatim. */
function readmeExample(): string {
  const readme = fs.readFileSync(path.join(REPO, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("## Use it in your own Pulumi program"));
  const match = /```ts\n([\s\S]*?)```/.exec(section);
  if (!match) throw new Error("README has no ts example under 'Use it in your own Pulumi program'");
  return match[1]!;
}

/** Runs `program` (a compiled module) under mocks that answer the provider's invokes; prints what it registered. */
const HARNESS = `
const pulumi = require("@pulumi/pulumi");
// The mocks the package exports for its users' tests: the four provider invokes the component needs.
const { complianceTokenMocks } = require("cf-compliance-tokens");
const registered = [];
const invokes = [];
const mocks = complianceTokenMocks({
  zones: { "acme-corp.com": { id: "576e2aa970f9f4e230116c7c1d498a24", accountId: "417daa9dc1293f3af874e997f8bdce54" } },
  userId: "${USER_ID}",
  onResource: (args) => registered.push({ type: args.type, name: args.name, provider: args.provider ?? null, inputs: args.inputs }),
  onInvoke: (args) => invokes.push({ token: args.token, provider: args.provider ?? null }),
});
// A program's errors surface asynchronously (inside apply), as they do under \`pulumi up\`.
process.on("unhandledRejection", (error) => {
  process.stdout.write(JSON.stringify({ error: String((error && error.message) || error) }));
  process.exit(0);
});
const settle = (value) => new Promise((resolve) => pulumi.output(value).apply(resolve));
(async () => {
  await pulumi.runtime.setMocks(mocks, "consumer", "dev", false);
  try {
    const program = require(process.argv[2]);
    const outputs = {};
    for (const [key, value] of Object.entries(program)) {
      if (pulumi.Resource.isInstance(value)) continue;
      outputs[key] = { value: await settle(value), secret: pulumi.Output.isInstance(value) ? await pulumi.isSecret(value) : false };
    }
    // Ends the run as the Automation API ends a program: every registration drained first.
    await pulumi.runtime.disconnect();
    process.stdout.write(JSON.stringify({ registered, invokes, outputs }));
  } catch (error) {
    process.stdout.write(JSON.stringify({ error: String(error && error.message || error) }));
  }
})();
`;

beforeAll(async () => {
  if (!fs.existsSync(path.join(REPO, "dist/index.d.ts"))) throw new Error("dist/ is not built: run npm run build (npm test does)");
  app = fs.mkdtempSync(path.join(os.tmpdir(), "cfct-consumer-"));
  const packed = JSON.parse(
    (await run("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", app], { cwd: REPO })).stdout,
  ) as { filename: string; files: { path: string }[] }[];
  fs.writeFileSync(path.join(app, "files.json"), JSON.stringify(packed[0]!.files.map((f) => f.path)));
  const installed = path.join(app, "node_modules", "cf-compliance-tokens");
  fs.mkdirSync(installed, { recursive: true });
  execFileSync("tar", ["-xzf", path.join(app, packed[0]!.filename), "-C", installed, "--strip-components=1"]);
  // The consumer's other dependencies are this repository's (no registry access in tests): linked, not copied.
  for (const entry of fs.readdirSync(path.join(REPO, "node_modules"))) {
    if (entry.startsWith(".") || entry === "cf-compliance-tokens") continue;
    fs.symlinkSync(path.join(REPO, "node_modules", entry), path.join(app, "node_modules", entry));
  }
  fs.writeFileSync(path.join(app, "harness.cjs"), HARNESS);
  fs.writeFileSync(path.join(app, "index.ts"), readmeExample());
  fs.writeFileSync(
    path.join(app, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        target: "ES2022",
        module: "node16",
        moduleResolution: "node16",
        strict: true,
        outDir: "out",
        skipLibCheck: true,
        types: [],
      },
      files: ["index.ts"],
    }),
  );
}, 120_000);

async function runUnderMocks(file: string): Promise<any> {
  // A failed program exits non-zero (Pulumi's runtime reports the promises it left), with the error printed first.
  const stdout = await run(process.execPath, ["harness.cjs", file], { cwd: app }).then(
    (done) => done.stdout,
    (failed: { stdout: string }) => failed.stdout,
  );
  return JSON.parse(stdout);
}

describe("the packed package", () => {
  it("ships built JavaScript with declarations and the CLI, and no sources or tests", () => {
    const files = JSON.parse(fs.readFileSync(path.join(app, "files.json"), "utf8")) as string[];
    expect(files).toEqual(
      expect.arrayContaining(["dist/index.js", "dist/index.d.ts", "dist/component/compliance-token.d.ts", "bin/cfct.js", "package.json"]),
    );
    expect(
      files.filter(
        (f) => f.startsWith("src/") || f.startsWith("test/") || f.endsWith(".map") || (f.endsWith(".ts") && !f.endsWith(".d.ts")),
      ),
    ).toEqual([]);
  });

  it("type-checks the README's example against the published declarations", async () => {
    await run(process.execPath, [path.join(REPO, "node_modules/typescript/bin/tsc"), "-p", app], { cwd: app });
    expect(fs.existsSync(path.join(app, "out/index.js"))).toBe(true);
  }, 60_000);

  it("runs the README's example under mocks: one ApiToken and one AccountToken per account, as children, through the caller's provider", async () => {
    const { registered, invokes, outputs, error } = await runUnderMocks("./out/index.js");
    expect(error).toBeUndefined();
    const tokens = registered.filter((r: { type: string }) => r.type.startsWith("cloudflare:index/"));
    expect(tokens.map((t: { type: string; name: string }) => `${t.type} ${t.name}`).sort()).toEqual([
      "cloudflare:index/accountToken:AccountToken ascera-417daa9d",
      "cloudflare:index/accountToken:AccountToken ascera-fca1dc08",
      "cloudflare:index/apiToken:ApiToken drata",
    ]);
    // The caller's provider reaches the tokens and every invoke (they are parented to the component).
    for (const token of tokens) expect(token.provider).toMatch(/::provisioner::/);
    expect(invokes.length).toBeGreaterThan(0);
    for (const invoke of invokes) expect(invoke.provider).toMatch(/::provisioner::/);
    const drata = tokens.find((t: { name: string }) => t.name === "drata");
    expect(drata.inputs.name).toBe("cfct dev drata");
    expect(drata.inputs.condition).toEqual({ requestIp: { ins: ["203.0.113.0/24"] } });
    expect(drata.inputs.policies[1].resources).toBe(
      '{"com.cloudflare.api.account.zone.576e2aa970f9f4e230116c7c1d498a24":"*","com.cloudflare.api.account.zone.621b8b25e1292b078cc50d9c9bdec591":"*"}',
    );
    expect(outputs.drataTokenId).toEqual({ value: "drata-id", secret: false });
    expect(outputs.drataGroups.value).toHaveLength(10);
    expect(outputs.drataGroups.value).toContainEqual({ name: "Zone WAF Read", scope: "com.cloudflare.api.account.zone" });
    expect(outputs.asceraTokens.value).toEqual({
      "417daa9dc1293f3af874e997f8bdce54": "ascera-417daa9d-id",
      fca1dc0809e072ce2cf9eb2831e0e03b: "ascera-fca1dc08-id",
    });
    // The example exports no value; the component keeps it a secret property, not an output (README, Security model).
    expect(JSON.stringify(outputs)).not.toContain("mock-token-value-");
  }, 60_000);

  it("the README installs it from the repository (a tag or this very tarball), never from a registry name nothing publishes yet", () => {
    const readme = fs.readFileSync(path.join(REPO, "README.md"), "utf8");
    const { version } = JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8")) as { version: string };
    const packed = (JSON.parse(fs.readFileSync(path.join(app, "files.json"), "utf8")) as string[]).length > 0;
    expect(packed).toBe(true);
    expect(readme).toContain(`cf-compliance-tokens.git#v${version}`);
    expect(readme).toContain(`npm install /path/to/cf-compliance-tokens-${version}.tgz`);
    expect(fs.readdirSync(app)).toContain(`cf-compliance-tokens-${version}.tgz`);
    expect(readme).not.toMatch(/npm install cf-compliance-tokens(?![\w.-])/);
  });

  it("imports from an ES module too", async () => {
    fs.writeFileSync(
      path.join(app, "esm.mjs"),
      'import { ComplianceToken, plan, verifyWebhookSignature } from "cf-compliance-tokens";\nconsole.log([typeof ComplianceToken, typeof plan, typeof verifyWebhookSignature].join(","));\n',
    );
    const { stdout } = await run(process.execPath, ["esm.mjs"], { cwd: app });
    expect(stdout.trim()).toBe("function,function,function");
  });

  it("refuses two accounts for an account-owned platform, and an unknown zone, naming the argument and the fix", async () => {
    fs.writeFileSync(
      path.join(app, "bad-accounts.js"),
      'const { ComplianceToken } = require("cf-compliance-tokens");\nexports.t = new ComplianceToken("a", { platform: "ascera", accounts: ["417daa9dc1293f3af874e997f8bdce54", "fca1dc0809e072ce2cf9eb2831e0e03b"] }).tokenId;\n',
    );
    expect((await runUnderMocks("./bad-accounts.js")).error).toMatch(
      /ComplianceToken "a".*args\.accounts = .*belong to exactly one account\. Fix: one ComplianceToken per account/s,
    );
    fs.writeFileSync(
      path.join(app, "bad-zone.js"),
      'const { ComplianceToken } = require("cf-compliance-tokens");\nexports.t = new ComplianceToken("d", { platform: "drata", accounts: ["417daa9dc1293f3af874e997f8bdce54"], zones: ["typo-corp.com"] }).tokenId;\n',
    );
    expect((await runUnderMocks("./bad-zone.js")).error).toMatch(/zone "typo-corp\.com"|typo-corp\.com/);
    fs.writeFileSync(
      path.join(app, "bad-ttl.js"),
      'const { ComplianceToken } = require("cf-compliance-tokens");\nexports.t = new ComplianceToken("d", { platform: "drata", accounts: ["417daa9dc1293f3af874e997f8bdce54"], zones: "all", ttlDays: 900 }).tokenId;\n',
    );
    expect((await runUnderMocks("./bad-ttl.js")).error).toMatch(/ComplianceToken "d".*args\.ttlDays = 900/s);
  }, 60_000);
});
