import type { RawAnswer } from "../cloudflare/client";
import { readRateLimitHeaders } from "../cloudflare/pacing";
import { tokenShape } from "../cloudflare/token-format";
import { BEHAVIOURS } from "../sandbox/behaviours";
import type { BehaviourRecord, Evidence } from "./behaviour-file";

/** What an answer says about a behaviour, read without sending anything: the recording's pure half. */

/** An answer's `Ratelimit` and `Ratelimit-Policy`, as evidence text. */
export function headerText(answer: RawAnswer): string {
  const [limit, policy] = ["ratelimit", "ratelimit-policy"].map((name) => answer.headers?.get(name) ?? "(absent)");
  return `Ratelimit ${limit}; Ratelimit-Policy ${policy}`;
}

/**
 * rateLimitHeaders, read off ordinary answers (no budget is spent to find out): none on any →
 * absent; a `"default"` remaining that went down by each call → accurate; one that stayed →
 * static. Two answers with a remaining are needed to tell the last two apart.
 */
export function rateLimitHeadersSeen(
  verify: RawAnswer,
  ordinary: readonly RawAnswer[],
  evidence: (request: string, answer: RawAnswer, observed?: string) => Evidence,
): BehaviourRecord {
  const remaining = ordinary.flatMap((answer) => {
    const r = readRateLimitHeaders(answer.headers ?? new Headers()).remaining;
    return r === undefined ? [] : [r];
  });
  const anyHeader = ordinary.some((answer) => answer.headers?.get("ratelimit") || answer.headers?.get("ratelimit-policy"));
  const countsDown = remaining.length >= 2 && remaining.every((r, i) => i === 0 || r < remaining[i - 1]!);
  const value = !anyHeader ? "absent" : countsDown ? "accurate" : "static";
  return {
    value,
    measured: !anyHeader || remaining.length >= 2,
    evidence: [
      evidence("GET /user/tokens/verify (provisioner)", verify, headerText(verify)),
      evidence(
        "GET /user/tokens/permission_groups, GET /memberships, GET /zones/{zone} (provisioner, one after another)",
        ordinary.at(-1)!,
        `${ordinary.map(headerText).join(" | ")}; "default" remaining: ${remaining.join(", ") || "none"}`,
      ),
    ],
    sources: [],
    ...(anyHeader && remaining.length < 2 ? { note: 'the answers carried no "default" item to compare: please report this file' } : {}),
  };
}

export function firstError(json: unknown): { code?: number; message?: string } {
  const error = (json as { errors?: { code?: unknown; message?: unknown }[] } | undefined)?.errors?.[0];
  return error
    ? {
        ...(typeof error.code === "number" ? { code: error.code } : {}),
        ...(typeof error.message === "string" ? { message: error.message } : {}),
      }
    : {};
}

/** The `documentation_url` of an error answer (changelog 2026-08-20), recorded as an observation. */
export function documentationUrlOf(json: unknown): string | undefined {
  const link = (json as { errors?: { documentation_url?: unknown }[] } | undefined)?.errors?.[0]?.documentation_url;
  return typeof link === "string" ? link : undefined;
}

/** tokenValueFormat from a new test token's value: its shape only, never the value. */
export function valueFormatOf(value: string): BehaviourRecord {
  const shape = tokenShape(value).kind;
  const measured = shape === "user-token" || shape === "sandbox";
  return {
    value: shape === "user-token" ? "cloudflare" : shape === "sandbox" ? "sandbox" : BEHAVIOURS.tokenValueFormat.default,
    measured,
    evidence: [{ request: "POST /user/tokens", status: 200, observed: `the new value's shape: ${shape}` }],
    sources: [],
    ...(measured
      ? {}
      : { note: "a new user token's value has neither Cloudflare's cfut_ shape nor the sandbox's: please report this file" }),
  };
}
