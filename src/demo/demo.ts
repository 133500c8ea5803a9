import { randomBytes } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { runUp, type RunSummary } from "../automation/pipeline";
import { recordRun } from "../automation/record-run";
import { runRotate, type RotateSummary } from "../automation/rotate";
import type { CloudflareClient, CloudflareClientFactory } from "../cloudflare/client";
import { renderPeriodHtml } from "../evidence/html/period-report";
import { reportOfFolder } from "../evidence/period-report";
import type { EvidenceClock } from "../evidence/record";
import { readProjectConfig, stackFilePath } from "../config/stack-file";
import { SCOPES } from "../domain/permission-group";
import { accountKey } from "../domain/resource-keys";
import { PLATFORMS, type PlatformDefinition } from "../platforms";
import { startSandbox, type RunningSandbox } from "../sandbox";
import { advanceClock, type SandboxControl } from "../sandbox/control-client";
import type { VerifyReport } from "../verify";
import { startWebhookReceiver, type WebhookReceiver } from "./webhook-receiver";
import { startDatadogStandIn } from "./datadog-standin";
import { type Pipeline } from "../automation/pipeline";

export interface DemoOptions {
  readonly projectDir: string;
  readonly evidenceDir: string;
  /** The demo's rehearsal state and hand-off sheets; emptied first (default <project>/.cfct/demo, git-ignored). */
  readonly workDir?: string;
  readonly print: (line: string) => void;
  /** The composition root's wiring for the demo's stack on the rehearsal engine (src/cli/commands/demo.ts). */
  readonly rehearsalPipeline: (options: RehearsalPipelineOptions) => Pipeline;
  /** Clients at the demo's sandbox, once it runs: the platform's side and the hand-made token (src/cli/clients.ts). */
  readonly clientsAt: (apiBase: string) => CloudflareClientFactory;
  /** The composition root's `cfct verify --platform` (src/cli/verify-flags.ts): how a hand-made token is diagnosed. */
  readonly verifyByPlatform: (
    selection: { readonly platform: PlatformDefinition; readonly accounts: readonly string[] },
    credentials: { readonly token: string; readonly provisionerToken: string },
    options: { readonly stack: string; readonly clients: { readonly apiBase: string } },
  ) => Promise<VerifyReport>;
}

export interface RehearsalPipelineOptions {
  readonly stack: string;
  readonly apiBase: string;
  readonly sandboxControl: SandboxControl;
  readonly provisionerToken: string;
  readonly sandboxStateDir: string;
  readonly progress: (line: string) => void;
  readonly env: NodeJS.ProcessEnv;
}

export interface DemoResult {
  readonly ok: boolean;
  readonly evidence: readonly string[];
  /** The HTML evidence report of this demo's runs (evidence/dev/report.html). */
  readonly report: string;
  readonly seconds: number;
}

const STACK = "dev";
const WEBHOOK_SECRET_ENV = "CFCT_DEMO_WEBHOOK_SECRET";
const DATADOG_API_KEY_ENV = "CFCT_DEMO_DD_API_KEY";
const DATADOG_APP_KEY_ENV = "CFCT_DEMO_DD_APP_KEY";

/**
 * The whole job on one machine, with no Pulumi CLI and no credentials: an in-process Cloudflare API
 * sandbox, the dev stack through the rehearsal engine, verification, registration (a hand-off sheet
 * for Drata, a signed webhook to a local receiver for ASCERA, Datadog's API — a local stand-in — for
 * Datadog), one rotation of each kind, a broken token diagnosed, and evidence written for every step.
 */
export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const started = Date.now();
  const { print } = options;
  const work = options.workDir ?? path.join(options.projectDir, ".cfct", "demo");
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true, mode: 0o700 });
  const secret = randomBytes(24).toString("hex");
  const sandbox = await startSandbox({ port: 0 });
  const receiver = await startWebhookReceiver(secret);
  const datadogKeys = { apiKey: randomBytes(16).toString("hex"), appKey: randomBytes(20).toString("hex") };
  // Like Datadog, the stand-in checks every key it is given against Cloudflare (the sandbox), and its collection uses it.
  const datadog = await startDatadogStandIn({ ...datadogKeys, cloudflareApiBase: sandbox.baseUrl });
  const evidence: string[] = [];
  let shownLabel: string | undefined;
  try {
    print(
      `1. Started the Cloudflare API sandbox at ${sandbox.baseUrl}, a webhook receiver at ${receiver.url} and a stand-in Datadog API at ${datadog.url}.`,
    );
    const pipeline = options.rehearsalPipeline({
      stack: STACK,
      apiBase: sandbox.baseUrl,
      sandboxControl: sandbox.control,
      provisionerToken: sandbox.provisionerToken,
      sandboxStateDir: path.join(work, "state"),
      // Every run announces its engine; the story says it once.
      progress: (line) => {
        if (line !== shownLabel) print(`   ${line}`);
        shownLabel ??= line.startsWith("engine: ") ? line : undefined;
      },
      // The demo's state is thrown away with its work directory: a passphrase held in memory seals it.
      env: {
        ...process.env,
        [WEBHOOK_SECRET_ENV]: secret,
        [DATADOG_API_KEY_ENV]: datadogKeys.apiKey,
        [DATADOG_APP_KEY_ENV]: datadogKeys.appKey,
        CFCT_REHEARSAL_HANDOFF_DIR: path.join(work, "handoff"),
        CFCT_REHEARSAL_PASSPHRASE: randomBytes(24).toString("hex"),
      },
    });
    await routeRegistrations(pipeline, options.projectDir, {
      ascera: { kind: "webhook", url: receiver.url, secretEnv: WEBHOOK_SECRET_ENV },
      datadog: { kind: "datadog", site: datadog.url, apiKeyEnv: DATADOG_API_KEY_ENV, appKeyEnv: DATADOG_APP_KEY_ENV },
    });
    const record = async <T extends RunSummary & Partial<RotateSummary>>(command: "up" | "rotate", work: () => Promise<T>): Promise<T> => {
      const { summary, evidence: written } = await recordRun(
        pipeline,
        { evidenceDir: options.evidenceDir, projectDir: options.projectDir, stack: STACK, command },
        work,
      );
      evidence.push(written.markdown);
      return summary;
    };

    print("2. cfct up --stack dev: deploy, verify, register.");
    const up = await record("up", () => runUp(pipeline.context));
    for (const token of up.tokens)
      print(
        `   ${token.name}: ${token.registration?.status ?? "not registered"}${token.registration?.location ? ` -> ${token.registration.location}` : ""}`,
      );

    print("3. cfct up again: nothing to do.");
    const again = await record("up", () => runUp(pipeline.context));
    print(`   ${again.tokens.filter((t) => t.change === "same").length} of ${again.tokens.length} tokens unchanged, none re-registered.`);

    const asceraKey = up.tokens.find((t) => t.platform === "ascera")!.key;
    print(
      `4. Rotate ${asceraKey} (webhook): the successor is created, verified and delivered; the old token stays until ASCERA uses the new one.`,
    );
    const rotateOptions = { ifDueWithinDays: 14, graceHours: 24, force: true, pickupCheckFor: pipeline.pickupCheckFor };
    await record("rotate", () => runRotate(pipeline.context, { ...rotateOptions, keys: [asceraKey] }));
    await advanceClock(sandbox.control, 3600);
    const clientFor = options.clientsAt(sandbox.baseUrl);
    await simulateAsceraSync(clientFor, receiver, asceraKey, up.tokens.find((t) => t.key === asceraKey)!.owner);
    print("   An hour later ASCERA synchronises with the token the receiver got; the next rotate run sees it in use.");
    const asceraDone = await record("rotate", () => runRotate(pipeline.context, { ...rotateOptions, force: false, keys: [asceraKey] }));

    const datadogKey = up.tokens.find((t) => t.platform === "datadog")!.key;
    print(
      `5. Rotate ${datadogKey} (Datadog's API): the successor replaces the key of the same Datadog account; the old token stays until Datadog collects with the new one.`,
    );
    await record("rotate", () => runRotate(pipeline.context, { ...rotateOptions, keys: [datadogKey] }));
    await advanceClock(sandbox.control, 3600);
    await datadog.poll();
    print("   Datadog's next collection runs with the key it now holds; the next rotate run sees the new token in use.");
    const datadogDone = await record("rotate", () => runRotate(pipeline.context, { ...rotateOptions, force: false, keys: [datadogKey] }));

    print("6. Rotate drata (hand-off sheet): nobody reports the paste, so the old token lives out the 24h grace window.");
    await record("rotate", () => runRotate(pipeline.context, { ...rotateOptions, keys: ["drata"] }));
    await advanceClock(sandbox.control, 25 * 3600);
    const drataDone = await record("rotate", () => runRotate(pipeline.context, { ...rotateOptions, force: false, keys: ["drata"] }));

    print("7. A broken token, diagnosed: an ASCERA token someone made by hand with one group.");
    const diagnosis = await diagnoseBrokenToken(sandbox, clientFor(sandbox.provisionerToken), options.verifyByPlatform);
    for (const line of diagnosis) print(`   ${line}`);

    const rotated = [...(asceraDone.events ?? []), ...(datadogDone.events ?? []), ...(drataDone.events ?? [])].filter(
      (e) => e.event === "old-revoked",
    ).length;
    const report = writeReport(options.evidenceDir, await pipeline.clock());
    const ok = up.ok && again.ok && asceraDone.ok && datadogDone.ok && drataDone.ok && rotated === 3 && report.gaps === 0;
    const seconds = (Date.now() - started) / 1000;
    print("");
    print(
      `Story: ${up.tokens.length} tokens deployed and verified; Drata's handed off on a 0600 sheet, ASCERA's delivered by signed webhook (${receiver.deliveries.length} deliveries, ${receiver.refused()} refused), Datadog's registered through Datadog's API (${datadog.requests.length} calls to the stand-in).`,
    );
    print(
      `       ${rotated} rotations finished with ${report.gaps === 0 ? "no gap" : `${report.gaps} gap(s)`}: two picked up by use (ASCERA's sync, Datadog's collection), one after its grace window. A hand-made token was caught missing groups.`,
    );
    print(`Evidence (${evidence.length} runs, JSON + Markdown): ${path.dirname(evidence[0] ?? options.evidenceDir)}`);
    print(`Report: ${report.file} (open it in a browser: the timeline of every token generation, the controls, the integrity check)`);
    print(`Hand-off sheets and rehearsal state: ${work} (the sandbox's tokens died with it)`);
    print(`Done in ${seconds.toFixed(1)}s.`);
    return { ok, evidence, report: report.file, seconds };
  } finally {
    await datadog.close();
    await receiver.close();
    await sandbox.close();
  }
}

/**
 * The HTML evidence report of this demo: the records on its sandbox's clock (an earlier demo's
 * sandbox kept another clock, so its records are left out, and the report says so).
 */
function writeReport(evidenceDir: string, clock: EvidenceClock): { file: string; gaps: number } {
  const folder = path.join(evidenceDir, STACK);
  const relative = path.relative(process.cwd(), folder);
  const shown = relative && !relative.startsWith("..") ? relative : folder;
  const { report } = reportOfFolder(STACK, folder, shown, { clock, now: new Date() });
  const file = path.join(folder, "report.html");
  writeFileSync(file, renderPeriodHtml(report));
  return { file, gaps: report.timelines.reduce((sum, timeline) => sum + timeline.gaps.length, 0) };
}

/** `pulumi config set` on the rehearsal stack: each platform's registration goes to its local stand-in. */
async function routeRegistrations(
  pipeline: Pipeline,
  projectDir: string,
  byPlatform: Record<string, Record<string, unknown>>,
): Promise<void> {
  const connections = (readProjectConfig(stackFilePath(projectDir, STACK)).connections as Record<string, unknown>[]).map((connection) => {
    const registration = byPlatform[String(connection.platform)];
    return registration ? { ...connection, registration } : connection;
  });
  await pipeline.context.engine.setConfig("connections", connections);
}

/** The platform's side: read Zero Trust users with whatever token the secret-store bridge holds now. */
async function simulateAsceraSync(
  clientFor: CloudflareClientFactory,
  receiver: WebhookReceiver,
  tokenKey: string,
  owner: { kind: string; accountId?: string },
) {
  const value = receiver.latestValue(tokenKey);
  if (!value || owner.kind !== "account") throw new Error(`the receiver holds no token for ${tokenKey}`);
  await clientFor(value).get(`/accounts/${owner.accountId}/access/users`);
}

/** Creates an under-privileged ASCERA token by hand, verifies it, and returns the failing checks' lines. */
async function diagnoseBrokenToken(
  sandbox: RunningSandbox,
  provisioner: CloudflareClient,
  verifyByPlatform: DemoOptions["verifyByPlatform"],
): Promise<string[]> {
  const accountId = "417daa9dc1293f3af874e997f8bdce54";
  const owner = { kind: "account", accountId } as const;
  const groups = await provisioner.permissionGroups(owner);
  const settingsRead = groups.find((g) => g.name === "Account Settings Read" && g.scopes.includes(SCOPES.account))!;
  const created = await provisioner.createToken(owner, {
    name: "ascera (made by hand)",
    policies: [{ effect: "allow", permission_groups: [{ id: settingsRead.id }], resources: { [accountKey(accountId)]: "*" } }],
  });
  try {
    const report = await verifyByPlatform(
      { platform: PLATFORMS.ascera!, accounts: [accountId] },
      { token: created.value!, provisionerToken: sandbox.provisionerToken },
      { stack: STACK, clients: { apiBase: sandbox.baseUrl } },
    );
    return report.checks.filter((c) => c.status === "fail").map((c) => `FAIL ${c.id}: ${c.detail}${c.remedy ? ` -> ${c.remedy}` : ""}`);
  } finally {
    await provisioner.deleteToken(owner, created.id!);
  }
}
