import { z } from "zod";
import { datadogConfigSchema } from "./datadog";
import { drataStatusConfigSchema } from "./drata-status";
import { ENV_NAME, SECRET_ENV_KEYS } from "./fields";
import { handoffConfigSchema } from "./handoff";
import { webhookConfigSchema } from "./webhook";

/** Add-ons any registrar may carry. */
const addOns = {
  drataStatus: drataStatusConfigSchema
    .optional()
    .describe("Drata connections only: confirm pickup through Drata's public API (GET /public/connections)."),
};

/**
 * `registration` of one connection: how its tokens reach the platform. One variant per registrar
 * module; a new registrar adds its config schema here and its factory in src/registration/index.ts.
 */
export const registrationSchema = z.discriminatedUnion(
  "kind",
  [handoffConfigSchema.extend(addOns), webhookConfigSchema.extend(addOns), datadogConfigSchema.extend(addOns)],
  {
    error: (issue) => {
      if (issue.code !== "invalid_union") return undefined;
      const kind = (issue.input as { kind?: unknown } | undefined)?.kind;
      return `${kind === undefined ? "is required" : "is not a registrar"}. Fix: use kind: handoff (the default), kind: webhook or kind: datadog`;
    },
  },
);

export const DEFAULT_REGISTRATION = { kind: "handoff" } as const;

export type RegistrationSettings = z.output<typeof registrationSchema>;

export interface RegistrationProblem {
  readonly path: readonly PropertyKey[];
  readonly value: unknown;
  readonly message: string;
}

/** Cross-field rules the zod schema cannot express; paths are relative to the connection. */
export function registrationProblems(platformKey: string, registration: RegistrationSettings): RegistrationProblem[] {
  if (registration.kind === "datadog" && platformKey !== "datadog") {
    return [
      {
        path: ["registration", "kind"],
        value: registration.kind,
        message: `registers the token with Datadog's Cloudflare integration, but this connection's platform is ${platformKey}. Fix: use kind: datadog only on datadog connections (handoff or webhook here)`,
      },
    ];
  }
  if (registration.drataStatus && platformKey !== "drata") {
    return [
      {
        path: ["registration", "drataStatus"],
        value: registration.drataStatus,
        message: `checks a Drata connection, but this connection's platform is ${platformKey}. Fix: remove drataStatus here; it is allowed only on drata connections (${platformKey} has no public API to check)`,
      },
    ];
  }
  return [];
}

/**
 * What a config error may print of a value under `registration`. Objects are never printed (see
 * formatValue in ../schema), but a string that does not look like what its key wants (an
 * env-var *name*, a URL without credentials) is hidden: people do paste the secret itself, and
 * error text ends up in CI logs.
 */
export function redactConfigValue(path: readonly PropertyKey[], value: unknown): unknown {
  if (!path.includes("registration")) return value;
  const key = String(path[path.length - 1]);
  // zod reports an unmatched discriminator with the whole object as its input: show the kind itself.
  const shown = key === "kind" && value !== null && typeof value === "object" ? (value as { kind?: unknown }).kind : value;
  return hideSecretString(shown, key);
}

function hideSecretString(value: unknown, key: string): unknown {
  if (typeof value !== "string") return value;
  if (SECRET_ENV_KEYS.includes(key)) return ENV_NAME.test(value) ? value : "(hidden: not an environment variable name)";
  if (key === "url" || key === "baseUrl" || (key === "site" && /^[a-z][a-z0-9+.-]*:/i.test(value))) {
    try {
      const url = new URL(value);
      if (url.username || url.password) return "(hidden: the URL carries credentials)";
      return url.search ? `${url.origin}${url.pathname}?(query hidden)` : value;
    } catch {
      return value.length > 40 ? "(hidden)" : value;
    }
  }
  return value;
}
