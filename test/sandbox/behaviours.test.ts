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
import path from "node:path";
import { behaviourOverrides, parseBehaviourFile, readBehaviourFile } from "../../src/parity/behaviour-file";
import { controlFetch } from "../../src/sandbox/control-client";

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
    const answer = await controlFetch(sandbox.control, "/behaviours");
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

  it("accountTokenCreatorRole was renamed accountTokenRoles: typed now, it is refused with the new name and the value mapping", async () => {
    expect(() => parseBehaviourAssignment("accountTokenCreatorRole=administrator")).toThrow(
      /behaviour accountTokenCreatorRole was renamed accountTokenRoles .*Fix: use accountTokenRoles with one of super-admin, administrator, any-member \(accountTokenCreatorRole=administrator is accountTokenRoles=administrator; accountTokenCreatorRole=any-member is accountTokenRoles=any-member\)/,
    );
    const fixture = { ...defaultFixture(), behaviour: { accountTokenCreatorRole: "any-member" } as never };
    await expect(start({ fixture })).rejects.toThrow(/accountTokenCreatorRole was renamed accountTokenRoles/);
  });

  it("a behaviour file recorded under the old name still loads: a measured value keeps its meaning, an unmeasured one takes today's default", () => {
    const file = (record: object) => ({
      kind: "cfct-behaviour-file",
      version: 1,
      recordedAt: "2026-10-15T00:00:00Z",
      apiHost: "api.cloudflare.com",
      behaviours: { accountTokenCreatorRole: record },
    });
    const unmeasured = parseBehaviourFile(file({ value: "administrator", measured: false, note: "reported, not forced" }), "old.json");
    expect(unmeasured.behaviours).toEqual({
      accountTokenRoles: expect.objectContaining({
        value: "super-admin",
        measured: false,
        note: "recorded as accountTokenCreatorRole=administrator (not measured), read as accountTokenRoles=super-admin, the current default; reported, not forced",
      }),
    });
    const measured = parseBehaviourFile(file({ value: "any-member", measured: true }), "old.json");
    expect(behaviourOverrides(measured)).toEqual({ accountTokenRoles: "any-member" });
    // The repository's example recording predates the rename and is still a row of the behaviour matrix.
    expect(readBehaviourFile(path.join(__dirname, "../helpers/recorded.behaviours.json")).behaviours.accountTokenRoles?.value).toBe(
      "super-admin",
    );
  });

  it("lists one matrix case per non-default value", () => {
    const cases = nonDefaultBehaviourCases();
    const expected = Object.values(BEHAVIOURS).reduce((n, b) => n + b.values.length - 1, 0);
    expect(cases).toHaveLength(expected);
    for (const c of cases) expect(c.value).not.toBe(DEFAULT_BEHAVIOURS[c.name]);
  });
});
