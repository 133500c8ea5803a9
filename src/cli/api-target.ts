import { CLOUDFLARE_API_BASE } from "../cloudflare/client";
import { isLoopbackHost } from "../cloudflare/http";
import { announcementFile, readAnnouncements, type SandboxAnnouncement } from "../sandbox/announcement";
import { sandboxControlUrl, type EngineKind } from "./build-pipeline";
import { readCredential } from "./credential";
import { UsageError } from "./errors";

/** What every client of one command talks to, and with which credential. */
export interface ApiTarget {
  readonly apiBase: string;
  readonly provisionerToken: string;
  /** The sandbox's control plane (clock, instance): a rehearsal's only. */
  readonly controlUrl?: string;
}

export interface ApiTargetOptions {
  readonly engine: EngineKind;
  /** `--api-base`, when given. */
  readonly apiBase?: string;
  /** The variable holding the provisioner credential (`--provisioner-token-env`, default CLOUDFLARE_API_TOKEN). */
  readonly provisionerTokenEnv: string;
}

/** What the two commands of a rehearsal are, for messages that must say how to start one. */
const START_REHEARSAL = "`cfct sandbox` (leave it running in another terminal), then `cfct up --stack <env> --engine sandbox`";

const sameBase = (a: string, b: string) => a.replace(/\/+$/, "") === b.replace(/\/+$/, "");

/**
 * The one way every command finds its API and credential (up, preview, destroy, rotate, verify,
 * audit, doctor; every client each builds). A rehearsal (`--engine sandbox`) talks to a sandbox on
 * this machine only: the one at --api-base, or the running `cfct sandbox` (~/.cfct/sandbox.json),
 * with that sandbox's own provisioner credential, so a real credential in the environment is never
 * sent anywhere; CLOUDFLARE_BASE_URL is ignored. Only a sandbox started some other way (in-process,
 * not announced) takes its credential from the environment variable. Every credential read from the
 * environment passes the one rule of readCredential.
 */
export function resolveApiTarget(
  options: ApiTargetOptions,
  progress: (line: string) => void,
  env: Readonly<Record<string, string | undefined>> = process.env,
): ApiTarget {
  if (options.engine !== "sandbox") {
    return {
      apiBase: options.apiBase ?? env.CLOUDFLARE_BASE_URL ?? CLOUDFLARE_API_BASE,
      provisionerToken: readCredential(env, options.provisionerTokenEnv, "--provisioner-token-env"),
    };
  }
  const announced = readAnnouncements();
  if (options.apiBase !== undefined) {
    let host: string;
    try {
      host = new URL(options.apiBase).hostname;
    } catch {
      throw new UsageError(`--api-base ${options.apiBase} is not a URL. Fix: pass the baseUrl \`cfct sandbox\` printed`);
    }
    if (!isLoopbackHost(host)) {
      throw new UsageError(
        `--engine sandbox rehearses against a sandbox on this machine only, and --api-base ${options.apiBase} is not on it. Fix: pass the baseUrl \`cfct sandbox\` printed, or drop --engine sandbox to deploy for real`,
      );
    }
    const sandbox = announced.running.find((s) => sameBase(s.baseUrl, options.apiBase!));
    if (sandbox) return fromAnnouncement(sandbox, progress);
    progress(`sandbox: ${options.apiBase}, with the credential in ${options.provisionerTokenEnv} (it is not a running \`cfct sandbox\`)`);
    return {
      apiBase: options.apiBase,
      provisionerToken: readCredential(
        env,
        options.provisionerTokenEnv,
        "--provisioner-token-env",
        "the provisioner credential of that sandbox (the provisionerToken it printed)",
      ),
      controlUrl: sandboxControlUrl(options.apiBase),
    };
  }
  const [only, ...more] = announced.running;
  if (only && more.length === 0) return fromAnnouncement(only, progress);
  if (only) {
    throw new UsageError(
      `--engine sandbox found ${announced.running.length} running sandboxes in ${announcementFile()} (${announced.running
        .map((s) => `pid ${s.pid} at ${s.baseUrl}`)
        .join("; ")}) and will not guess. Fix: pass the one to use as --api-base <baseUrl>`,
    );
  }
  const why =
    announced.invalid !== undefined
      ? `${announcementFile()} is unreadable (${announced.invalid})`
      : announced.stale.length > 0
        ? `${announcementFile()} names a sandbox (pid ${announced.stale.map((s) => s.pid).join(", ")}) that is no longer running`
        : "no `cfct sandbox` is running";
  throw new UsageError(
    `--engine sandbox needs a running sandbox, and ${why}. Fix: run ${START_REHEARSAL}; or pass a sandbox's baseUrl as --api-base`,
  );
}

function fromAnnouncement(sandbox: SandboxAnnouncement, progress: (line: string) => void): ApiTarget {
  progress(`sandbox: ${sandbox.baseUrl} (from ${announcementFile()}), with its provisioner credential`);
  return { apiBase: sandbox.baseUrl, provisionerToken: sandbox.provisionerToken, controlUrl: sandbox.controlUrl };
}
