import { afterAll, describe, expect, it } from "vitest";
import {
  BEHAVIOURS,
  DEFAULT_BEHAVIOURS,
  nonDefaultBehaviourCases,
  parseBehaviourAssignment,
  startSandbox,
  type RunningSandbox,
} from "../../src/sandbox";
import { defaultFixture } from "../../src/sandbox";

const started: RunningSandbox[] = [];
afterAll(() => Promise.all(started.map((s) => s.close())));

async function start(options: Parameters<typeof startSandbox>[0]): Promise<RunningSandbox> {
  const sandbox = await startSandbox(options);
  started.push(sandbox);
  return sandbox;
}

describe("named sandbox behaviours", () => {
  it("defaults to each behaviour's best-evidenced value and reports it on the control plane", async () => {
    const sandbox = await start({});
    expect(sandbox.behaviours).toEqual(DEFAULT_BEHAVIOURS);
    const answer = await fetch(`${sandbox.controlUrl}/behaviours`);
    expect(await answer.json()).toEqual(DEFAULT_BEHAVIOURS);
  });

  it("layers the fixture's behaviour map under startSandbox's options", async () => {
    const fixture = { ...defaultFixture(), behaviour: { zoneListing: "filter" as const, missingPermissionCode: "10000" as const } };
    const sandbox = await start({ fixture, behaviours: { missingPermissionCode: "9109" } });
    expect(sandbox.behaviours).toMatchObject({ zoneListing: "filter", missingPermissionCode: "9109" });
  });

  it("refuses an unknown behaviour or value, naming the choices", async () => {
    await expect(start({ behaviours: { zoneListing: "maybe" } as never })).rejects.toThrow(
      /zoneListing = "maybe" .*Fix: use one of refuse, filter/,
    );
    expect(() => parseBehaviourAssignment("zoneListin=filter")).toThrow(/unknown behaviour zoneListin\. Fix: use one of zoneListing, /);
    expect(() => parseBehaviourAssignment("zoneListing")).toThrow(/is not name=value/);
    expect(parseBehaviourAssignment("wrongOwnerVerifyStatus=403")).toEqual({ wrongOwnerVerifyStatus: "403" });
  });

  it("lists one matrix case per non-default value", () => {
    const cases = nonDefaultBehaviourCases();
    const expected = Object.values(BEHAVIOURS).reduce((n, b) => n + b.values.length - 1, 0);
    expect(cases).toHaveLength(expected);
    for (const c of cases) expect(c.value).not.toBe(DEFAULT_BEHAVIOURS[c.name]);
  });
});
