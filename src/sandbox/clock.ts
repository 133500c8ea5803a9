import { randomUUID } from "node:crypto";

/**
 * The sandbox's notion of now: real time plus an offset the control plane can advance, so token
 * expiry, not_before and rotation can be rehearsed without waiting. It never goes backwards.
 * Frozen, it stands still until advanced: tests then decide whether two uses share a second
 * (Cloudflare's `last_used_on` has second precision) instead of the machine's speed deciding it.
 */
export class SandboxClock {
  /** Which sandbox's clock this is: evidence records it, so two sandboxes' times are never drawn on one timeline. */
  readonly instance = randomUUID();
  private offsetMs = 0;
  private frozenAtMs: number | undefined;

  now(): Date {
    return new Date(this.frozenAtMs ?? Date.now() + this.offsetMs);
  }

  advance(seconds: number): Date {
    if (!Number.isFinite(seconds) || seconds < 0) throw new RangeError(`advanceSeconds must be a number ≥ 0, got ${seconds}`);
    this.offsetMs += seconds * 1000;
    if (this.frozenAtMs !== undefined) this.frozenAtMs += seconds * 1000;
    return this.now();
  }

  /** Stops (true) or restarts (false) the clock at its current reading; either way it never goes back. */
  setFrozen(frozen: boolean): Date {
    if (frozen) this.frozenAtMs ??= Date.now() + this.offsetMs;
    else if (this.frozenAtMs !== undefined) {
      // Resume from the frozen reading: real time moved on meanwhile, so the offset shrinks by as much.
      this.offsetMs = this.frozenAtMs - Date.now();
      this.frozenAtMs = undefined;
    }
    return this.now();
  }

  get frozen(): boolean {
    return this.frozenAtMs !== undefined;
  }

  get offsetSeconds(): number {
    return this.offsetMs / 1000;
  }
}
