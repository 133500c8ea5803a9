import type { CloudflareClient } from "../cloudflare/client";
import { type TokenOwner } from "../domain/owner";
import { rotateCommand } from "./diagnose";
import { stoppedWorking } from "./liveness";
import type { Check } from "./types";

/**
 * No check blames a missing group for a refusal before liveness is re-checked: when Cloudflare
 * refused a request (401/403) and a check after liveness failed (or exactness could not read the
 * token), the token and the provisioner are asked once more at their verify routes (one call each, only then). A credential that stopped working
 * mid-run turns those checks into "not judged", and says it was revoked.
 */
export async function recheckAfterRefusals(
  checks: Check[],
  ctx: { client?: CloudflareClient; provisioner?: CloudflareClient; owner: TokenOwner; stack: string | undefined; platformName: string },
): Promise<void> {
  const start = checks.findIndex((c) => c.id === "liveness") + 1;
  const judged = (c: Check) => c.status === "fail" || (c.id === "exactness" && c.status === "warn");
  if (!checks.slice(start).some(judged)) return;
  const notJudged = (why: string) => {
    for (let i = start; i < checks.length; i += 1)
      if (judged(checks[i]!)) checks[i] = { id: checks[i]!.id, status: "skip", detail: `not judged: ${why}` };
  };
  const token = ctx.client ? await stoppedWorking(ctx.client, ctx.owner) : undefined;
  if (token !== undefined) {
    const route = ctx.owner.kind === "account" ? `/accounts/${ctx.owner.accountId}/tokens/verify` : "/user/tokens/verify";
    notJudged("the token stopped working during verification, so its refusals say nothing about its groups");
    checks.splice(start, 0, {
      id: "liveness:recheck",
      status: "fail",
      detail: `the token stopped working during verification (GET ${route} now answers ${token}): it was revoked, deleted or disabled mid-run`,
      remedy: `Issue a new token with ${rotateCommand(ctx.stack)} and register the new value with ${ctx.platformName}.`,
    });
    return;
  }
  // A provisioner may be account-owned (it reads an account's tokens): it stopped only if neither route accepts it.
  const provisioner = ctx.provisioner
    ? await stoppedWorking(ctx.provisioner, { kind: "user" }).then(async (atUser) =>
        atUser !== undefined && ctx.owner.kind === "account" && (await stoppedWorking(ctx.provisioner!, ctx.owner)) === undefined
          ? undefined
          : atUser,
      )
    : undefined;
  if (provisioner !== undefined) {
    notJudged("the provisioner credential stopped working during verification, so what it could not read says nothing");
    checks.splice(start, 0, {
      id: "provisioner:recheck",
      status: "fail",
      detail: `the provisioner credential stopped working during verification (GET /user/tokens/verify now answers ${provisioner}): it was revoked, deleted or disabled mid-run`,
      remedy: "Use a live provisioner credential (cfct doctor checks it) and run cfct verify again.",
    });
  }
}
