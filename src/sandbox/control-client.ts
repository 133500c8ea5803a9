import type { z } from "zod";
import type { PacingClock } from "../cloudflare/pacing";
import type { faultSchema } from "./faults";

/** A client of the sandbox's control plane (`/__sandbox`), for the rehearsal engine, the demo and tests. */

/** The sandbox's clock: rehearsed expiry and grace windows follow it, and it can be fast-forwarded. */
export async function readClock(controlUrl: string): Promise<Date> {
  const body = await clockState(controlUrl);
  if (!body.now) throw new Error(`the sandbox control plane at ${controlUrl} did not report its clock`);
  return new Date(body.now);
}

/** Which sandbox's clock that is (a new one per sandbox): evidence on it says so. */
export async function readClockInstance(controlUrl: string): Promise<string> {
  const body = await clockState(controlUrl);
  if (!body.instance) throw new Error(`the sandbox control plane at ${controlUrl} did not say which clock it keeps`);
  return body.instance;
}

async function clockState(controlUrl: string): Promise<{ now?: string; instance?: string }> {
  let response: Response;
  try {
    response = await fetch(`${controlUrl}/clock`);
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string; errors?: { code?: string }[] } }).cause;
    const reason = cause?.code ?? cause?.errors?.[0]?.code ?? cause?.message ?? (error as Error).message;
    throw new Error(
      `no Cloudflare API sandbox answers at ${controlUrl} (${reason}). Fix: start one with \`cfct sandbox\` in another terminal, then run this command again without --api-base (it finds the sandbox), or pass the baseUrl it printed as --api-base`,
      { cause: error },
    );
  }
  if (!response.ok) throw new Error(`the sandbox control plane at ${controlUrl} answered ${response.status} for /clock`);
  return (await response.json()) as { now?: string; instance?: string };
}

export async function advanceClock(controlUrl: string, seconds: number): Promise<void> {
  await changeClock(controlUrl, { advanceSeconds: seconds });
}

/** Stops the sandbox's clock (it then moves only when advanced), or restarts it. */
export async function freezeClock(controlUrl: string, frozen = true): Promise<void> {
  await changeClock(controlUrl, { frozen });
}

async function changeClock(controlUrl: string, change: { advanceSeconds?: number; frozen?: boolean }): Promise<void> {
  const response = await fetch(`${controlUrl}/clock`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(change),
  });
  if (!response.ok)
    throw new Error(`the sandbox refused the clock change ${JSON.stringify(change)}: ${response.status} ${await response.text()}`);
}

/** Queues a fault (5xx, 429, latency, reset, malformed body) for the sandbox's API to answer with. */
export async function injectFault(controlUrl: string, fault: z.input<typeof faultSchema>): Promise<void> {
  const response = await fetch(`${controlUrl}/faults`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(fault),
  });
  if (response.status !== 201)
    throw new Error(`the sandbox refused the fault ${JSON.stringify(fault)}: ${response.status} ${await response.text()}`);
}

/** Changes the fixture user's roles on an account, as a Super Administrator would in the dashboard. */
export async function setMemberRoles(controlUrl: string, accountId: string, roles: readonly string[]): Promise<void> {
  const response = await fetch(`${controlUrl}/memberships/${accountId}/roles`, {
    method: "PUT",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ roles }),
  });
  if (!response.ok) throw new Error(`the sandbox refused the roles ${JSON.stringify(roles)}: ${response.status} ${await response.text()}`);
}

/** Drops every queued fault. */
export async function clearFaults(controlUrl: string): Promise<void> {
  const response = await fetch(`${controlUrl}/faults`, { method: "DELETE" });
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

export function sandboxPacingClock(controlUrl: string): SimulatedPacingClock {
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
        await advanceClock(controlUrl, wait / 1000);
        skippedMs += wait;
      });
      queue = turn.catch(() => undefined);
      return turn;
    },
  };
}
