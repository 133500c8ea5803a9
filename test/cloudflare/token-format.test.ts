import { describe, expect, it } from "vitest";
import { looksLikeCredential, tokenShape, withoutCredentials } from "../../src/cloudflare/token-format";
import { withoutTypedValues } from "../../src/cli/main";
import { runCfct } from "../helpers/cli-in-process";

// Cloudflare's "API token formats": cfut_ / cfat_ / cfk_ + 40 characters + a checksum; older values unprefixed.
const BODY = "Q7wErTy0UiOp1AsDfGh2JkLz3XcVbN4mQwE5rTy6";
const VALUES = {
  user: `cfut_${BODY}9f3a6c21`,
  account: `cfat_${BODY}0b1c2d3e`,
  globalKey: `cfk_${BODY}00ff00ff`,
  unprefixed: BODY,
  sandbox: `cfsbx_${BODY.slice(0, 38)}-_`,
};

describe("token value shapes", () => {
  it("tells the owner kind from the prefix; unprefixed and sandbox values declare none", () => {
    expect(Object.fromEntries(Object.entries(VALUES).map(([k, v]) => [k, tokenShape(v).kind]))).toEqual({
      user: "user-token",
      account: "account-token",
      globalKey: "global-key",
      unprefixed: "unprefixed",
      sandbox: "sandbox",
    });
    expect(tokenShape("a".repeat(37).replace(/a/g, "b")).kind).toBe("global-key");
    expect(tokenShape("prod").kind).toBe("unknown");
  });

  it("every shape is recognised as a possible credential, a cut-short prefixed one too; names and IDs are not", () => {
    for (const value of [...Object.values(VALUES), VALUES.user.slice(0, 30), BODY.toUpperCase()])
      expect(looksLikeCredential(value)).toBe(true);
    for (const text of ["CLOUDFLARE_API_TOKEN", "CFCT_TOKEN_ASCERA_417DAA9D_G1", "417daa9dc1293f3af874e997f8bdce54", "prod"])
      expect(looksLikeCredential(text)).toBe(false);
  });

  it("redaction hides all three shapes in running text, and leaves git SHAs, IDs and words alone", () => {
    const sha = "5f0c3a1b2c3d4e5f60718293a4b5c6d7e8f90123";
    const text = `--account "${VALUES.user}" or ${VALUES.unprefixed} or ${VALUES.sandbox}; commit ${sha}, zone 417daa9dc1293f3af874e997f8bdce54`;
    const scrubbed = withoutCredentials(text);
    for (const value of [VALUES.user, VALUES.unprefixed, VALUES.sandbox]) expect(scrubbed).not.toContain(value);
    expect(scrubbed).toContain(sha);
    expect(scrubbed).toContain("417daa9dc1293f3af874e997f8bdce54");
    expect(withoutTypedValues(`error: unknown option '--token'\n(Did you mean --token-env?) ${VALUES.account}`)).not.toContain(
      VALUES.account,
    );
  });

  it("the CLI never echoes a token pasted into a flag that echoes its value (an ID, a variable name)", async () => {
    for (const args of [
      ["sandbox-parity", "--account", VALUES.user, "--zone", "576e2aa970f9f4e230116c7c1d498a24", "--dry-run"],
      ["sandbox-parity", "--account", VALUES.unprefixed, "--zone", "576e2aa970f9f4e230116c7c1d498a24", "--dry-run"],
      ["verify", "--platform", "drata", "--token-env", BODY.toUpperCase()],
    ]) {
      const result = await runCfct(args);
      expect(result.code).toBe(1);
      expect(result.stderr).not.toContain(BODY.slice(0, 20));
      expect(result.stderr.toUpperCase()).not.toContain(BODY.toUpperCase().slice(0, 20));
    }
  });
});
