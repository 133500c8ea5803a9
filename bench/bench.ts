/**
 * `npm run bench`: every case against the sandbox, ours next to a naive baseline (bench/naive.ts)
 * and the lower bound, written to bench/results/latest.json and latest.md (the README's
 * Performance section is that table). A script that prints figures; tests never time anything.
 *
 * Rate-limit waits are simulated honestly: the sandbox enforces the budget on its own clock, and
 * whoever waits (our pacer, the naive loop) moves that clock forward instead of sleeping. A fleet's
 * wall time is therefore real run time + the waits skipped on the sandbox's clock.
 *
 *   npm run bench                 (all cases; about 10 minutes on a busy 2-core machine)
 *   npm run bench -- --quick      (small sizes only, for a smoke run)
 */
import { mkdirSync, mkdtempSync, copyFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { stringify } from "yaml";
import { buildPipeline } from "../src/cli/build-pipeline";
import { runUp } from "../src/automation/pipeline";
import { runRotate } from "../src/automation/rotate";
import { PROVISIONER_USER } from "../src/cloudflare/pacing";
import { parseSettings } from "../src/config/schema";
import { plan } from "../src/plan/plan";
import { PLATFORMS } from "../src/platforms";
import { defaultFixture, startSandbox, type RateLimitSettings, type RunningSandbox } from "../src/sandbox";
import { advanceClock, sandboxPacingClock } from "../src/sandbox/control-client";
import { verifyToken } from "../src/verify";
import { issueToken, specFromPlan } from "../test/verify/helpers";
import { naiveFleet, naiveVerifyCalls, verifyLowerBound, type NaiveFleetResult } from "./naive";
import { type Pipeline } from "../src/automation/pipeline";

interface Row {
  readonly case: string;
  readonly size: string;
  readonly ours: number | null;
  readonly naive: number | null;
  readonly lowerBound: number | null;
  readonly unit: string;
}

const QUICK = process.argv.includes("--quick");
const PLAN_ZONES = QUICK ? [10, 1000] : [10, 1000, 10_000];
const VERIFY_ZONES = QUICK ? [10, 1000] : [10, 1000, 10_000];
const FLEET_ACCOUNTS = QUICK ? [50] : [50, 150, 400];
const LIMITS: readonly [string, RateLimitSettings][] = [
  ["1200/300", { requests: 1200, windowSeconds: 300 }],
  ["300/30", { requests: 300, windowSeconds: 30 }],
];
const ACCOUNTS = ["417daa9dc1293f3af874e997f8bdce54", "fca1dc0809e072ce2cf9eb2831e0e03b"];
const DRATA = PLATFORMS.drata!;
const DRATA_GROUPS = DRATA.profiles[DRATA.defaultProfile]!.groups;
const ASCERA_GROUPS = PLATFORMS.ascera!.profiles[PLATFORMS.ascera!.defaultProfile]!.groups;

const rows: Row[] = [];
const row = (r: Row) => {
  rows.push(r);
  console.log(`${r.case} [${r.size}]: ours ${r.ours ?? "–"}, naive ${r.naive ?? "–"}, lower bound ${r.lowerBound ?? "–"} ${r.unit}`);
};
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

/** `cfct plan`'s work in process (stack config parsed, then planned): the median of 5 runs. */
function planCase(): void {
  for (const zones of PLAN_ZONES) {
    const names = Array.from({ length: zones }, (_, i) => `zone-${String(i + 1).padStart(5, "0")}.example.com`);
    const raw = {
      connections: [
        { platform: "drata", accounts: [ACCOUNTS[0]], zones: names },
        { platform: "ascera", accounts: ACCOUNTS },
      ],
    };
    const times = Array.from({ length: 5 }, () => {
      const started = performance.now();
      plan(parseSettings(raw, { stack: "bench", source: "bench" }), PLATFORMS, new Date());
      return performance.now() - started;
    }).sort((a, b) => a - b);
    row({
      case: "cfct plan (parse + plan, in process)",
      size: `${zones} zones`,
      ours: round(times[2]!),
      naive: null,
      lowerBound: null,
      unit: "ms",
    });
  }
}

/** Verify calls of a Drata token (10 groups, 2 accounts) with zones: all, every zone by ID, and two zones by name. */
async function verifyCase(): Promise<void> {
  for (const zones of VERIFY_ZONES) {
    const sandbox = await startSandbox({ fixture: { ...defaultFixture(), zones: [] }, zones });
    try {
      const ids = sandbox.fixture.zones.map((z) => z.id);
      const scoped = sandbox.fixture.zones.slice(0, 2).map((z) => z.name);
      const shapes = [
        { label: "zones: all", chosen: "all" as const, covered: zones, zonesBy: "all" as const },
        { label: "zones by ID", chosen: ids, covered: zones, zonesBy: "id" as const },
        { label: "zone-scoped (2 zones by name)", chosen: scoped, covered: 2, zonesBy: "name" as const },
      ];
      for (const shape of shapes) {
        const [tokenPlan] = plan(
          parseSettings(
            { connections: [{ platform: "drata", accounts: ACCOUNTS, zones: shape.chosen }] },
            { stack: "bench", source: "bench" },
          ),
        );
        const { value } = await issueToken(sandbox, specFromPlan(sandbox, tokenPlan!));
        const report = await verifyToken({
          platform: DRATA,
          plan: tokenPlan!,
          accounts: tokenPlan!.scope.accounts,
          token: value,
          provisionerToken: sandbox.provisionerToken,
          apiBase: sandbox.baseUrl,
          stack: "bench",
        });
        if (!report.ok)
          throw new Error(
            `verify ${shape.label} at ${zones} zones failed: ${JSON.stringify(report.checks.filter((c) => c.status === "fail"))}`,
          );
        const naiveShape = { groups: DRATA_GROUPS, accounts: ACCOUNTS.length, zones: shape.covered, zonesBy: shape.zonesBy };
        row({
          case: `verify calls, Drata token, ${shape.label}`,
          size: `${zones} zones`,
          ours: report.apiCalls,
          naive: naiveVerifyCalls(naiveShape),
          lowerBound: verifyLowerBound(naiveShape),
          unit: "requests",
        });
      }
    } finally {
      await sandbox.close();
    }
  }
}

function fleetProject(accounts: readonly string[]): { dir: string; stack: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), "cfct-bench-"));
  copyFileSync(path.resolve("Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
  mkdirSync(path.join(dir, "stacks"));
  writeFileSync(
    path.join(dir, "stacks", "Pulumi.fleet.yaml"),
    stringify({ config: { "cf-compliance-tokens:connections": [{ platform: "ascera", accounts }] } }),
  );
  return { dir, stack: "fleet" };
}

interface FleetFigures {
  readonly requests: number;
  readonly provisionerRequests: number;
  readonly refused: number;
  readonly windows: number;
  readonly wallSeconds: number;
}

async function stats(sandbox: RunningSandbox): Promise<{ total: number; refusedByPrincipal: Record<string, number> }> {
  return (await (await fetch(`${sandbox.controlUrl}/stats`)).json()) as { total: number; refusedByPrincipal: Record<string, number> };
}

/** One command of ours (a fresh process's worth: its own budgets) with figures from the sandbox and the pacer. */
async function oursCommand(
  sandbox: RunningSandbox,
  project: { dir: string; stack: string },
  run: (pipeline: Pipeline) => Promise<{ ok: boolean; problems: string[] }>,
): Promise<FleetFigures> {
  await fetch(`${sandbox.controlUrl}/stats/reset`, { method: "POST" });
  const clock = sandboxPacingClock(sandbox.controlUrl);
  const pipeline = buildPipeline({
    projectDir: project.dir,
    stack: project.stack,
    engine: "sandbox",
    apiBase: sandbox.baseUrl,
    controlUrl: sandbox.controlUrl,
    provisionerToken: sandbox.provisionerToken,
    sandboxStateDir: path.join(project.dir, "state"),
    progress: () => undefined,
    // Rehearsal sheets and the sealing key stay in the bench's own directory, never the user's home.
    env: { CFCT_REHEARSAL_HANDOFF_DIR: path.join(project.dir, "handoff"), CFCT_REHEARSAL_KEY_DIR: path.join(project.dir, "keys") },
    pacingClock: clock,
  });
  const started = performance.now();
  const summary = await run(pipeline);
  const wallSeconds = (performance.now() - started) / 1000 + clock.skippedSeconds();
  if (!summary.ok) throw new Error(`fleet run failed: ${summary.problems.slice(0, 3).join("; ")}`);
  const seen = await stats(sandbox);
  const provisioner = pipeline.budgets.for(PROVISIONER_USER).status();
  return {
    requests: seen.total,
    provisionerRequests: provisioner.sent,
    refused: Object.values(seen.refusedByPrincipal).reduce((a, b) => a + b, 0),
    windows: provisioner.windows,
    wallSeconds,
  };
}

async function naiveCommand(
  sandbox: RunningSandbox,
  replacing?: ReadonlyMap<string, string>,
): Promise<{ figures: FleetFigures; tokens: Map<string, string> }> {
  const started = performance.now();
  const { result, tokens } = await naiveFleet(sandbox, replacing);
  return { figures: naiveFigures(result, (performance.now() - started) / 1000), tokens };
}

function naiveFigures(result: NaiveFleetResult, realSeconds: number): FleetFigures {
  return {
    requests: result.requests,
    provisionerRequests: result.provisionerRequests,
    refused: result.refused,
    windows: result.windows,
    wallSeconds: realSeconds + result.waitedSeconds,
  };
}

/** The issue's lower bound: one create + every group once per token; the provisioner's creates set the wall time. */
function fleetLowerBound(tokens: number, limit: RateLimitSettings): FleetFigures {
  const windows = Math.max(1, Math.ceil(tokens / limit.requests));
  return {
    requests: tokens * (1 + ASCERA_GROUPS.length),
    provisionerRequests: tokens,
    refused: 0,
    windows,
    wallSeconds: (windows - 1) * limit.windowSeconds,
  };
}

function fleetRows(command: string, size: string, ours: FleetFigures, naive: FleetFigures, lower: FleetFigures): void {
  row({ case: `${command}: requests`, size, ours: ours.requests, naive: naive.requests, lowerBound: lower.requests, unit: "requests" });
  row({
    case: `${command}: provisioner's requests`,
    size,
    ours: ours.provisionerRequests,
    naive: naive.provisionerRequests,
    lowerBound: lower.provisionerRequests,
    unit: "requests",
  });
  row({ case: `${command}: refused (429)`, size, ours: ours.refused, naive: naive.refused, lowerBound: 0, unit: "requests" });
  row({ case: `${command}: windows used`, size, ours: ours.windows, naive: naive.windows, lowerBound: lower.windows, unit: "windows" });
  row({
    case: `${command}: wall time (simulated)`,
    size,
    ours: round(ours.wallSeconds),
    naive: round(naive.wallSeconds),
    lowerBound: round(lower.wallSeconds),
    unit: "s",
  });
}

/** Fleet `cfct up` then `cfct rotate --force`, ours in one sandbox and the naive loop in another. */
async function fleetCase(): Promise<void> {
  for (const [limitText, limit] of LIMITS) {
    for (const accounts of FLEET_ACCOUNTS) {
      const size = `${accounts} accounts, ${limitText}`;
      const ours = await startSandbox({ accounts, zones: accounts * 10, rateLimit: limit });
      const naive = await startSandbox({ accounts, zones: accounts * 10, rateLimit: limit });
      try {
        const tokens = ours.fixture.accounts.length;
        const project = fleetProject(ours.fixture.accounts.map((a) => a.id));
        const up = await oursCommand(ours, project, (pipeline) => runUp(pipeline.context));
        const naiveUp = await naiveCommand(naive);
        fleetRows("fleet cfct up", size, up, naiveUp.figures, fleetLowerBound(tokens, limit));

        // Rotation under Cloudflare's real limit only, to keep the bench under ten minutes.
        if (limit !== LIMITS[0]![1]) continue;
        // It runs later (it is scheduled), after the up's window has passed.
        for (const sandbox of [ours, naive]) await advanceClock(sandbox.controlUrl, limit.windowSeconds);
        const rotate = await oursCommand(ours, project, (pipeline) =>
          runRotate(pipeline.context, { ifDueWithinDays: 14, force: true, graceHours: 0, pickupCheckFor: pipeline.pickupCheckFor }),
        );
        const naiveRotate = await naiveCommand(naive, naiveUp.tokens);
        fleetRows("fleet cfct rotate --force", size, rotate, naiveRotate.figures, fleetLowerBound(tokens, limit));
      } finally {
        await ours.close();
        await naive.close();
      }
    }
  }
}

function markdown(machine: Record<string, unknown>): string {
  const cell = (n: number | null) => (n === null ? "–" : String(n));
  const lines = [
    "| case | size | ours | naive | lower bound | unit |",
    "|---|---|---:|---:|---:|---|",
    ...rows.map((r) => `| ${r.case} | ${r.size} | ${cell(r.ours)} | ${cell(r.naive)} | ${cell(r.lowerBound)} | ${r.unit} |`),
  ];
  return [
    `Measured ${machine.date} on ${machine.cpus} × ${machine.cpuModel}, node ${machine.node}, load average ${machine.loadAverage} at the start${QUICK ? " (--quick: small sizes only)" : ""}.`,
    "",
    ...lines,
    "",
    "- **naive**: verify resolves each zone name with its own request and probes each group on each zone (counted by formula); a fleet is one token at a time with no pacing, waiting out each 429's retry-after (really run). The naive fleet checks less than ours (no endpoint check, coverage or use baseline for rotation, no pickup check), so it sends fewer requests.",
    "- **lower bound**: verify = groups + ⌈zones/50⌉; a fleet = one create + every group once per token, and the provisioner's creates ÷ budget for the windows and the wall time. With `zones: all`, ours is below that bound: it compares the token's and the provisioner's `total_count` (one page each per account) instead of listing the zones.",
    "- **wall time (simulated)**: real run time plus the rate-limit waits, which move the sandbox's clock instead of sleeping; the sandbox enforces the budget on that clock (`rateLimitRefusal: window-from-excess`, refused for a whole window from the excess).",
    "- Fleets are ASCERA, one account-owned token per account (the fixture's 2 accounts + the generated ones), 10 zones per account. Rotation (`--force`, grace 0 h) runs one window after the up, under 1200/300 only.",
    "",
  ].join("\n");
}

async function main(): Promise<void> {
  const machine = {
    date: new Date().toISOString(),
    node: process.version,
    platform: `${process.platform}/${process.arch}`,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? "unknown",
    loadAverage: os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(" "),
    quick: QUICK,
  };
  const started = performance.now();
  planCase();
  await verifyCase();
  await fleetCase();
  const dir = path.resolve("bench", "results");
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, "latest.json"), `${JSON.stringify({ machine, rows }, null, 2)}\n`);
  writeFileSync(path.join(dir, "latest.md"), markdown(machine));
  console.log(`\nwrote bench/results/latest.json and latest.md in ${round((performance.now() - started) / 1000)} s`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
