import { CLOUDFLARE_API_BASE } from "../cloudflare/client";
import { isLoopbackHost } from "../cloudflare/http";
import { announcementFile, readAnnouncements, type SandboxAnnouncement } from "../sandbox/announcement";
import { sandboxControlUrl, type EngineKind } from "./build-pipeline";
import { readCredential } from "./credential";
import { UsageError } from "./errors";
import { ENDPOINT_REMEDY, inspectBaseUrl } from "../verify/endpoint";

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
    const apiBase = realApiBase(options.apiBase, env, progress);
    return { apiBase, provisionerToken: readCredential(env, options.provisionerTokenEnv, "--provisioner-token-env") };
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

/**
 * The API base of a real run, checked as verify checks it (verify/endpoint.ts) before the
 * provisioner credential goes anywhere: https (http only to this machine), no credentials, query or
 * account path in it. A base that is not Cloudflare's own host is named in the output, so a
 * changed CLOUDFLARE_BASE_URL in a CI environment is seen.
 */
function realApiBase(
  flag: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
  progress: (line: string) => void,
): string {
  const source = flag !== undefined ? "--api-base" : env.CLOUDFLARE_BASE_URL ? "CLOUDFLARE_BASE_URL" : undefined;
  if (source === undefined) return CLOUDFLARE_API_BASE;
  const apiBase = flag ?? env.CLOUDFLARE_BASE_URL!;
  const problem = inspectBaseUrl(apiBase);
  if (problem) {
    throw new UsageError(
      `${source} ${shownUrl(apiBase)}: ${problem.check.detail}, so the provisioner credential is not sent there. Fix: ${problem.check.remedy ?? ENDPOINT_REMEDY}${source === "CLOUDFLARE_BASE_URL" ? " (or unset CLOUDFLARE_BASE_URL)" : ""}`,
    );
  }
  const host = new URL(apiBase).hostname;
  if (host !== new URL(CLOUDFLARE_API_BASE).hostname) {
    progress(`API: ${shownUrl(apiBase)} (from ${source}) is not Cloudflare's API host; the provisioner credential is sent to ${host}`);
  }
  return apiBase;
}

/** A URL as messages may show it: no credentials, query or fragment. */
function shownUrl(raw: string): string {
  try {
    const url = new URL(raw);
    return `${url.protocol}//${url.host}${url.pathname}`;
  } catch {
    return JSON.stringify(raw.length > 80 ? `${raw.slice(0, 77)}...` : raw);
  }
}

function fromAnnouncement(sandbox: SandboxAnnouncement, progress: (line: string) => void): ApiTarget {
  progress(`sandbox: ${sandbox.baseUrl} (from ${announcementFile()}), with its provisioner credential`);
  return { apiBase: sandbox.baseUrl, provisionerToken: sandbox.provisionerToken, controlUrl: sandbox.controlUrl };
}
