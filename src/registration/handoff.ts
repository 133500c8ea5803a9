import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  chmodSync,
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
  writeSync,
} from "node:fs";
import path from "node:path";
import type { HandoffField } from "../platforms";
import type { HandoffConfig } from "../config/registration/handoff";
import type { Registrar, RegistrarContext, RegistrationOutcome, RegistrationRequest } from "./types";
import { gitChildEnv } from "../process/child-env";

/**
 * The default registrar, because no compliance platform has an API to set a Cloudflare credential:
 * one Markdown sheet per token generation with exactly what the platform's UI asks for, readable
 * only by its owner. The outcome says where the sheet is, never what is in it.
 */
export function createHandoffRegistrar(config: HandoffConfig, ctx: RegistrarContext): Registrar {
  const refusalFor = (dir: string, file: string): string | undefined => {
    try {
      return gitRefusal(dir, file);
    } catch (error) {
      return `could not check whether ${dir} is inside a git work tree (${errorCode(error)}). Fix: set registration.dir (or CFCT_HANDOFF_DIR) to a directory you own outside any repository`;
    }
  };
  return {
    kind: "handoff",
    refusal(stack) {
      const refusalIn = (dir: string) => refusalFor(dir, path.join(dir, sheetFileName({ stack, tokenKey: "any", generation: 1 })));
      // A rehearsal writes its sheets apart, yet refuses what the real run would: the configured directory is checked too.
      const configured = handoffDir(config, stack, { ...ctx, rehearsal: false });
      const real = ctx.rehearsal ? refusalIn(configured) : undefined;
      if (real) return `${real} (a rehearsal writes its sheets to ${handoffDir(config, stack, ctx)}, but refuses what the real run would)`;
      return refusalIn(handoffDir(config, stack, ctx));
    },
    withdraw(request) {
      rmSync(path.join(handoffDir(config, request.stack, ctx), sheetFileName(request)), { force: true });
    },
    async register(request) {
      const at = () => ctx.now().toISOString();
      const dir = handoffDir(config, request.stack, ctx);
      const file = path.join(dir, sheetFileName(request));
      const refusal = refusalFor(dir, file);
      if (refusal) return outcome("failed", refusal, at(), undefined);
      try {
        const replaced = writeSecretFile(dir, file, renderSheet(request));
        const detail =
          `hand-off sheet for ${request.platform.displayName} written to ${file} (mode 0600${replaced ? ", replacing the earlier sheet of this generation" : ""}): ` +
          `follow it to enter the token in ${request.platform.displayName}, then delete it`;
        return outcome("handed-off", detail, at(), file);
      } catch (error) {
        return outcome(
          "failed",
          `could not write the hand-off sheet ${file} (${errorCode(error)}). Fix: make the directory writable by you, or set registration.dir`,
          at(),
          undefined,
        );
      }
    },
  };
}

/** Only the errno code: an fs error's message is safe, but nothing here needs more than the code. */
function errorCode(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === "string" ? code : "unexpected error";
}

function outcome(status: RegistrationOutcome["status"], detail: string, at: string, location: string | undefined): RegistrationOutcome {
  return { registrar: "handoff", status, detail, attempts: 1, at, ...(location ? { location } : {}) };
}

/**
 * Where sheets go: registration.dir, else $CFCT_HANDOFF_DIR, else ~/.cfct/handoff/<stack>. A
 * rehearsal's sheets hold sandbox tokens and must never mix with real ones: they go to
 * $CFCT_REHEARSAL_HANDOFF_DIR, else ~/.cfct/rehearsal/handoff/<stack>, whatever the stack configures.
 */
export function handoffDir(
  config: HandoffConfig,
  stack: string,
  ctx: Pick<RegistrarContext, "env" | "cwd" | "homedir" | "rehearsal">,
): string {
  const chosen = ctx.rehearsal
    ? (ctx.env.CFCT_REHEARSAL_HANDOFF_DIR ?? path.join(ctx.homedir, ".cfct", "rehearsal", "handoff", safeName(stack)))
    : (config.dir ?? ctx.env.CFCT_HANDOFF_DIR ?? path.join(ctx.homedir, ".cfct", "handoff", safeName(stack)));
  const expanded = chosen === "~" ? ctx.homedir : chosen.startsWith("~/") ? path.join(ctx.homedir, chosen.slice(2)) : chosen;
  return path.resolve(ctx.cwd, expanded);
}

export function sheetFileName(request: Pick<RegistrationRequest, "stack" | "tokenKey" | "generation">): string {
  return `${safeName(request.stack)}-${safeName(request.tokenKey)}-g${request.generation}.md`;
}

function safeName(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]/g, "_");
}

/** A stable connector name: the token's name without its generation, so a rotation edits the same connector. */
export function connectorName(request: Pick<RegistrationRequest, "tokenName">): string {
  return request.tokenName.replace(/ g\d+$/, "");
}

function fieldValue(field: HandoffField, request: RegistrationRequest): string {
  switch (field.source) {
    case "token":
      return request.value;
    case "apiBaseUrl":
      return request.apiBaseUrl;
    case "connectorName":
      return connectorName(request);
    case "accountId":
      return request.owner.kind === "account" ? request.owner.accountId : userTokenAccounts(request.accounts);
    case "expiresOn":
      return request.expiresOn ?? "never (this token has no expiry)";
  }
}

/** A user-owned token reads the connection's accounts; a platform that asks for one Account ID takes one connection per account. */
function userTokenAccounts(accounts: readonly string[] | undefined): string {
  if (!accounts || accounts.length === 0) return "(none: this token is user-owned and not tied to one account)";
  if (accounts.length === 1) return accounts[0]!;
  return `${accounts.join(", ")} (one per connection in the platform, if it takes a single Account ID)`;
}

function code(text: string): string {
  const fence = text.includes("`") ? "``" : "`";
  return `${fence}${fence.length > 1 ? " " : ""}${text}${fence.length > 1 ? " " : ""}${fence}`;
}

/** The sheet's Markdown. Pure, so tests can read it without touching the disk. */
export function renderSheet(request: RegistrationRequest): string {
  const { platform } = request;
  const name = connectorName(request);
  const owner = request.owner.kind === "account" ? `account-owned (account ${request.owner.accountId})` : "user-owned";
  const steps = platform.handoff.steps.map((step, i) => `${i + 1}. ${step.replaceAll("<connector name>", name)}`);
  const fields = platform.handoff.fields.map(
    (field) => `- **${field.label}**: ${code(fieldValue(field, request))}${field.hint ? `  \n  _${field.hint}_` : ""}`,
  );
  const lines = [
    `# ${platform.displayName} hand-off: ${request.connection}, stack ${request.stack}, generation ${request.generation}`,
    "",
    `> **Secret.** This sheet holds a live Cloudflare API token. It is readable only by you (mode 0600).`,
    `> Delete it as soon as the token is in ${platform.displayName}.`,
    "",
    `- Cloudflare token: ${request.tokenName} (ID ${request.tokenId}), ${owner}`,
    `- Expires: ${request.expiresOn ?? "never"}`,
    "",
  ];
  if (request.generation > 1) {
    lines.push(
      "## This is a rotation",
      "",
      `Generation ${request.generation} replaces generation ${request.generation - 1}. Update the API token of the ${platform.displayName} ` +
        `connection that holds generation ${request.generation - 1} (the steps below describe a first setup; edit the existing entry rather than creating a second one). ` +
        `Generation ${request.generation - 1} keeps working until \`cfct rotate\` revokes it, after it sees this one in use or the grace window ends.`,
      "",
    );
  }
  if (request.unlistedZones) {
    lines.push(
      "## This token cannot list zones",
      "",
      `It holds ${request.unlistedZones.length} specific zone(s), not all zones of its account, and Cloudflare refuses such a token a zone list ` +
        `(GET /zones answers 403 "requires permission 'com.cloudflare.api.account.zone.list'"). If ${platform.displayName} discovers zones by listing them, ` +
        `it will see none (the guides' "no data returned"): give it these zone names, or set \`zones: all\` on the connection and redeploy.`,
      "",
      ...request.unlistedZones.map((zone) => `- ${code(zone)}`),
      "",
    );
  }
  lines.push(`## Steps in ${platform.displayName}`, "", ...steps, "", "## Values", "", ...fields, "", `Source: ${platform.source.url}`, "");
  return lines.join("\n");
}

/** What a git refusal is about, and the fix it offers (besides .gitignore). */
export interface GitRefusalPurpose {
  readonly what: string;
  readonly fix: string;
}

const HANDOFF_PURPOSE: GitRefusalPurpose = {
  what: "a hand-off sheet",
  fix: "set registration.dir (or CFCT_HANDOFF_DIR) to a directory outside the repository",
};

/**
 * Refuses a directory inside a git work tree unless git ignores the sheet's path, so a token can
 * never be committed by accident. Returns the refusal message, or undefined when writing is fine.
 */
export function gitRefusal(dir: string, file: string, purpose: GitRefusalPurpose = HANDOFF_PURPOSE): string | undefined {
  const anchor = nearestExisting(dir);
  const real = path.join(realpathSync(anchor), path.relative(anchor, file));
  const run = (args: string[]): number | "no-git" | "not-a-repo" => {
    try {
      execFileSync("git", ["-C", realpathSync(anchor), ...args], { stdio: ["ignore", "pipe", "pipe"], env: gitChildEnv() });
      return 0;
    } catch (error) {
      const e = error as NodeJS.ErrnoException & { status?: number | null; stderr?: Buffer };
      if (e.code === "ENOENT") return "no-git";
      if (/not a git repository/i.test(String(e.stderr ?? ""))) return "not-a-repo";
      return e.status ?? 128;
    }
  };
  const inside = run(["rev-parse", "--is-inside-work-tree"]);
  if (inside === "not-a-repo") return undefined;
  if (inside !== 0) {
    // git is missing or would not answer (e.g. "dubious ownership"): fall back to looking for .git.
    return insideGitByWalking(anchor)
      ? `refusing to write ${purpose.what} in ${dir}: it is inside a git work tree and git could not confirm that it is ignored. Fix: ${purpose.fix}`
      : undefined;
  }
  const ignored = run(["check-ignore", "-q", "--", real]);
  if (ignored === 0) return undefined;
  return (
    `refusing to write ${purpose.what} in ${dir}: it is inside a git work tree and not git-ignored, so the token could be committed. ` +
    `Fix: ${purpose.fix}, or add it to .gitignore`
  );
}

function nearestExisting(dir: string): string {
  let current = dir;
  while (!existsSync(current)) {
    const parent = path.dirname(current);
    if (parent === current) break;
    current = parent;
  }
  return current;
}

function insideGitByWalking(dir: string): boolean {
  let current = dir;
  for (;;) {
    if (existsSync(path.join(current, ".git"))) return true;
    const parent = path.dirname(current);
    if (parent === current) return false;
    current = parent;
  }
}

/**
 * Writes `content` to `file` readable only by its owner: the directory is created 0700, the
 * content goes to a fresh temp file opened O_CREAT|O_EXCL with mode 0600, which is then renamed
 * over the target (atomic). Returns true if an earlier file was replaced.
 */
export function writeSecretFile(dir: string, file: string, content: string): boolean {
  if (!existsSync(dir)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
  }
  const replaced = existsSync(file);
  const temp = path.join(dir, `.${path.basename(file)}.${randomBytes(6).toString("hex")}.tmp`);
  const fd = openSync(temp, "wx", 0o600);
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    unlinkSync(temp);
    throw error;
  }
  closeSync(fd);
  try {
    if ((statSync(temp).mode & 0o077) !== 0) chmodSync(temp, 0o600);
    renameSync(temp, file);
  } catch (error) {
    if (existsSync(temp)) unlinkSync(temp);
    throw error;
  }
  return replaced;
}
