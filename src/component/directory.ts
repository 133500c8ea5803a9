import * as cloudflare from "@pulumi/cloudflare";
import * as pulumi from "@pulumi/pulumi";

/** A permission group as Cloudflare's list endpoints return it. */
export interface LiveGroup {
  readonly id: string;
  readonly name: string;
  readonly scopes: readonly string[];
}

/** A zone as Cloudflare's zone list returns it: zone names are unique per account only. */
export interface LiveZone {
  readonly id: string;
  readonly name: string;
  readonly accountId: string;
}

/**
 * What a deploy must look up in Cloudflare before it can create tokens: the provider's invokes
 * (tests and the rehearsal engine answer them through Pulumi's mocks).
 */
export interface CloudflareDirectory {
  userPermissionGroups(): Promise<readonly LiveGroup[]>;
  accountPermissionGroups(accountId: string): Promise<readonly LiveGroup[]>;
  zonesNamed(name: string): Promise<readonly LiveZone[]>;
  currentUserId(): Promise<string>;
}

// Cloudflare lists fewer than 1000 groups; asking for all of them once is one call, filtering locally is free.
const ALL_GROUPS = 1000;

/**
 * One deployment asks each question once per provider: the stack program checks every token's names
 * before it creates any, and each ComplianceToken then resolves its own with the same answers.
 * Keyed by the engine connection (a new one per run, and per mocked run in tests) and the provider.
 */
const answers = new WeakMap<object, Map<pulumi.ProviderResource | undefined, Map<string, Promise<unknown>>>>();
const NO_ENGINE = {};

function remembered<T>(provider: pulumi.ProviderResource | undefined, question: string, ask: () => Promise<T>): Promise<T> {
  const engine = pulumi.runtime.getMonitor() ?? NO_ENGINE;
  let byProvider = answers.get(engine);
  if (!byProvider) answers.set(engine, (byProvider = new Map()));
  let byQuestion = byProvider.get(provider);
  if (!byQuestion) byProvider.set(provider, (byQuestion = new Map()));
  let answer = byQuestion.get(question) as Promise<T> | undefined;
  if (!answer) {
    answer = ask();
    byQuestion.set(question, answer);
  }
  return answer;
}

/**
 * The directory answered by the Cloudflare provider's invokes with `opts` (a ComplianceToken passes
 * `{ parent: this }`, so the caller's `provider`/`providers` apply).
 */
export function invokeDirectory(opts: pulumi.InvokeOptions = {}): CloudflareDirectory {
  const provider = opts.provider ?? opts.parent?.getProvider("cloudflare:index:getZones");
  const ask = <T>(question: string, run: () => Promise<T>) => remembered(provider, question, run);
  return {
    userPermissionGroups: () =>
      ask("user groups", async () => (await cloudflare.getApiTokenPermissionGroupsList({ maxItems: ALL_GROUPS }, opts)).results),
    accountPermissionGroups: (accountId) =>
      ask(
        `account groups ${accountId}`,
        async () => (await cloudflare.getAccountApiTokenPermissionGroupsList({ accountId, maxItems: ALL_GROUPS }, opts)).results,
      ),
    zonesNamed: (name) =>
      ask(`zones named ${name}`, async () =>
        (await cloudflare.getZones({ name }, opts)).results.map((zone) => ({ id: zone.id, name: zone.name, accountId: zone.account.id })),
      ),
    currentUserId: () => ask("user", async () => (await cloudflare.getUser(opts)).id),
  };
}
