import { execFileSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { runUp } from "../../src/automation/pipeline";
import { ACME_CORP, issuedTokens, pipelineFor, sandboxAndReceiver, testProject } from "../helpers/pipeline";

const { sandbox } = sandboxAndReceiver();

describe("the rehearsal refuses what the real run refuses", () => {
  it("a registration.dir inside the repository stops `up` before any token exists, though the rehearsal writes elsewhere", async () => {
    const project = testProject("repodir");
    execFileSync("git", ["init", "-q", project.dir]);
    // The rehearsal's own places are ignored, so only the configured directory can be refused.
    writeFileSync(path.join(project.dir, ".gitignore"), "handoff/\nstate/\nkeys/\nevidence/\n");
    project.writeConfig({
      connections: [
        {
          platform: "drata",
          accounts: [ACME_CORP],
          zones: ["acme-corp.com"],
          registration: { kind: "handoff", dir: path.join(project.dir, "sheets") },
        },
      ],
    });
    await expect(runUp(pipelineFor(sandbox, project).context)).rejects.toThrow(
      /connection drata: refusing to write a hand-off sheet in .*sheets: it is inside a git work tree and not git-ignored.*Fix: set registration\.dir/,
    );
    expect((await issuedTokens(sandbox)).filter((t) => t.name.startsWith("cfct repodir"))).toEqual([]);
    expect(existsSync(project.handoffDir)).toBe(false);
  });
});
