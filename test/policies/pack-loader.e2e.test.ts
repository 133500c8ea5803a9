/**
 * The pack as the Pulumi CLI runs it, without the CLI: its `pulumi-analyzer-policy` plugin starts
 * `node <@pulumi/pulumi>/cmd/run-policy-pack <engine> .` with the pack directory as cwd (resolved
 * from there: policies/node_modules when installed, else the root's). That entry point registers
 * ts-node with policies/tsconfig.json (type-checking), requires index.ts, which constructs the
 * PolicyPack and prints the gRPC port. The test then speaks the Analyzer protocol like the engine.
 *
 * This proves the rules' relative imports of ../src load under Pulumi's loader, and that the
 * enforcement levels reach the engine as declared.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACCOUNT_TOKEN_TYPE, API_TOKEN_TYPE, COMPLIANCE_TOKEN_TYPE } from "../../policies/rules/common";
import { PROJECT_DIR, byName, compliantProdConfig, deploy, edit, urnOf, type FakeResource } from "./fixtures";
import { SCOPES } from "../../src/domain/permission-group";

const POLICIES_DIR = path.join(PROJECT_DIR, "policies");
const fromPack = createRequire(path.join(POLICIES_DIR, "index.ts"));
const RUN_POLICY_PACK = fromPack.resolve("@pulumi/pulumi/cmd/run-policy-pack");
const fromSdk = createRequire(fromPack.resolve("@pulumi/pulumi/package.json"));
const grpc: any = fromSdk("@grpc/grpc-js");
const rpc: any = fromSdk("./proto/analyzer_grpc_pb");
const pb: any = fromSdk("./proto/analyzer_pb");
const { Struct }: any = fromSdk("google-protobuf/google/protobuf/struct_pb");
const { Empty }: any = fromSdk("google-protobuf/google/protobuf/empty_pb");

/** The engine's wire sentinel for a value not known until the resource exists. */
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const LEVEL = ["advisory", "mandatory", "disabled", "remediate"];

let pack: ChildProcess | undefined;
let client: any;
let stderr = "";
let prod: FakeResource[];

function startPack(): Promise<number> {
  return new Promise((resolve, reject) => {
    // The engine address is only passed through; nothing in the analyzer dials it.
    const child = spawn(process.execPath, [RUN_POLICY_PACK, "127.0.0.1:1", "."], { cwd: POLICIES_DIR, stdio: ["ignore", "pipe", "pipe"] });
    pack = child;
    let stdout = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      const port = /^(\d+)\s*$/m.exec(stdout)?.[1];
      if (port) resolve(Number(port));
    });
    child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("exit", (code) => reject(new Error(`policy pack exited with ${code} before serving:\n${stdout}\n${stderr}`)));
  });
}

const call = <T>(method: string, request: unknown): Promise<T> =>
  new Promise((resolve, reject) =>
    client[method](request, (error: Error | null, response: T) => (error ? reject(error) : resolve(response))),
  );

function options(parent?: string) {
  const opts = new pb.AnalyzerResourceOptions();
  if (parent) opts.setParent(parent);
  return opts;
}

interface Diagnostic {
  policy: string;
  level: string;
  message: string;
}

function diagnostics(response: any): Diagnostic[] {
  return response
    .getDiagnosticsList()
    .map((d: any) => ({ policy: d.getPolicyname(), level: LEVEL[d.getEnforcementlevel()]!, message: d.getMessage() }));
}

async function analyze(resource: FakeResource, props: Record<string, unknown> = resource.inputs): Promise<Diagnostic[]> {
  const request = new pb.AnalyzeRequest();
  request.setType(resource.type);
  request.setUrn(resource.urn);
  request.setName(resource.name);
  request.setProperties(Struct.fromJavaScript(JSON.parse(JSON.stringify(props))));
  request.setOptions(options(resource.parent));
  return diagnostics(await call("analyze", request));
}

async function analyzeStack(resources: FakeResource[]): Promise<Diagnostic[]> {
  const request = new pb.AnalyzeStackRequest();
  request.setResourcesList(
    resources.map((r) => {
      const resource = new pb.AnalyzerResource();
      resource.setType(r.type);
      resource.setUrn(r.urn);
      resource.setName(r.name);
      resource.setProperties(Struct.fromJavaScript(JSON.parse(JSON.stringify(r.outputs))));
      resource.setOptions(options(r.parent));
      if (r.parent) resource.setParent(r.parent);
      return resource;
    }),
  );
  return diagnostics(await call("analyzeStack", request));
}

beforeAll(async () => {
  prod = await deploy("prod", compliantProdConfig());
  const port = await startPack();
  client = new rpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
}, 120_000);

afterAll(() => {
  client?.close();
  pack?.removeAllListeners("exit");
  pack?.kill();
});

describe("the pack under Pulumi's policy-pack loader (run-policy-pack + ts-node, gRPC)", () => {
  it("serves every rule with its enforcement level, at the package.json version", async () => {
    const info: any = await call("getAnalyzerInfo", new Empty());
    expect(info.getName()).toBe("cf-compliance-tokens");
    expect(info.getVersion()).toBe("0.1.0");
    expect(info.getPoliciesList().map((p: any) => `${p.getName()}:${LEVEL[p.getEnforcementlevel()]}`)).toEqual([
      "read-only:mandatory",
      "scoped-resources:mandatory",
      "expiry:mandatory",
      "not-expired:mandatory",
      "no-hand-rolled-tokens:mandatory",
      "ip-filter:advisory",
      "ip-filter-required:mandatory",
      "read-all-profile:advisory",
      "registration-hosts:advisory",
      "registration-hosts-required:mandatory",
    ]);
    expect(stderr).not.toMatch(/TSError|Cannot find module/);
  });

  it("passes the compliant prod stack, resource by resource and as a stack", async () => {
    for (const resource of prod) expect(await analyze(resource), resource.urn).toEqual([]);
    expect(await analyzeStack(prod)).toEqual([]);
  });

  it("blocks a Write group on a ComplianceToken with a mandatory diagnostic", async () => {
    const bad = edit(byName(prod, COMPLIANCE_TOKEN_TYPE, "drata-prod-g1"), (inputs) =>
      inputs.policies[1].permissionGroups.push({ name: "DNS Write", scope: SCOPES.zone }),
    );
    expect(await analyze(bad)).toEqual([
      {
        policy: "read-only",
        level: "mandatory",
        message: expect.stringContaining(
          'ComplianceToken "drata-prod-g1": permission group "DNS Write" (com.cloudflare.api.account.zone) is not a Read group',
        ),
      },
    ]);
  });

  it("blocks a hand-rolled token in the stack analysis", async () => {
    const inputs = { name: "by hand", policies: [], expiresOn: new Date(Date.now() + 10 * 86_400_000).toISOString() };
    const token: FakeResource = {
      type: API_TOKEN_TYPE,
      name: "by-hand",
      urn: urnOf("prod", API_TOKEN_TYPE, "by-hand"),
      custom: true,
      inputs,
      outputs: inputs,
    };
    expect(await analyzeStack([...prod, token])).toEqual([
      {
        policy: "no-hand-rolled-tokens",
        level: "mandatory",
        message: expect.stringContaining('cloudflare.ApiToken "by-hand" is not created by a ComplianceToken'),
      },
    ]);
  });

  it("applies pack config sent by the CLI (--policy-pack-config)", async () => {
    const configure = new pb.ConfigureAnalyzerRequest();
    const expiryConfig = new pb.PolicyConfig();
    expiryConfig.setEnforcementlevel(pb.EnforcementLevel.MANDATORY);
    expiryConfig.setProperties(Struct.fromJavaScript({ maxTtlDaysByStack: { prod: 7 } }));
    configure.getPolicyconfigMap().set("expiry", expiryConfig);
    await call("configure", configure);
    try {
      const [diagnostic, ...rest] = await analyze(byName(prod, ACCOUNT_TOKEN_TYPE, "ascera-prod-417daa9d-g1"));
      expect(rest).toEqual([]);
      expect(diagnostic).toMatchObject({
        policy: "expiry",
        level: "mandatory",
        message: expect.stringContaining('more than maxTtlDays 7 for stack "prod"'),
      });
    } finally {
      await call("configure", new pb.ConfigureAnalyzerRequest());
    }
  });

  it("degrades to an advisory when a value a mandatory rule reads is unknown at preview (why token inputs must be known)", async () => {
    const token = byName(prod, ACCOUNT_TOKEN_TYPE, "ascera-prod-417daa9d-g1");
    const [diagnostic, ...rest] = await analyze(token, { ...token.inputs, expiresOn: UNKNOWN });
    expect(rest).toEqual([]);
    expect(diagnostic).toMatchObject({
      policy: "expiry",
      level: "advisory",
      message: expect.stringMatching(/can't run policy 'expiry' .* during preview/),
    });
  });
});
