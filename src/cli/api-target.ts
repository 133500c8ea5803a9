import { CLOUDFLARE_API_BASE, normalizeBaseUrl } from "../cloudflare/client";
import { isLoopbackHost } from "../cloudflare/http";
import { announcementFile, readAnnouncements, type Announcements, type SandboxAnnouncement } from "../sandbox/announcement";
import type { SandboxControl } from "../sandbox/control-client";
import type { EngineKind } from "./build-pipeline";
import { readCredential } from "./credential";
import { UsageError } from "./errors";
import { ENDPOINT_REMEDY, inspectBaseUrl } from "../verify/endpoint";

/** What every client of one command talks to, and with which credential. */
export interface ApiTarget {
  readonly apiBase: string;
  readonly provisionerToken: string;
  /** The sandbox's control plane (clock, instance) and its token: a rehearsal's only. */
  readonly sandboxControl?: SandboxControl;
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

/** One base however it was spelled (a trailing slash or not), as the client that calls it normalises it. */
const sameBase = (a: string, b: string) => normalizeBaseUrl(a) === normalizeBaseUrl(b);

/**
 * The one way every command finds its API and credential (up, preview, destroy, rotate, verify,
 * audit, doctor; every client each builds). A rehearsal (`--engine sandbox`) talks to a sandbox on
 * this machine only: the one at --api-base, or the running `cfct sandbox` (~/.cfct/sandbox.json),
 * with that sandbox's own provisioner credential and control token, both from its entry there. A
 * rehearsal reads no credential from the environment (--provisioner-token-env may name a variable
 * holding a real Cloudflare credential) and ignores CLOUDFLARE_BASE_URL. Every credential a real run
 * reads from the environment passes the one rule of readCredential.
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
      throw new UsageError({ summary: `--api-base ${options.apiBase} is not a URL`, fix: `pass the baseUrl \`cfct sandbox\` printed` });
    }
    if (!isLoopbackHost(host)) {
      throw new UsageError({
        summary: `--engine sandbox rehearses against a sandbox on this machine only, and --api-base ${options.apiBase} is not on it`,
        fix: `pass the baseUrl \`cfct sandbox\` printed, or drop --engine sandbox to deploy for real`,
      });
    }
    const sandbox = announced.running.find((s) => sameBase(s.baseUrl, options.apiBase!));
    if (sandbox) return fromAnnouncement(sandbox, progress);
    throw new UsageError({
      summary: `--engine sandbox takes the credential of the sandbox at --api-base ${options.apiBase} from its entry in ${announcementFile()}, and ${whyUnusable(announced, options.apiBase)}; a rehearsal never reads ${options.provisionerTokenEnv}, which may hold a real Cloudflare credential`,
      fix: `start the sandbox with \`cfct sandbox\` and pass the baseUrl it printed`,
    });
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
  throw new UsageError({
    summary: `--engine sandbox needs a running sandbox, and ${whyUnusable(announced)}`,
    fix: `run ${START_REHEARSAL}; or pass a sandbox's baseUrl as --api-base`,
  });
}

/** Why no usable entry (for `baseUrl`, when given) is in the announcement file. */
function whyUnusable(announced: Announcements, baseUrl?: string): string {
  const file = announcementFile();
  const matching = <T extends { baseUrl: string }>(entries: readonly T[]) =>
    baseUrl === undefined ? entries : entries.filter((s) => sameBase(s.baseUrl, baseUrl));
  const pids = (entries: readonly { pid: number }[]) => entries.map((s) => s.pid).join(", ");
  if (announced.invalid !== undefined) return `${file} is unreadable (${announced.invalid})`;
  const outdated = matching(announced.outdated);
  if (outdated.length > 0)
    return `${file} names a sandbox (pid ${pids(outdated)}) started by an older cfct, without the controlToken its control plane now demands (restart it)`;
  const stale = matching(announced.stale);
  if (stale.length > 0) return `${file} names a sandbox (pid ${pids(stale)}) that is no longer running`;
  return baseUrl === undefined ? "no `cfct sandbox` is running" : "no running `cfct sandbox` is recorded there for it";
}

/**
 * The API base of a real run (every command but a rehearsal; `cfct sandbox-parity` too): --api-base,
 * else CLOUDFLARE_BASE_URL, else Cloudflare's. Checked as verify checks it (verify/endpoint.ts)
 * before the provisioner credential goes anywhere: https (http only to this machine), no
 * credentials, query or account path in it. A base that is not Cloudflare's own host is named in
 * the output, so a changed CLOUDFLARE_BASE_URL in a CI environment is seen.
 */
export function realApiBase(
  flag: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
  progress: (line: string) => void,
): string {
  const source = flag !== undefined ? "--api-base" : env.CLOUDFLARE_BASE_URL ? "CLOUDFLARE_BASE_URL" : undefined;
  if (source === undefined) return CLOUDFLARE_API_BASE;
  const apiBase = flag ?? env.CLOUDFLARE_BASE_URL!;
  const problem = inspectBaseUrl(apiBase);
  if (problem) {
    throw new UsageError({
      summary: `${source} ${shownUrl(apiBase)}: ${problem.check.detail}, so the provisioner credential is not sent there`,
      fix: `${problem.check.remedy ?? ENDPOINT_REMEDY}${source === "CLOUDFLARE_BASE_URL" ? " (or unset CLOUDFLARE_BASE_URL)" : ""}`,
    });
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
  return {
    apiBase: sandbox.baseUrl,
    provisionerToken: sandbox.provisionerToken,
    sandboxControl: { url: sandbox.controlUrl, token: sandbox.controlToken },
  };
}
