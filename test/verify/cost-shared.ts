import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningSandbox } from "../../src/sandbox";
import { DRATA_GROUPS, expectedCalls, measure, pagesFor, sandboxWithZones, type Scenario } from "../helpers/cost-scenarios";

/**
 * The cost test body, run by cost-10.test.ts and cost-1000.test.ts (one sandbox per file): the same
 * formula, fixed + pages of 50 zones, must hold at both sizes.
 */
export function describeCost(zones: number): void {
  describe(`verify cost with ${zones} zones (Drata token, 10 groups, 2 accounts)`, () => {
    let sb: RunningSandbox;
    beforeAll(async () => {
      sb = await sandboxWithZones(zones);
    });
    afterAll(async () => {
      await sb?.close();
    });

    it.each<Scenario>(["all-zones", "explicit-every-zone", "two-zones-by-name", "all-zones-where-two-chosen"])(
      "%s: fixed calls + pages of zones, far below zones × groups",
      async (scenario) => {
        const m = await measure(sb, scenario);
        expect(m.zones).toBe(zones);
        expect(m.apiCalls).toBe(expectedCalls(scenario, zones));
        // + 1: the Zone Read probe, GET /zones?name=<a sampled zone>.
        expect(m.zonePages).toBe(scenario === "all-zones" ? 5 : scenario === "two-zones-by-name" ? 3 : pagesFor(zones) + 1);
        // No zone group's route is called more than once: each zone group is probed on one sampled zone only.
        for (const [route, count] of Object.entries(m.stats.byRoute))
          if (route.startsWith("GET /zones/{zone_id}/")) expect(count, route).toBe(1);
        expect(m.apiCalls).toBeLessThan(Math.max(60, (zones * DRATA_GROUPS) / 10));
        expect(m.ok).toBe(scenario !== "all-zones-where-two-chosen");
      },
    );
  });
}
