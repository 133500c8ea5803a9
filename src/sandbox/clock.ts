/**
 * The sandbox's notion of now: real time plus an offset the control plane can advance, so token
 * expiry, not_before and rotation can be rehearsed without waiting. It never goes backwards.
 */
export class SandboxClock {
  private offsetMs = 0;

  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }

  advance(seconds: number): Date {
    if (!Number.isFinite(seconds) || seconds < 0) throw new RangeError(`advanceSeconds must be a number ≥ 0, got ${seconds}`);
    this.offsetMs += seconds * 1000;
    return this.now();
  }

  get offsetSeconds(): number {
    return this.offsetMs / 1000;
  }
}

/** RFC 3339 with second precision, the form Cloudflare returns for token timestamps. */
export function rfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}
