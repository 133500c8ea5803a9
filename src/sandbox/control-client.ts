import type { z } from "zod";
import type { PacingClock } from "../cloudflare/pacing";
import { CONTROL_TOKEN_HEADER } from "./http/control-token";
import type { faultSchema } from "./faults";
import { NothingChangedError } from "../domain/run-errors";

/** A client of the sandbox's control plane (`/__sandbox`), for the rehearsal engine, the demo and tests. */

/**
 * Where one sandbox's control plane is and the token it demands: `startSandbox` returns it, `cfct
 * sandbox` records it in ~/.cfct/sandbox.json. The token is a secret: never shown in any message.
 */
export interface SandboxControl {
  readonly url: string;
  readonly token: string;
}

/** One control-plane request with the control token; `route` is the part after /__sandbox. */
export async function controlFetch(control: SandboxControl, route: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set(CONTROL_TOKEN_HEADER, control.token);
  return fetch(`${control.url}${route}`, { ...init, headers });
}

/** The sandbox's clock: rehearsed expiry and grace windows follow it, and it can be fast-forwarded. */
export async function readClock(control: SandboxControl): Promise<Date> {
  const body = (await controlGet(control, "/clock")) as { now?: string };
  if (!body.now) throw new Error(`the sandbox control plane at ${control.url} did not report its clock`);
  return new Date(body.now);
}

/** Which run of the sandbox answers: a new ID on every start, so a rehearsal notices a restart (its tokens went with it). It is also the ID of the sandbox's clock, which evidence on that clock records. */
export interface SandboxInstance {
  readonly instance: string;
  readonly startedAt: string;
}

export async function readInstance(control: SandboxControl): Promise<SandboxInstance> {
  const body = (await controlGet(control, "/instance")) as Partial<SandboxInstance>;
  if (!body.instance || !body.startedAt) throw new Error(`the sandbox control plane at ${control.url} did not say which sandbox it is`);
  return { instance: body.instance, startedAt: body.startedAt };
}

async function controlGet(control: SandboxControl, route: string): Promise<unknown> {
  let response: Response;
  try {
    response = await controlFetch(control, route);
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string; errors?: { code?: string }[] } }).cause;
    const reason = cause?.code ?? cause?.errors?.[0]?.code ?? cause?.message ?? (error as Error).message;
    throw new NothingChangedError(
      {
        summary: `no Cloudflare API sandbox answers at ${control.url} (${reason})`,
        fix: "start one with `cfct sandbox` in another terminal, then run this command again without --api-base (it finds the sandbox), or pass the baseUrl it printed as --api-base",
      },
      { cause: error },
    );
  }
  if (!response.ok)
    throw new Error(`the sandbox control plane at ${control.url} answered ${response.status} for ${route}${await reason(response)}`);
  return response.json();
}

/** The control plane's own explanation of a refusal (it names the fix; it never contains the token). */
async function reason(response: Response): Promise<string> {
  const body = (await response.json().catch(() => ({}))) as { error?: unknown };
  return typeof body.error === "string" ? `: ${body.error}` : "";
}

export async function advanceClock(control: SandboxControl, seconds: number): Promise<void> {
  await changeClock(control, { advanceSeconds: seconds });
}

/** Stops the sandbox's clock (it then moves only when advanced), or restarts it. */
export async function freezeClock(control: SandboxControl, frozen = true): Promise<void> {
  await changeClock(control, { frozen });
}

const jsonBody = (body: unknown): RequestInit => ({
  headers: { "content-type": "application/json" },
  body: JSON.stringify(body),
});

async function changeClock(control: SandboxControl, change: { advanceSeconds?: number; frozen?: boolean }): Promise<void> {
  const response = await controlFetch(control, "/clock", { method: "POST", ...jsonBody(change) });
  if (!response.ok)
    throw new Error(`the sandbox refused the clock change ${JSON.stringify(change)}: ${response.status} ${await response.text()}`);
}

/** Queues a fault (5xx, 429, latency, reset, malformed body) for the sandbox's API to answer with. */
export async function injectFault(control: SandboxControl, fault: z.input<typeof faultSchema>): Promise<void> {
  const response = await controlFetch(control, "/faults", { method: "POST", ...jsonBody(fault) });
  if (response.status !== 201)
    throw new Error(`the sandbox refused the fault ${JSON.stringify(fault)}: ${response.status} ${await response.text()}`);
}

/** Changes the fixture user's roles on an account, as a Super Administrator would in the dashboard. */
export async function setMemberRoles(control: SandboxControl, accountId: string, roles: readonly string[]): Promise<void> {
  const response = await controlFetch(control, `/memberships/${accountId}/roles`, { method: "PUT", ...jsonBody({ roles }) });
  if (!response.ok) throw new Error(`the sandbox refused the roles ${JSON.stringify(roles)}: ${response.status} ${await response.text()}`);
}

/** Drops every queued fault. */
export async function clearFaults(control: SandboxControl): Promise<void> {
  const response = await controlFetch(control, "/faults", { method: "DELETE" });
  if (!response.ok) throw new Error(`the sandbox did not clear its faults: ${response.status}`);
}

/**
 * Pacing time for rehearsals that must not wait for real: sleeping moves the sandbox's clock
 * forward instead (and this clock with it), so a rate-limit window passes at once. Sleeps are taken
 * one after another, so callers waiting for the same moment advance the clock once.
 */
export interface SimulatedPacingClock extends PacingClock {
  /** Seconds the sandbox's clock was moved forward by this clock's sleeps. */
  readonly skippedSeconds: () => number;
}

export function sandboxPacingClock(control: SandboxControl): SimulatedPacingClock {
  let skippedMs = 0;
  let queue: Promise<void> = Promise.resolve();
  const now = () => Date.now() + skippedMs;
  return {
    now,
    skippedSeconds: () => skippedMs / 1000,
    sleepUntil(ms) {
      const turn = queue.then(async () => {
        const wait = ms - now();
        if (wait <= 0) return;
        await advanceClock(control, wait / 1000);
        skippedMs += wait;
      });
      queue = turn.catch(() => undefined);
      return turn;
    },
  };
}
