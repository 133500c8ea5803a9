import ipaddr from "ipaddr.js";
import { CloudflareApiError, type CloudflareClient, type TokenVerifyResult } from "../cloudflare/client";
import { diagnoseTransport, exposedRemedy, ipFromRefusal, isIpFilterRefusal, rotateCommand } from "./diagnose";
import { explainRefusal } from "./liveness-refusal";
import type { Check, LivenessContext } from "./types";
import { tokenShape } from "../cloudflare/token-format";
import { type TokenOwner } from "../domain/owner";
import { DAY_MS } from "../domain/time";

/** Check 2, the ASCERA guide's "401 Unauthorized" row: is the token alive, and for how long. */

const ID = "liveness";

export interface LivenessResult {
  readonly check: Check;
  /** False: the token cannot make calls, so checks that need it are skipped. */
  readonly usable: boolean;
  /** The token refused this machine because of the IP filter its plan gives it: intended, not broken. */
  readonly keptOutByPlannedFilter?: boolean;
  readonly verified?: TokenVerifyResult;
}

const ownerText = (owner: TokenOwner) => (owner.kind === "account" ? `account-owned (account ${owner.accountId})` : "user-owned");

export async function checkLiveness(ctx: LivenessContext): Promise<LivenessResult> {
  const rotate = `Issue a new token with ${rotateCommand(ctx.stack)} and register the new value with ${ctx.platformName}.`;
  const fail = (detail: string, remedy: string): LivenessResult => ({ check: { id: ID, status: "fail", detail, remedy }, usable: false });

  if (/\s/.test(ctx.token)) {
    return fail(
      "the token value contains whitespace or a line break: it was not copied cleanly (nothing was sent)",
      "Copy the value again without surrounding spaces or line breaks.",
    );
  }
  const mismatch = ownerMismatchByShape(ctx);
  if (mismatch) return fail(...mismatch);

  const route = ctx.owner.kind === "account" ? `/accounts/${ctx.owner.accountId}/tokens/verify` : "/user/tokens/verify";
  let verified: TokenVerifyResult;
  try {
    verified = await ctx.client.verifyToken(ctx.owner);
  } catch (error) {
    if (!(error instanceof CloudflareApiError) || (error.kind !== "unauthorized" && error.kind !== "forbidden")) {
      const d = diagnoseTransport(error, `GET ${route}`);
      return fail(d.detail, d.remedy);
    }
    const ip = isIpFilterRefusal(error) ? ipFromRefusal(error) : undefined;
    if (ip && plannedFilterExcludes(ip, ctx)) {
      return {
        check: {
          id: ID,
          status: "warn",
          detail: `GET ${route}: the token refuses this machine (${ip}) as its planned client-IP filter says it should (allow ${ctx.allowedIps.join(", ") || "any"}; deny ${ctx.deniedIps.join(", ") || "none"}), so it cannot be used from here`,
          remedy: `To prove what it can do, run cfct verify from inside the allowed ranges (where ${ctx.platformName} calls from); exactness is still checked through the provisioner.`,
        },
        usable: false,
        keptOutByPlannedFilter: true,
      };
    }
    return fail(...(await explainRefusal(ctx, route, error, rotate)));
  }

  const now = ctx.now.getTime();
  const expires = verified.expires_on ? Date.parse(verified.expires_on) : undefined;
  const notBefore = verified.not_before ? Date.parse(verified.not_before) : undefined;
  if (verified.status === "expired" || (expires !== undefined && expires <= now)) {
    return { ...fail(`Cloudflare says the token expired${verified.expires_on ? ` on ${verified.expires_on}` : ""}`, rotate), verified };
  }
  if (verified.status === "compromised") {
    return {
      ...fail(
        "Cloudflare deactivated the token because its value was found exposed (for example in a public repository)",
        exposedRemedy(ctx.stack, ctx.platformName),
      ),
      verified,
    };
  }
  if (verified.status === "disabled") {
    return { ...fail("Cloudflare says the token is disabled (revoked by an administrator)", rotate), verified };
  }
  if (verified.status !== "active") {
    return { ...fail(`Cloudflare says the token is "${String(verified.status)}", not active`, rotate), verified };
  }
  if (notBefore !== undefined && notBefore > now) {
    return {
      ...fail(
        `the token is not valid before ${verified.not_before} (not_before is in the future)`,
        `Wait until ${verified.not_before}, or reissue it without a start date: ${rotateCommand(ctx.stack)}.`,
      ),
      verified,
    };
  }
  const base = `GET ${route}: active, ${ownerText(ctx.owner)}`;
  if (expires === undefined) {
    return {
      check: {
        id: ID,
        status: "warn",
        detail: `${base}, never expires`,
        remedy: `Give it an expiry: tokens made by cfct always have one (${rotateCommand(ctx.stack)} issues such a token).`,
      },
      usable: true,
      verified,
    };
  }
  const days = Math.floor((expires - now) / DAY_MS);
  if (days < ctx.expiryWarnDays) {
    return {
      check: {
        id: ID,
        status: "warn",
        detail: `${base}, expires in ${days} day(s) (${verified.expires_on})`,
        remedy: `Rotate before it expires: ${rotateCommand(ctx.stack)}.`,
      },
      usable: true,
      verified,
    };
  }
  return { check: { id: ID, status: "pass", detail: `${base}, expires in ${days} days (${verified.expires_on})` }, usable: true, verified };
}

/**
 * What the value's own shape says, before anything is sent (Cloudflare's "API token formats"): a
 * Global API Key (`cfk_`, or 37–45 lowercase hex), or a token of the other owner kind (`cfat_` given
 * for a user-owned plan, `cfut_` for an account-owned one). Unprefixed and sandbox values say nothing.
 */
function ownerMismatchByShape(ctx: LivenessContext): [string, string] | undefined {
  const shape = tokenShape(ctx.token).kind;
  if (shape === "global-key")
    return [
      "the value looks like a Global API Key (cfk_, or 37–45 hex characters), not an API token (nothing was sent)",
      "Create an API token (My Profile > API Tokens, or Manage Account > Account API Tokens); never give a platform the Global API Key.",
    ];
  if (shape === "account-token" && ctx.owner.kind === "user")
    return [
      `the value starts with "cfat_": this is an account-owned token, and ${ctx.platformName} needs a user-owned token (nothing was sent)`,
      `Create the token under My Profile > API Tokens of the service account (cfct deploys it so), then register that value with ${ctx.platformName}.`,
    ];
  if (shape === "user-token" && ctx.owner.kind === "account")
    return [
      `the value starts with "cfut_": this is a user-owned token, and ${ctx.platformName} needs one owned by account ${ctx.owner.accountId} (nothing was sent)`,
      `Create the token under Manage Account > Account API Tokens of that account (cfct deploys it so), then register that value with ${ctx.platformName}.`,
    ];
  return undefined;
}

/**
 * Is the token still accepted at its verify route? Asked once a later check was refused: a token
 * deleted or revoked mid-run gets 403 9109 "Invalid access token" outside the verify routes, which a
 * check must not read as a missing permission group. Undefined while it still works.
 */
export async function stoppedWorking(client: CloudflareClient, owner: TokenOwner): Promise<string | undefined> {
  try {
    const verified = await client.verifyToken(owner);
    return verified.status === "active" ? undefined : `status ${verified.status}`;
  } catch (error) {
    if (error instanceof CloudflareApiError && (error.kind === "unauthorized" || error.kind === "forbidden")) return error.message;
    return undefined;
  }
}

/** Is `ip` outside what the plan allows (or inside what it denies)? Then a refusal is the filter working. */
function plannedFilterExcludes(ip: string, ctx: Pick<LivenessContext, "allowedIps" | "deniedIps">): boolean {
  let address: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    address = ipaddr.process(ip);
  } catch {
    return false;
  }
  const within = (cidr: string) => {
    try {
      const [range, bits] = ipaddr.parseCIDR(cidr);
      return address.kind() === range.kind() && address.match(range, bits);
    } catch {
      return false;
    }
  };
  return (ctx.allowedIps.length > 0 && !ctx.allowedIps.some(within)) || ctx.deniedIps.some(within);
}
