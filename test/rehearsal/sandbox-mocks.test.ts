import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { createCloudflareClient } from "../../src/cloudflare/client";
import { COMPLIANCE_TOKEN_INVOKES } from "../../src/component/mocks";
import { NothingChangedError } from "../../src/domain/run-errors";
import { SandboxMocks } from "../../src/rehearsal/sandbox-mocks";
import { SecretBox } from "../../src/rehearsal/secret-box";
import { StateStore } from "../../src/rehearsal/state-store";
import { announcementFile } from "../../src/sandbox/announcement";
import { useSandbox } from "../helpers/sandbox";

const STACK = "dev";

describe("a rehearsal whose provisioner credential the sandbox refuses says to restart the sandbox, not to export a variable", () => {
  const sandbox = useSandbox();

  /** The first invoke of every run (the user's permission groups), sent with `credential`. */
  async function failureWith(credential: string): Promise<Error | undefined> {
    const store = new StateStore(path.join(mkdtempSync(path.join(tmpdir(), "cfct-mocks-")), "state"), STACK);
    const client = createCloudflareClient({ apiToken: credential, baseUrl: sandbox.baseUrl, maxRetries: 0 });
    const mocks = new SandboxMocks(client, store, new SecretBox(store, STACK, {}), true, STACK);
    await expect(
      mocks.call({ token: COMPLIANCE_TOKEN_INVOKES.userPermissionGroups, inputs: {}, provider: "" } as never),
    ).rejects.toBeInstanceOf(NothingChangedError);
    return mocks.failure;
  }

  it.each([
    // Shorter than 40 characters: Cloudflare's 400 6003/6111, a malformed credential.
    { credential: "malformed", refusal: /Invalid request headers/ },
    // Well-formed but unknown: 401, and GET /user/tokens/verify says it no longer works.
    { credential: "x".repeat(40), refusal: /stopped working during the run/ },
  ])("$credential.length characters: $refusal", async ({ credential, refusal }) => {
    const failure = await failureWith(credential);
    expect(failure?.message).toMatch(refusal);
    expect(failure?.message).toMatch(/Fix: .*restart `cfct sandbox`/);
    expect(failure?.message).toContain(announcementFile());
    expect(failure?.message).not.toMatch(/CLOUDFLARE_API_TOKEN|--provisioner-token-env|export/);
  });
});
