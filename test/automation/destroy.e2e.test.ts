import { existsSync, readdirSync, rmSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { runDestroy } from "../../src/automation/destroy";
import { runUp } from "../../src/automation/pipeline";
import { runRotate } from "../../src/automation/rotate";
import { ACME_CORP, issuedTokens, pipelineFor, sandboxAndReceiver, testProject } from "../helpers/pipeline";

const { sandbox } = sandboxAndReceiver();

describe("cfct destroy", () => {
  it("deletes every token and removes each deleted generation's 0600 hand-off sheet with it", async () => {
    const project = testProject("destroysheets");
    project.writeConfig({ connections: [{ platform: "drata", accounts: [ACME_CORP], zones: ["acme-corp.com"] }] });
    expect((await runUp(pipelineFor(sandbox, project).context)).ok).toBe(true);
    // A rotation waiting for pickup: two generations live, two sheets.
    const rotation = pipelineFor(sandbox, project);
    await runRotate(rotation.context, { ifDueWithinDays: 14, graceHours: 24, force: true, pickupCheckFor: rotation.pickupCheckFor });
    expect(readdirSync(project.handoffDir).sort()).toEqual(["destroysheets-drata-g1.md", "destroysheets-drata-g2.md"]);

    const lines: string[] = [];
    const summary = await runDestroy(pipelineFor(sandbox, project, lines).context);
    expect(summary.ok).toBe(true);
    expect(lines).toEqual(expect.arrayContaining(["drata-g1: deleted", "drata-g2: deleted"]));
    expect(readdirSync(project.handoffDir)).toEqual([]);
    expect((await issuedTokens(sandbox)).filter((t) => t.name.startsWith("cfct destroysheets"))).toEqual([]);
  });

  it("without the stack file, still deletes the tokens (named in the evidence) and says what it could not locate", async () => {
    const project = testProject("destroynofile");
    project.writeConfig({ connections: [{ platform: "drata", accounts: [ACME_CORP], zones: ["acme-corp.com"] }] });
    expect((await runUp(pipelineFor(sandbox, project).context)).ok).toBe(true);
    rmSync(path.join(project.dir, "stacks", `Pulumi.${project.stack}.yaml`));
    const lines: string[] = [];
    const summary = await runDestroy(pipelineFor(sandbox, project, lines).context);
    // Not ok: what was handed over could not be located, and the run says what to remove by hand.
    expect(summary.ok).toBe(false);
    expect(summary.tokens.map((t) => t.key)).toEqual(["drata"]);
    expect(summary.problems.join("\n")).toMatch(
      /registrations and hand-off sheets were not located: the stack config could not be read [\s\S]*Fix: [\s\S]*hand-off sheets/,
    );
    expect(existsSync(path.join(project.handoffDir, "destroynofile-drata-g1.md"))).toBe(true);
    expect((await issuedTokens(sandbox)).filter((t) => t.name.startsWith("cfct destroynofile"))).toEqual([]);
  });
});
