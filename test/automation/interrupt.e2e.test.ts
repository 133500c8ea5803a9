import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { clearFaults, injectFault } from "../../src/sandbox/control-client";
import { cfct } from "../helpers/cli-run";
import { ACME_CORP, interruptedUp, rehearsalArgs, rehearsalEnv, sandboxTokens, testProject } from "../helpers/pipeline";
import { useSandbox } from "../helpers/sandbox";

const sandbox = useSandbox({ port: 0 });

describe("Ctrl-C during cfct up", () => {
  it("says what was interrupted and exits 130; the next run deletes the token whose create was in flight and records that in its evidence", async () => {
    const project = testProject("interrupted");
    project.writeConfig({ connections: [{ platform: "drata", accounts: [ACME_CORP], zones: ["acme-corp.com"] }] });
    // The create reaches the sandbox, which takes its time to answer: the run is interrupted meanwhile.
    await injectFault(sandbox.control, { kind: "latency", ms: 15_000, match: { method: "POST", path: "/user/tokens" } });
    const interrupted = await interruptedUp(sandbox, project);
    expect(interrupted.code, interrupted.output).toBe(130);
    expect(interrupted.output).toMatch(
      /cfct: interrupted \(SIGINT\) during `cfct up --stack interrupted`, after: .*\. 1 token create\(s\) were in flight: cfct interrupted drata g1\. Nobody will hold their values: the next `cfct up --stack interrupted` deletes those tokens and records that in its evidence\. This run wrote no evidence record\./,
    );

    // The sandbox still carries out the create it had received: a token nobody holds.
    let orphan: { id: string; name: string } | undefined;
    while (!orphan) {
      orphan = (await sandboxTokens(sandbox)).find((t) => t.name === "cfct interrupted drata g1");
      if (!orphan) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await clearFaults(sandbox.control);

    const next = await cfct(["up", ...rehearsalArgs(sandbox, project)], rehearsalEnv(sandbox, project));
    expect(next.code, next.stdout + next.stderr).toBe(0);
    expect(next.stdout).toContain(
      `deleted orphaned token ${orphan.id} (cfct interrupted drata g1): an interrupted run created it and never recorded it`,
    );
    const tokens = (await sandboxTokens(sandbox)).filter((t) => t.name === "cfct interrupted drata g1");
    expect(tokens.map((t) => t.id)).not.toContain(orphan.id);
    expect(tokens).toHaveLength(1);

    const evidence = /evidence: (.+)\.md/.exec(next.stdout)![1]!;
    const record = JSON.parse(readFileSync(`${evidence}.json`, "utf8")) as {
      ok: boolean;
      cleanup: { id: string; name: string; detail: string }[];
    };
    expect(record.ok).toBe(true);
    expect(record.cleanup).toEqual([
      expect.objectContaining({ id: orphan.id, name: "cfct interrupted drata g1", owner: { kind: "user" }, at: expect.any(String) }),
    ]);
    expect(readFileSync(`${evidence}.md`, "utf8")).toMatch(
      new RegExp(
        `## Clean-up of an interrupted run[\\\\s\\\\S]*\\\\| cfct interrupted drata g1 \\\\| \`${orphan.id}\` \\\\| created by an interrupted earlier run`,
      ),
    );
  }, 120_000);
});
