import type { MiddlewareHandler } from "hono";

/** The names the sandbox answers to: it listens on 127.0.0.1 only. */
const LOCAL_HOSTS = new Set(["127.0.0.1", "localhost"]);

/** `host[:port]` → host, lower case; undefined for a missing or malformed header. */
function hostName(header: string | undefined): string | undefined {
  const match = header ? /^([^:\s]+)(?::\d{1,5})?$/.exec(header.trim()) : null;
  return match?.[1]?.toLowerCase();
}

/** The sandbox's own origin (a page it served, were there one); any other page's origin is foreign. */
function isOwnOrigin(origin: string, host: string | undefined): boolean {
  try {
    const url = new URL(origin);
    return url.protocol === "http:" && LOCAL_HOSTS.has(url.hostname) && url.host === host?.toLowerCase();
  } catch {
    return false;
  }
}

/** Builds the refusal in the shape of the part of the sandbox the request was for. */
type Refusal = (path: string, status: 403 | 415, message: string) => Response;

/**
 * Answers only requests addressed to 127.0.0.1 or localhost (any port): a web page that rebinds
 * its own DNS name to 127.0.0.1 sends its own name as Host and is refused.
 */
export function localHostOnly(refuse: Refusal): MiddlewareHandler {
  return async (c, next) => {
    const host = hostName(c.req.header("host"));
    if (!host || !LOCAL_HOSTS.has(host)) {
      return refuse(
        c.req.path,
        403,
        "the sandbox answers only requests addressed to 127.0.0.1 or localhost. Fix: use the baseUrl `cfct sandbox` printed (http://127.0.0.1:<port>/client/v4)",
      );
    }
    await next();
  };
}

/**
 * The control plane moves the clock and injects faults, so a web page open on the same machine
 * must not reach it: a browser marks every cross-site request with its Origin, and a cross-site
 * form or `text/plain` POST is the one kind it sends without asking first. Only JSON bodies and
 * no foreign Origin are accepted.
 */
export function sameMachineJsonOnly(refuse: Refusal): MiddlewareHandler {
  return async (c, next) => {
    const origin = c.req.header("origin");
    if (origin !== undefined && !isOwnOrigin(origin, c.req.header("host"))) {
      return refuse(
        c.req.path,
        403,
        "the sandbox control plane refuses cross-origin requests (a web page cannot move its clock or inject faults). Fix: call it from a script or test, without an Origin header",
      );
    }
    const type = c.req.header("content-type");
    const hasBody =
      type !== undefined || (c.req.header("content-length") ?? "0") !== "0" || c.req.header("transfer-encoding") !== undefined;
    if (hasBody && !/^application\/json\s*(;|$)/i.test(type ?? "")) {
      return refuse(
        c.req.path,
        415,
        "the sandbox control plane accepts only JSON bodies. Fix: send Content-Type: application/json with a JSON body",
      );
    }
    await next();
  };
}
