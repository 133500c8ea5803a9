import { ConfigError } from "../config/schema";
import { BaseError } from "../diff/base";
import { PlanError } from "../plan/plan";
import { ResolutionError } from "../program/resolve";
import { RegistrationConfigError } from "../registration";

/** A mistake in how cfct was called: exit code 1 with the message, no stack trace. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** Exit codes: 0 ok, 1 usage/config error, 2 the checked thing failed (e.g. a verify check). */
export const EXIT = { ok: 0, usage: 1, failed: 2 } as const;

export function exitCodeFor(error: unknown): number {
  const isConfigProblem = [UsageError, ConfigError, PlanError, ResolutionError, RegistrationConfigError, BaseError].some((kind) => error instanceof kind);
  return isConfigProblem ? EXIT.usage : EXIT.failed;
}

export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
