import { readFileSync, writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { runUp } from "../../src/automation/pipeline";
import { startSandbox } from "../../src/sandbox";
import { pipelineFor, testProject } from "../helpers/pipeline";
import { controlFetch } from "../../src/sandbox/control-client";

/** docs/sandbox.md, run as written: the fixture example and the fault-injection body. */
const SANDBOX_DOC = readFileSync("docs/sandbox.md", "utf8");

function blockAfter(heading: string, language: string): string {
  const section = SANDBOX_DOC.slice(SANDBOX_DOC.indexOf(heading));
  const match = new RegExp("```" + language + "\\n([\\s\\S]*?)```").exec(section);
  if (!match) throw new Error(`docs/sandbox.md has no ${language} block under ${heading}`);
  return match[1]!;
}

describe("the sandbox documentation (docs/sandbox.md)", () => {
  it("the fixture example loads, and the dev stack's Drata token deploys, verifies and is handed off in it", async () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), "cfct-fixture-")), "fixture.yaml");
    writeFileSync(file, blockAfter("## The fixture format", "yaml"));
    const sandbox = await startSandbox({ port: 0, fixture: file });
    try {
      expect(sandbox.fixture.zones.map((z) => z.name)).toEqual(["example.com"]);
      expect(sandbox.behaviours.zoneListing).toBe("refuse");
      const project = testProject("documented");
      project.writeConfig({ connections: [{ platform: "drata", accounts: ["01a7362d577a6c3019a474fd6f485823"], zones: ["example.com"] }] });
      const summary = await runUp(pipelineFor(sandbox, project).context);
      expect(summary.problems).toEqual([]);
      expect(summary.tokens.map((t) => [t.name, t.verify?.ok, t.registration?.status])).toEqual([
        ["cfct documented drata g1", true, "handed-off"],
      ]);
    } finally {
      await sandbox.close();
    }
  });

  it("the fault-injection body is accepted as documented, and the next two token creates get 503", async () => {
    const example = blockAfter("## Injecting faults", "sh");
    const body = /-d '([^']+)'/.exec(example)![1]!;
    const documentedAnswer = JSON.parse(/^# (\{.*\})$/m.exec(example)![1]!) as unknown;
    const sandbox = await startSandbox({ port: 0 });
    try {
      const answer = await controlFetch(sandbox.control, "/faults", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      });
      expect(answer.status).toBe(201);
      expect(await answer.json()).toEqual(documentedAnswer);
      const create = () =>
        fetch(`${sandbox.baseUrl}/user/tokens`, {
          method: "POST",
          headers: { authorization: `Bearer ${sandbox.provisionerToken}`, "content-type": "application/json" },
          body: "{}",
        });
      expect((await create()).status).toBe(503);
      expect((await create()).status).toBe(503);
      expect((await create()).status).not.toBe(503);
    } finally {
      await sandbox.close();
    }
  });
});
