import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { runUp } from "../../src/automation/pipeline";
import { startSandbox } from "../../src/sandbox";
import { ACME_CORP, issuedTokens, pipelineFor, testProject } from "../helpers/pipeline";

describe("a rehearsal after its sandbox was restarted", () => {
  it("says the world changed and deploys again, instead of calling tokens that no longer exist unchanged", async () => {
    const project = testProject("restart");
    project.writeConfig({ connections: [{ platform: "drata", accounts: [ACME_CORP], zones: ["acme-corp.com"] }] });

    const first = await startSandbox({ port: 0 });
    const firstRun = await runUp(pipelineFor(first, project).context);
    await first.close();
    expect(firstRun.ok).toBe(true);
    const state = JSON.parse(readFileSync(path.join(project.stateDir, "state.json"), "utf8")) as { sandbox: { instance: string } };
    expect(state.sandbox.instance).toBe(first.instance);

    const second = await startSandbox({ port: 0 });
    try {
      const lines: string[] = [];
      const secondRun = await runUp(pipelineFor(second, project, lines).context);
      expect(lines.join("\n")).toMatch(
        /rehearsal: the state in .* was deployed into another sandbox \(started .* at http:\/\/127\.0\.0\.1:\d+\/client\/v4\), and the one answering now .* is a new one: the 1 token\(s\) recorded there went with the old one\. Starting the rehearsal over/,
      );
      expect(lines).not.toContainEqual(expect.stringContaining("unchanged"));
      expect(secondRun.ok).toBe(true);
      expect(secondRun.tokens.map((t) => [t.logicalName, t.change, t.registration?.status])).toEqual([
        ["drata-g1", "create", "handed-off"],
      ]);
      expect((await issuedTokens(second)).map((t) => t.name).filter((name) => name.startsWith("cfct restart"))).toEqual([
        "cfct restart drata g1",
      ]);

      // The state now belongs to this sandbox: the next run is quiet and unchanged.
      const again: string[] = [];
      await runUp(pipelineFor(second, project, again).context);
      expect(again.join("\n")).not.toContain("another sandbox");
      expect(again).toContainEqual(expect.stringContaining("drata-g1: unchanged"));
    } finally {
      await second.close();
    }
  });
});
