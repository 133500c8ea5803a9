/**
 * What `cfct verify` costs at scale, measured against the sandbox (default behaviour: a token
 * scoped to specific zones cannot list zones): a Drata token (10 permission groups, 2 accounts) in
 * estates of 10, 1 000 and 10 000 zones, next to the naive approach that probes every group on
 * every zone.
 *
 *   npx ts-node --transpile-only bench/verify-calls.ts [zones …]
 */
import { DRATA_GROUPS, expectedCalls, measure, sandboxWithZones, type Measurement, type Scenario } from "../test/helpers/cost-scenarios";

const SCENARIOS: readonly [Scenario, string][] = [
  ["all-zones", "zones: all, token has all zones (healthy)"],
  ["two-zones-by-name", "zone-scoped: 2 zones chosen by name (healthy)"],
  ["explicit-every-zone", "zone-scoped: every zone chosen by ID (healthy)"],
  ["all-zones-where-two-chosen", '2 zones chosen, token has "All zones" (fails)'],
];

async function main(): Promise<void> {
  const sizes = process.argv
    .slice(2)
    .map(Number)
    .filter((n) => n > 0);
  const rows: (Measurement & { label: string; seconds: number })[] = [];
  for (const zones of sizes.length ? sizes : [10, 1000, 10000]) {
    const sb = await sandboxWithZones(zones);
    try {
      for (const [scenario, label] of SCENARIOS) {
        const started = Date.now();
        const m = await measure(sb, scenario);
        if (m.apiCalls !== expectedCalls(scenario, zones))
          throw new Error(`${scenario} at ${zones} zones: ${m.apiCalls} calls, expected ${expectedCalls(scenario, zones)}`);
        rows.push({ ...m, label, seconds: (Date.now() - started) / 1000 });
      }
    } finally {
      await sb.close();
    }
  }
  const header = ["zones", "scenario", "verify calls", "GET /zones", "naive zones × groups", "ratio", "seconds"];
  const lines = rows.map((r) => [
    String(r.zones),
    r.label,
    String(r.apiCalls),
    String(r.zonePages),
    String(r.zones * DRATA_GROUPS),
    `1:${Math.round((r.zones * DRATA_GROUPS) / r.apiCalls)}`,
    r.seconds.toFixed(2),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const format = (cells: string[]) => cells.map((c, i) => (i === 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  console.log(format(header));
  for (const line of lines) console.log(format(line));
  console.log(
    `\nverify calls = 17 fixed (endpoint 1, verify 1, exactness 2, probes 13: 3 account groups × 2 accounts, 5 zone groups, 2 user groups) + naming the chosen zones:` +
      ` one call each when there are no more than accounts, else the provisioner's pages of 50 per account. A zone-scoped token cannot list zones, so it never pages;` +
      ` its 5 zone groups run on a sample of up to 5 chosen zones. "all" compares total_count (page 1 per account, token and provisioner).`,
  );
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
