import { type CloudflareApiError } from "../cloudflare/client";
import { type TokenOwner } from "../domain/owner";
import {
  exposedRemedy,
  ipFromRefusal,
  isExposedRefusal,
  isExpiredRefusal,
  isIpFilterRefusal,
  isNotYetValidRefusal,
  isRevokedRefusal,
  rotateCommand,
} from "./diagnose";
import type { LivenessContext } from "./types";

/** 401/403 from the verify route: say which of the guide's causes it is, as precisely as a few calls allow. */
export async function explainRefusal(
  ctx: LivenessContext,
  route: string,
  error: CloudflareApiError,
  rotate: string,
): Promise<[string, string]> {
  const said = `GET ${route} answered ${error.message}`;
  if (isIpFilterRefusal(error)) {
    const ip = ipFromRefusal(error);
    const ranges = ctx.allowedIps.length > 0 ? ` (planned ranges: ${ctx.allowedIps.join(", ")})` : "";
    return [
      `${said}: the token has a client-IP filter that refuses this machine's address${ip ? ` ${ip}` : ""}${ranges}`,
      `Run cfct verify from an address inside the token's allowed ranges, or add this address to token.allowedIps and redeploy; the platform's egress addresses must be inside them too.`,
    ];
  }
  if (isNotYetValidRefusal(error)) {
    return [
      `${said}: the token is not valid yet (its not_before is in the future)`,
      `Wait until its start time, or reissue it without one: ${rotateCommand(ctx.stack)}.`,
    ];
  }

  // A token of the other owner kind is a common mix-up (the ASCERA guide wants an account-owned
  // token, Drata's a user-owned one). Cloudflare is reported to refuse it at a verify route with 401
  // or with 403 (the sandbox's wrongOwnerVerifyStatus), so either status leads here.
  const mixUp = await otherOwnerAccepting(ctx);
  if (mixUp?.kind === "user") {
    return [
      `${said}, but /user/tokens/verify accepts it: this is a user-owned token, and ${ctx.platformName} needs one owned by account ${(ctx.owner as { accountId: string }).accountId}`,
      `Create the token under Manage Account > Account API Tokens of that account (cfct deploys it so), then register that value with ${ctx.platformName}.`,
    ];
  }
  if (mixUp?.kind === "account") {
    return [
      `${said}, but /accounts/${mixUp.accountId}/tokens/verify accepts it: this token is owned by account ${mixUp.accountId}, and ${ctx.platformName} needs a user-owned token`,
      `Create the token under My Profile > API Tokens of the service account (cfct deploys it so), then register that value with ${ctx.platformName}.`,
    ];
  }

  if (ctx.provisioner && ctx.tokenName) {
    try {
      // Cloudflare's name filter narrows the list; it may match more, or be ignored: names are compared here.
      const tokens = await ctx.provisioner.listTokens(ctx.owner, { name: ctx.tokenName });
      const named = tokens.filter((t) => t.name === ctx.tokenName);
      const now = ctx.now.getTime();
      if (named.length === 0) return [`${said}: no token named "${ctx.tokenName}" exists any more: it was deleted (revoked)`, rotate];
      const isExpired = (t: (typeof named)[number]) =>
        t.status === "expired" || (t.expires_on !== undefined && Date.parse(t.expires_on) <= now);
      const usable = named.filter((t) => t.status === "active" && !isExpired(t));
      const notYet = usable.find((t) => t.not_before !== undefined && Date.parse(t.not_before) > now);
      if (notYet)
        return [
          `${said}: token "${ctx.tokenName}" is not valid before ${notYet.not_before}`,
          `Wait until then, or reissue it: ${rotateCommand(ctx.stack)}.`,
        ];
      const exposed = named.find((t) => String(t.status) === "compromised");
      if (exposed && usable.length === 0)
        return [
          `${said}: Cloudflare deactivated token "${ctx.tokenName}" because its value was found exposed`,
          exposedRemedy(ctx.stack, ctx.platformName),
        ];
      if (usable.length > 0) {
        return [
          `${said}: token "${ctx.tokenName}" exists and is active, so this value is not its current secret (mistyped, truncated, or the value was rolled)`,
          `Copy the current value again (from the registration that delivered it), or ${rotateCommand(ctx.stack)} and register the new value with ${ctx.platformName}.`,
        ];
      }
      const expired = named.find(isExpired);
      if (expired) return [`${said}: token "${ctx.tokenName}" expired on ${expired.expires_on ?? "(unknown)"}`, rotate];
      return [`${said}: token "${ctx.tokenName}" was disabled (revoked)`, rotate];
    } catch {
      // The provisioner could not tell; the generic diagnosis below still holds.
    }
  }
  if (isExposedRefusal(error))
    return [`${said}: Cloudflare deactivated the token because its value was found exposed`, exposedRemedy(ctx.stack, ctx.platformName)];
  const cause = isExpiredRefusal(error)
    ? "it has expired"
    : isRevokedRefusal(error)
      ? "it was revoked"
      : "the value is wrong, expired or revoked";
  return [`${said}: Cloudflare rejects the token; ${cause}`, `Check that the value was copied whole. ${rotate}`];
}

/** The owner of the other kind whose verify route accepts the token as active, if any (one call per chosen account at most). */
async function otherOwnerAccepting(ctx: LivenessContext): Promise<TokenOwner | undefined> {
  const candidates: TokenOwner[] =
    ctx.owner.kind === "account" ? [{ kind: "user" }] : ctx.accounts.map((accountId) => ({ kind: "account", accountId }));
  for (const candidate of candidates) {
    try {
      if ((await ctx.client.verifyToken(candidate)).status === "active") return candidate;
    } catch {
      // Not this owner's token either.
    }
  }
  return undefined;
}
