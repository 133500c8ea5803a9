import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { MiddlewareHandler } from "hono";

/**
 * The header that carries the control token. Not `Authorization`: that header carries Cloudflare
 * credentials to /client/v4, and a header of its own means neither kind of credential can be taken
 * for the other by mistake. A custom header also cannot be set by a cross-site page without a CORS
 * preflight, which the sandbox never approves.
 */
export const CONTROL_TOKEN_HEADER = "x-cfct-sandbox-control";

/** Where a user finds the token of a `cfct sandbox`: messages name it, never the value. */
const CONTROL_TOKEN_SOURCE = "the controlToken of this sandbox's entry in ~/.cfct/sandbox.json (0600)";

/** A fresh control token for one sandbox run: 32 random bytes, base64url. */
export function newControlToken(): string {
  return randomBytes(32).toString("base64url");
}

/** Compares in constant time: both sides are hashed to equal length first, so neither length nor content leaks through timing. */
function sameToken(presented: string, expected: string): boolean {
  const digest = (value: string) => createHash("sha256").update(value).digest();
  return timingSafeEqual(digest(presented), digest(expected));
}

/**
 * The control plane moves the clock, injects faults and lists token metadata: only a holder of this
 * sandbox's control token may. Missing → 401, wrong (any other value, a Cloudflare or provisioner
 * token included) → 403; both say where the token is.
 */
export function requireControlToken(
  token: string,
  refuse: (path: string, status: 401 | 403, message: string) => Response,
): MiddlewareHandler {
  return async (c, next) => {
    const presented = c.req.header(CONTROL_TOKEN_HEADER);
    if (presented === undefined || presented === "") {
      return refuse(
        c.req.path,
        401,
        `the sandbox control plane needs its control token in the ${CONTROL_TOKEN_HEADER} header. Fix: send ${CONTROL_TOKEN_SOURCE}, or (in a test) the control.token startSandbox() returned`,
      );
    }
    if (!sameToken(presented, token)) {
      return refuse(
        c.req.path,
        403,
        `the ${CONTROL_TOKEN_HEADER} header does not hold this sandbox's control token (a Cloudflare or provisioner token is never one). Fix: send ${CONTROL_TOKEN_SOURCE}; a restarted sandbox has a new one`,
      );
    }
    await next();
  };
}
