import type * as pulumi from "@pulumi/pulumi";
import type { ChangeOp, CleanedUpToken, ResourceChange } from "../automation/engine";
import { documentationHint, type CloudflareApiError, type CloudflareClient, type TokenBody } from "../cloudflare/client";
import type { TokenOwner } from "../domain/owner";
import { stoppedWorking } from "../verify/liveness";
import { ChangedThenStoppedError, NothingChangedError } from "../domain/run-errors";
import { announcementFile } from "../sandbox/announcement";
import { COMPLIANCE_TOKEN_INVOKES } from "../component/mocks";
import type { SecretBox } from "./secret-box";
import { resourceKey, type RehearsalState, type StateStore } from "./state-store";

interface TokenInputs {
  name: string;
  accountId?: string;
  policies: { effect: "allow" | "deny"; permissionGroups: { id: string }[]; resources: string }[];
  expiresOn?: string;
  notBefore?: string;
  condition?: { requestIp?: { ins?: string[]; notIns?: string[] } };
}

/** The token's owner, as the provider's inputs name it: an account, or the provisioner's user. */
function ownerOf(accountId: string | undefined): TokenOwner {
  return accountId ? { kind: "account", accountId } : { kind: "user" };
}

/** The Cloudflare API body for a token, from the provider's inputs. */
function tokenBody(inputs: TokenInputs): TokenBody {
  const requestIp = inputs.condition?.requestIp;
  return {
    name: inputs.name,
    policies: inputs.policies.map((p) => ({
      effect: p.effect,
      permission_groups: p.permissionGroups.map((g) => ({ id: g.id })),
      resources: JSON.parse(p.resources) as Record<string, string>,
    })),
    ...(inputs.expiresOn ? { expires_on: inputs.expiresOn } : {}),
    ...(inputs.notBefore ? { not_before: inputs.notBefore } : {}),
    ...(requestIp
      ? {
          condition: {
            request_ip: { ...(requestIp.ins ? { in: requestIp.ins } : {}), ...(requestIp.notIns ? { not_in: requestIp.notIns } : {}) },
          },
        }
      : {}),
  };
}

/** Inputs compared for drift, keys sorted at every depth; expiry is excluded because the program marks it ignoreChanges. */
export function sameTokenInputs(recorded: Record<string, unknown>, next: Record<string, unknown>): boolean {
  const comparable = ({ expiresOn: _ignored, ...rest }: Record<string, unknown>) => JSON.stringify(canonical(rest));
  return comparable(recorded) === comparable(next);
}

/**
 * Every list in a token's inputs (policies, their groups, IP ranges) is a set to Cloudflare, which
 * reads tokens back in another order (terraform-provider-cloudflare#7094): sorted, so order is no change.
 */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical).sort((a, b) => compareJson(JSON.stringify(a), JSON.stringify(b)));
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, canonical((value as Record<string, unknown>)[key])]),
  );
}

function compareJson(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * A rehearsal reads no credential from the environment (src/cli/api-target.ts): a refused
 * provisioner credential is replaced by restarting the sandbox, never by exporting a variable.
 */
function restartSandbox(): string {
  return `restart \`cfct sandbox\` (a rehearsal's provisioner credential is the one the sandbox records in ${announcementFile()}) and run the same command again`;
}

/** What the user can do about a refusal or failure of the Cloudflare API, by its kind. */
function fixFor(error: CloudflareApiError, baseUrl: string, stack: string): string {
  // Cloudflare's answer to a malformed credential (codes 6003/6111; matched by message, never a code alone).
  const credentialRefused =
    error.kind === "unauthorized" ||
    (error.kind === "client" && error.mentions(/Invalid request headers|Invalid format for Authorization header/i));
  // No HTTP status: the answer never arrived whole (a reset, a truncated body), as with an outage.
  const noAnswer = error.status === undefined;
  switch (credentialRefused ? "unauthorized" : noAnswer ? "unreachable" : error.kind) {
    case "unauthorized":
      return `${restartSandbox()}; \`cfct doctor --stack ${stack} --engine sandbox\` checks it`;
    case "forbidden":
    case "not_found":
      return `check the stack's accounts and zones, and give the provisioner the permission or account membership it lacks; \`cfct doctor --stack ${stack} --engine sandbox\` lists what is missing`;
    case "rate_limited":
      return `wait ${error.retryAfterSeconds ?? "a few minutes"}${error.retryAfterSeconds === undefined ? "" : " s"} and run the same command again`;
    case "client":
    case "redirect":
      return `correct what Cloudflare's message names (in the stack file or ${baseUrl}) and run the same command again`;
    default:
      return `run the same command again once ${baseUrl} answers; the rehearsal picks up where it stopped`;
  }
}

/**
 * Pulumi mocks that act like the Cloudflare provider against the sandbox: invokes read it, and
 * token registrations create or update tokens there (or, in a dry run, only report what they would do).
 * The first failure is kept as `failure`, a typed error naming the request, Cloudflare's answer and
 * the fix: Pulumi's mock monitor re-raises what a mock throws with an empty message, and resource
 * registrations must not reject at all (that would be an unhandled rejection). After it nothing else is changed.
 */
export class SandboxMocks implements pulumi.runtime.Mocks {
  readonly changes: ResourceChange[] = [];
  readonly touched = new Set<string>();
  failure: Error | undefined;

  constructor(
    private readonly client: CloudflareClient,
    private readonly store: StateStore,
    private readonly box: SecretBox,
    private readonly dryRun: boolean,
    private readonly stack: string,
    /** Told of each token an interrupted run left that settlePendingCreates deleted. */
    private readonly onCleanup: (token: CleanedUpToken) => Promise<void> | void = () => undefined,
  ) {}

  async call(args: pulumi.runtime.MockCallArgs): Promise<Record<string, unknown>> {
    switch (args.token) {
      case COMPLIANCE_TOKEN_INVOKES.userPermissionGroups:
        return {
          results: await this.request("GET /user/tokens/permission_groups", () => this.client.permissionGroups({ kind: "user" })),
        };
      case COMPLIANCE_TOKEN_INVOKES.accountPermissionGroups: {
        const accountId = String(args.inputs.accountId);
        return {
          results: await this.request(`GET /accounts/${accountId}/tokens/permission_groups`, () =>
            this.client.permissionGroups({ kind: "account", accountId }),
          ),
        };
      }
      case COMPLIANCE_TOKEN_INVOKES.zones: {
        const zones = await this.request(`GET /zones?name=${String(args.inputs.name)}`, () =>
          this.client.zonesNamed(String(args.inputs.name)),
        );
        return { results: zones.map((z) => ({ id: z.id, name: z.name, account: { id: z.accountId } })) };
      }
      case COMPLIANCE_TOKEN_INVOKES.user:
        return { id: (await this.request("GET /user", () => this.client.currentUser())).id };
      default:
        throw this.stop(new NothingChangedError(`the rehearsal engine does not implement invoke ${args.token}`));
    }
  }

  /** One Cloudflare request; a failure becomes this run's `failure`, naming the request, the answer and the fix. */
  private async request<T>(description: string, run: () => Promise<T>, subject?: string): Promise<T> {
    try {
      return await run();
    } catch (error) {
      const explained = this.client.explain(error);
      // A refusal is the provisioner's permissions only while it still works (a revoked one gets 403 9109 "Invalid access token").
      const gone =
        explained.kind === "forbidden" || explained.kind === "unauthorized"
          ? await stoppedWorking(this.client, { kind: "user" })
          : undefined;
      // A write that got no answer may have happened; one Cloudflare refused (4xx) did not.
      const writeMayHaveLanded = !/^GET /.test(description) && (explained.status === undefined || explained.status >= 500);
      const changed = writeMayHaveLanded || this.changes.some((c) => c.op !== "same");
      const fix =
        gone !== undefined
          ? `the provisioner credential stopped working during the run (GET /user/tokens/verify now answers ${gone}): it was revoked, deleted or disabled; ${restartSandbox()}`
          : `${fixFor(explained, this.client.baseUrl, this.stack)}${documentationHint(explained)}`;
      const message = `${subject ? `${subject}: ` : ""}${description} failed: ${explained.message}. Fix: ${fix}`;
      throw this.stop(
        changed && !this.dryRun
          ? new ChangedThenStoppedError(message, { cause: explained })
          : new NothingChangedError(message, { cause: explained }),
      );
    }
  }

  private stop(error: Error): Error {
    this.failure ??= error;
    return error;
  }

  async newResource(args: pulumi.runtime.MockResourceArgs): Promise<pulumi.runtime.MockResourceResult> {
    if (!args.custom) return { id: undefined, state: {} };
    const key = resourceKey(args.type, args.name);
    this.touched.add(key);
    const inputs = args.inputs as TokenInputs;
    const placeholder = { id: `(${args.name})`, state: { ...inputs, value: "" } };
    if (this.failure) return placeholder;
    try {
      const existing = this.store.read().resources[key];
      if (!existing) return this.dryRun ? this.note(args.name, "create", placeholder) : await this.create(args.type, args.name, inputs);
      const state = { ...inputs, expiresOn: existing.inputs.expiresOn, value: this.dryRun ? "" : this.box.open(existing.value) };
      if (sameTokenInputs(existing.inputs, inputs as unknown as Record<string, unknown>)) {
        return this.note(args.name, "same", { id: existing.id, state });
      }
      if (!this.dryRun) await this.update(key, existing.id, { ...inputs, expiresOn: existing.inputs.expiresOn as string | undefined });
      return this.note(args.name, "update", { id: existing.id, state });
    } catch (error) {
      this.stop(error instanceof Error ? error : new Error(String(error)));
      return placeholder;
    }
  }

  /** Deletes what this run's program no longer declares (after every create, as Pulumi orders it). */
  async deleteUntouched(): Promise<void> {
    for (const [key, resource] of Object.entries(this.store.read().resources)) {
      if (this.touched.has(key)) continue;
      if (!this.dryRun) {
        await this.deleteToken(resource.id, resource.accountId);
        // The outputs forget it in the same write: a later failure must not leave a deleted generation on record.
        this.store.update((s) => {
          delete s.resources[key];
          delete s.outputs[resource.name];
        });
      }
      this.changes.push({ logicalName: resource.name, op: "delete" });
    }
  }

  /** A create that was sent but never recorded (the process died): remove that token, which nobody holds. */
  async settlePendingCreates(): Promise<void> {
    const { pending, resources } = this.store.read();
    const known = new Set(Object.values(resources).map((r) => r.id));
    for (const create of pending) {
      // Expired ones included (one that expired since it was sent is still one nobody holds); Cloudflare's
      // name filter narrows the list where honoured, and the names are compared here either way.
      const owner = ownerOf(create.accountId);
      const tokens = await this.request(`GET ${create.accountId ? `/accounts/${create.accountId}` : "/user"}/tokens?name=…`, () =>
        this.client.listTokens(owner, { name: create.tokenName }),
      );
      for (const token of tokens.filter((t) => t.name === create.tokenName && t.id && !known.has(t.id))) {
        await this.deleteToken(token.id!, create.accountId);
        await this.onCleanup({ id: token.id!, name: create.tokenName, owner });
      }
    }
    if (pending.length > 0) this.store.update((s) => void (s.pending = []));
  }

  async deleteToken(id: string, accountId: string | undefined): Promise<void> {
    await this.request(`DELETE ${accountId ? `/accounts/${accountId}` : "/user"}/tokens/${id}`, async () => {
      try {
        await this.client.deleteToken(ownerOf(accountId), id);
      } catch (error) {
        // Already gone (revoked by hand, or by a run that died before recording it): what deleting wanted.
        if ((error as { status?: number }).status !== 404) throw error;
      }
    });
  }

  private note(logicalName: string, op: ChangeOp, result: pulumi.runtime.MockResourceResult) {
    this.changes.push({ logicalName, op });
    return result;
  }

  private async create(type: string, name: string, inputs: TokenInputs): Promise<pulumi.runtime.MockResourceResult> {
    const key = resourceKey(type, name);
    // A missing or wrong sealing key refuses here, before a token exists that nobody could hold.
    this.box.unlock();
    const pending = {
      type,
      name,
      tokenName: inputs.name,
      ...(inputs.accountId ? { accountId: inputs.accountId } : {}),
      at: new Date().toISOString(),
    };
    this.store.update((s: RehearsalState) => void s.pending.push(pending));
    const created = await this.request(
      `POST ${inputs.accountId ? `/accounts/${inputs.accountId}` : "/user"}/tokens`,
      () => this.client.createToken(ownerOf(inputs.accountId), tokenBody(inputs)),
      name,
    );
    if (!created.id || !created.value)
      throw new ChangedThenStoppedError(
        `${name}: Cloudflare returned a token without id or value. Fix: run the same command again; the next run removes a token it cannot hold`,
      );
    const sealed = this.box.seal(created.value);
    this.store.update((s) => {
      s.resources[key] = {
        type,
        name,
        id: created.id!,
        ...(inputs.accountId ? { accountId: inputs.accountId } : {}),
        inputs: inputs as unknown as Record<string, unknown>,
        value: sealed,
        createdAt: new Date().toISOString(),
      };
      s.pending = s.pending.filter((p) => !(p.type === type && p.name === name));
    });
    return this.note(name, "create", { id: created.id, state: { ...inputs, value: created.value } });
  }

  private async update(key: string, id: string, inputs: TokenInputs): Promise<void> {
    await this.request(
      `PUT ${inputs.accountId ? `/accounts/${inputs.accountId}` : "/user"}/tokens/${id}`,
      () => this.client.updateToken(ownerOf(inputs.accountId), id, tokenBody(inputs)),
      key.split("::").pop(),
    );
    this.store.update((s) => {
      const resource = s.resources[key];
      if (resource) resource.inputs = inputs as unknown as Record<string, unknown>;
    });
  }
}
