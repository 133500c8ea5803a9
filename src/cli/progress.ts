import type { ProgressStatus } from "../automation/pipeline";
import { describeBudget, PROVISIONER_USER, type BudgetStatus, type PacingEvent } from "../cloudflare/pacing";
import { rfc3339 } from "../domain/time";

/** Where a long run's output goes: log lines, and the registration status after each token. */
export interface ProgressOutput {
  line(text: string): void;
  status(status: ProgressStatus): void;
}

function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m} min ${s % 60} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** `12/401 tokens · verify and register · 812 of 1200 requests left, next window in 2 min 3 s · ETA 4 min 10 s` */
export function formatProgressStatus(status: ProgressStatus, budget: BudgetStatus, elapsedSeconds: number): string {
  const parts = [`${status.done}/${status.total} tokens`, status.step];
  if (budget.remaining !== undefined) {
    const left = `${budget.remaining}${budget.quota !== undefined ? ` of ${budget.quota}` : ""} requests left`;
    parts.push(budget.resetsInSeconds !== undefined ? `${left}, next window in ${duration(budget.resetsInSeconds)}` : left);
  }
  if (status.done > 0 && status.done < status.total)
    parts.push(`ETA ${duration((elapsedSeconds / status.done) * (status.total - status.done))}`);
  return parts.join(" · ");
}

/**
 * On a TTY the status is one line rewritten in place below the log; elsewhere (CI, a pipe) it is
 * one line per token, so logs stay greppable.
 */
export function progressOutput(stream: NodeJS.WriteStream, budget: () => BudgetStatus, clock: () => number = Date.now): ProgressOutput {
  const started = clock();
  let shown: string | undefined;
  const clear = "\r\x1b[2K";
  return {
    line(text) {
      if (stream.isTTY && shown !== undefined) stream.write(`${clear}${text}\n${shown}`);
      else stream.write(`${text}\n`);
    },
    status(status) {
      const text = formatProgressStatus(status, budget(), (clock() - started) / 1000);
      if (!stream.isTTY) {
        stream.write(`${text}\n`);
        return;
      }
      const finished = status.done === status.total;
      stream.write(`${clear}${text}${finished ? "\n" : ""}`);
      shown = finished ? undefined : text;
    },
  };
}

/** A wait for rate-limit budget, said once per wait with when the run resumes. */
export function pacingLine(event: PacingEvent): string {
  const who = event.principal === PROVISIONER_USER ? "the provisioner's user" : event.principal;
  const resumes = rfc3339(new Date(Math.ceil(event.resumesAt / 1000) * 1000));
  return event.kind === "blocked"
    ? `rate limit: Cloudflare refused a request of ${who} (HTTP 429), which blocks it until ${resumes} (${event.retryAfterGiven ? "its retry-after" : "no retry-after: Cloudflare's documented 5-minute block"}); cfct resumes then`
    : `rate limit: ${who} has sent its budget of ${describeBudget(event.budget)} (counted by cfct); it sends again from ${resumes}, as earlier requests leave the window`;
}
