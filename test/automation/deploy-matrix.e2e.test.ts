import { describe, expect, it } from "vitest";
import { runUp } from "../../src/automation/pipeline";
import {
  ACME_CORP,
  ACME_LABS,
  WEBHOOK_SECRET_ENV,
  issuedTokens,
  pipelineFor,
  sandboxAndReceiver,
  testProject,
  works,
} from "../helpers/pipeline";
import { matrixRows } from "../helpers/behaviour-matrix";

// The core of the deploy suite (deploy, verify, register; a re-run changes nothing; destroy revokes)
// under each row of the behaviour matrix, one sandbox per row.

describe.each(matrixRows())("cfct up under $label", ({ label, behaviours }) => {
  const running = sandboxAndReceiver(behaviours);

  it("deploys, verifies and registers a zone-scoped Drata token and ASCERA's account tokens; a re-run is a no-op; destroy revokes", async () => {
    const { sandbox, hook } = running;
    const project = testProject(label.replace(/[^a-z0-9]+/gi, "-").toLowerCase());
    const ascera = {
      platform: "ascera",
      accounts: [ACME_CORP, ACME_LABS],
      registration: { kind: "webhook", url: hook.url, secretEnv: WEBHOOK_SECRET_ENV },
    };
    project.writeConfig({
      connections: [{ platform: "drata", accounts: [ACME_CORP], zones: ["acme-corp.com", "acme-payments.com"] }, ascera],
    });
    const { context } = pipelineFor(sandbox, project);

    const first = await runUp(context);
    expect(first.problems).toEqual([]);
    expect(first.tokens.map((t) => [t.logicalName, t.change, t.verify?.ok, t.registration?.status])).toEqual([
      ["drata-g1", "create", true, "handed-off"],
      ["ascera-417daa9d-g1", "create", true, "registered"],
      ["ascera-fca1dc08-g1", "create", true, "registered"],
    ]);
    expect(await works(sandbox, hook.latestValue("ascera-417daa9d")!, { kind: "account", accountId: ACME_CORP })).toBe(true);

    // A second run changes nothing, and verification passed above whichever order Cloudflare read the tokens back in.
    const again = await runUp(context);
    expect(again.tokens.map((t) => t.change)).toEqual(["same", "same", "same"]);

    await context.engine.destroy();
    expect((await issuedTokens(sandbox)).filter((t) => t.name.startsWith(`cfct ${project.stack} `))).toEqual([]);
    expect(await works(sandbox, hook.latestValue("ascera-417daa9d")!, { kind: "account", accountId: ACME_CORP })).toBe(false);
  });
});
