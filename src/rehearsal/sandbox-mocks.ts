import type * as pulumi from "@pulumi/pulumi";
import type Cloudflare from "cloudflare";
import type { ChangeOp, ResourceChange } from "../automation/engine";
import type { SecretBox } from "./secret-box";
import { resourceKey, type RehearsalState, type StateStore } from "./state-store";

const INVOKES = {
  userGroups: "cloudflare:index/getApiTokenPermissionGroupsList:getApiTokenPermissionGroupsList",
  accountGroups: "cloudflare:index/getAccountApiTokenPermissionGroupsList:getAccountApiTokenPermissionGroupsList",
  zones: "cloudflare:index/getZones:getZones",
  user: "cloudflare:index/getUser:getUser",
} as const;

interface TokenInputs {
  name: string;
  accountId?: string;
  policies: { effect: "allow" | "deny"; permissionGroups: { id: string }[]; resources: string }[];
  expiresOn?: string;
  notBefore?: string;
  condition?: { requestIp?: { ins?: string[]; notIns?: string[] } };
}

/** The Cloudflare API body for a token, from the provider's inputs. */
function tokenBody(inputs: TokenInputs) {
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
    ...(requestIp ? { condition: { request_ip: { ...(requestIp.ins ? { in: requestIp.ins } : {}), ...(requestIp.notIns ? { not_in: requestIp.notIns } : {}) } } } : {}),
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
  return Object.fromEntries(Object.keys(value).sort().map((key) => [key, canonical((value as Record<string, unknown>)[key])]));
}

function compareJson(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Pulumi mocks that act like the Cloudflare provider against the sandbox: invokes read it, and
 * token registrations create or update tokens there (or, in a dry run, only report what they would do).
 * Errors are collected, never thrown into Pulumi's runtime, so a failure cannot surface as an
 * unhandled rejection; after the first one nothing else is changed.
 */
export class SandboxMocks implements pulumi.runtime.Mocks {
  readonly changes: ResourceChange[] = [];
  readonly touched = new Set<string>();
  failure: Error | undefined;

  constructor(
    private readonly client: Cloudflare,
    private readonly store: StateStore,
    private readonly box: SecretBox,
    private readonly dryRun: boolean,
  ) {}

  async call(args: pulumi.runtime.MockCallArgs): Promise<Record<string, unknown>> {
    switch (args.token) {
      case INVOKES.userGroups:
        return { results: await this.collect(this.client.user.tokens.permissionGroups.list()) };
      case INVOKES.accountGroups:
        return { results: await this.collect(this.client.accounts.tokens.permissionGroups.list({ account_id: args.inputs.accountId })) };
      case INVOKES.zones: {
        const zones = await this.collect(this.client.zones.list({ name: args.inputs.name, per_page: 50 }));
        return { results: zones.map((z) => ({ id: z.id, name: z.name, account: { id: z.account.id, name: z.account.name } })) };
      }
      case INVOKES.user:
        return { id: ((await this.client.user.get()) as { id: string }).id };
      default:
        throw new Error(`the rehearsal engine does not implement invoke ${args.token}`);
    }
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
      this.failure = new Error(`${args.name}: ${(error as Error).message}`);
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
      // A token that expired since it was sent is still one nobody holds: list it too.
      const tokens = create.accountId
        ? await this.collect(this.client.accounts.tokens.list({ account_id: create.accountId, include_expired: true }))
        : await this.collect(this.client.user.tokens.list({ include_expired: true }));
      for (const token of tokens.filter((t) => t.name === create.tokenName && t.id && !known.has(t.id))) {
        await this.deleteToken(token.id!, create.accountId);
      }
    }
    if (pending.length > 0) this.store.update((s) => void (s.pending = []));
  }

  async deleteToken(id: string, accountId: string | undefined): Promise<void> {
    try {
      if (accountId) await this.client.accounts.tokens.delete(id, { account_id: accountId });
      else await this.client.user.tokens.delete(id);
    } catch (error) {
      if ((error as { status?: number }).status !== 404) throw error;
    }
  }

  private note(logicalName: string, op: ChangeOp, result: pulumi.runtime.MockResourceResult) {
    this.changes.push({ logicalName, op });
    return result;
  }

  private async create(type: string, name: string, inputs: TokenInputs): Promise<pulumi.runtime.MockResourceResult> {
    const key = resourceKey(type, name);
    // A missing or wrong sealing key refuses here, before a token exists that nobody could hold.
    this.box.unlock();
    const pending = { type, name, tokenName: inputs.name, ...(inputs.accountId ? { accountId: inputs.accountId } : {}), at: new Date().toISOString() };
    this.store.update((s: RehearsalState) => void s.pending.push(pending));
    const created = inputs.accountId
      ? await this.client.accounts.tokens.create({ account_id: inputs.accountId, ...tokenBody(inputs) })
      : await this.client.user.tokens.create(tokenBody(inputs));
    if (!created.id || !created.value) throw new Error("Cloudflare returned a token without id or value");
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
    if (inputs.accountId) await this.client.accounts.tokens.update(id, { account_id: inputs.accountId, ...tokenBody(inputs) });
    else await this.client.user.tokens.update(id, tokenBody(inputs));
    this.store.update((s) => {
      const resource = s.resources[key];
      if (resource) resource.inputs = inputs as unknown as Record<string, unknown>;
    });
  }

  private async collect<T>(pages: AsyncIterable<T>): Promise<T[]> {
    const items: T[] = [];
    for await (const item of pages) items.push(item);
    return items;
  }
}
