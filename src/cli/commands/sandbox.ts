import path from "node:path";
import type { Command } from "commander";
import {
  FixtureError,
  parseBehaviourAssignment,
  parseRateLimit,
  PortInUseError,
  startSandbox,
  type BehaviourOverrides,
  type RateLimitSettings,
} from "../../sandbox";
import { BehaviourFileError, behaviourOverrides, readBehaviourFile } from "../../parity/behaviour-file";
import { announce, announcementFile, withdraw } from "../../sandbox/announcement";
import { UsageError } from "../errors";

function wholeNumber(flag: string, max: number) {
  return (raw: string): number => {
    const value = Number(raw);
    if (!/^\d+$/.test(raw) || value > max) throw new UsageError(`${flag} must be a whole number from 0 to ${max}, got "${raw}"`);
    return value;
  };
}

function collectBehaviour(raw: string, previous: BehaviourOverrides): BehaviourOverrides {
  try {
    return { ...previous, ...parseBehaviourAssignment(raw) };
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function recordedBehaviours(file: string): BehaviourOverrides {
  try {
    return behaviourOverrides(readBehaviourFile(path.resolve(file)));
  } catch (error) {
    if (error instanceof BehaviourFileError) throw new UsageError(error.message);
    throw error;
  }
}

function rateLimitFlag(raw: string): RateLimitSettings {
  try {
    return parseRateLimit(raw, "--rate-limit");
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** Resolves when the process is asked to stop (SIGTERM from a supervisor, SIGINT from Ctrl-C). */
function stopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off("SIGTERM", stop);
      process.off("SIGINT", stop);
      resolve(signal);
    };
    process.on("SIGTERM", stop);
    process.on("SIGINT", stop);
  });
}

export function registerSandbox(program: Command): void {
  program
    .command("sandbox")
    .description(
      "Run a local Cloudflare v4 API sandbox. Prints one JSON line {baseUrl, controlUrl, provisionerToken} on stdout when ready, records it with the control plane's token (controlToken, printed nowhere) in ~/.cfct/sandbox.json (0600, beside any other running sandbox) for rehearsals (`cfct up --engine sandbox`), then logs requests to stderr until SIGTERM/SIGINT.",
    )
    .option("--port <n>", "port on 127.0.0.1 (0 picks a free one)", wholeNumber("--port", 65535), 0)
    .option("--fixture <file>", "a JSON or YAML fixture instead of the default (Acme Corp, Acme Labs, 12 zones)")
    .option(
      "--accounts <n>",
      "generate this many extra accounts, each a membership of the fixture's user with role Administrator (a fleet)",
      wholeNumber("--accounts", 10_000),
      0,
    )
    .option("--zones <n>", "generate this many extra zones, spread over every account", wholeNumber("--zones", 1_000_000), 0)
    .option(
      "--rate-limit <requests>/<seconds>",
      "every principal's budget (default: the fixture's rate_limit, else Cloudflare's 1200/300)",
      rateLimitFlag,
    )
    .option(
      "--behaviour <name=value>",
      "behave one named way where Cloudflare's behaviour is disputed (repeatable; see src/sandbox/FIDELITY.md)",
      collectBehaviour,
      {},
    )
    .option("--behaviour-file <file>", "behave as a recorded Cloudflare did (a file from cfct sandbox-parity); --behaviour flags win")
    .action(
      async (options: {
        port: number;
        fixture?: string;
        accounts: number;
        zones: number;
        rateLimit?: RateLimitSettings;
        behaviour: BehaviourOverrides;
        behaviourFile?: string;
      }) => {
        const log = (line: string) => process.stderr.write(`${line}\n`);
        const behaviours = { ...(options.behaviourFile ? recordedBehaviours(options.behaviourFile) : {}), ...options.behaviour };
        let sandbox;
        try {
          sandbox = await startSandbox({
            port: options.port,
            fixture: options.fixture && path.resolve(options.fixture),
            accounts: options.accounts,
            zones: options.zones,
            ...(options.rateLimit ? { rateLimit: options.rateLimit } : {}),
            behaviours,
            log,
          });
        } catch (error) {
          if (error instanceof FixtureError || error instanceof PortInUseError) throw new UsageError(error.message);
          throw error;
        }
        // Listen before announcing readiness: whoever reads the ready line may signal at once.
        const stopped = stopSignal();
        // The one place a token value is printed, by design: it is a sandbox credential, and the line is for machines.
        // The control token is not: whoever holds it moves the clock and injects faults, so it stays in the 0600 file.
        const ready = { baseUrl: sandbox.baseUrl, controlUrl: sandbox.control.url, provisionerToken: sandbox.provisionerToken };
        const others = announce({ ...ready, controlToken: sandbox.control.token, pid: process.pid });
        process.stdout.write(`${JSON.stringify(ready)}\n`);
        log(
          `cfct sandbox: ${sandbox.fixture.accounts.length} account(s), ${sandbox.fixture.zones.length} zone(s), ${sandbox.rateLimit.requests} requests per ${sandbox.rateLimit.windowSeconds} s per principal at ${sandbox.baseUrl} (recorded in ${announcementFile()}, with the control plane's token as controlToken)`,
        );
        if (others.length > 0)
          log(
            `cfct sandbox: ${others.length} other sandbox(es) still run (${others.map((o) => `pid ${o.pid} at ${o.baseUrl}`).join("; ")}), each kept in the record: a rehearsal now needs --api-base to say which one it means`,
          );
        const signal = await stopped;
        withdraw(process.pid);
        await sandbox.close();
        log(`cfct sandbox: stopped (${signal})`);
      },
    );
}
