import { beforeAll, describe, expect, it } from "vitest";
import { runUp } from "../../src/automation/pipeline";
import { pulumiConfigString } from "../../src/rehearsal/rehearsal-engine";
import type { RunningSandbox } from "../../src/sandbox";
import { ACME_CORP, pipelineFor, sandboxAndReceiver, sandboxTokens, testProject } from "../helpers/pipeline";

const running = sandboxAndReceiver();
let sandbox: RunningSandbox;
beforeAll(() => {
  ({ sandbox } = running);
});

describe("the rehearsal engine hands config to the program as Pulumi does", () => {
  it("a string is passed as itself, anything else as JSON", () => {
    expect(pulumiConfigString("acme")).toBe("acme");
    expect(pulumiConfigString({ ttlDays: 30 })).toBe('{"ttlDays":30}');
    expect(pulumiConfigString(["a"])).toBe('["a"]');
  });

  it("tokenNamePrefix reaches the token names unquoted", async () => {
    const project = testProject("prefix");
    project.writeConfig({ tokenNamePrefix: "acme", connections: [{ platform: "drata", accounts: [ACME_CORP], zones: ["acme-corp.com"] }] });
    const result = await runUp(pipelineFor(sandbox, project).context);
    expect(result.problems).toEqual([]);
    expect((await sandboxTokens(sandbox)).map((t) => t.name)).toContain("acme prefix drata g1");
  });
});
