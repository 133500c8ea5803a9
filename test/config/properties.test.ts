import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isReadOnlyGroup } from "../../src/cloudflare/permission-groups";
import { ConfigError, type Settings } from "../../src/config/schema";
import { plan } from "../../src/plan/plan";
import { ALL_ZONES_KEY, SELF_USER_KEY, accountKey, zoneKey } from "../../src/domain/resource-keys";
import { PLATFORMS, platformKeys } from "../../src/platforms";
import { ACME_CORP, ACME_LABS, ACME_STATUS_ZONE, settingsFrom } from "../helpers/settings";

const NOW = new Date("2026-01-01T00:00:00Z");
const ACCOUNTS = [ACME_CORP, ACME_LABS, "0123456789abcdef0123456789abcdef"];

const cidr = fc.oneof(
  fc.ipV4().map((ip) => `${ip}/32`),
  fc.tuple(fc.ipV4(), fc.integer({ min: 0, max: 33 })).map(([ip, bits]) => `${ip}/${bits}`),
  fc.tuple(fc.ipV6(), fc.integer({ min: 0, max: 129 })).map(([ip, bits]) => `${ip}/${bits}`),
  fc.constantFrom("10.0.0.0/8", "0.0.0.0/0", "::/0", "fe80::1%eth0/64", "203.0.113.7"),
  fc.string(),
);
const token = fc.record(
  {
    ttlDays: fc.oneof(fc.integer({ min: -5, max: 400 }), fc.double(), fc.string(), fc.constant(null)),
    allowedIps: fc.oneof(fc.array(cidr, { maxLength: 3 }), fc.string()),
    deniedIps: fc.array(cidr, { maxLength: 2 }),
  },
  { requiredKeys: [] },
);
const connection = fc.record(
  {
    platform: fc.oneof(fc.constantFrom(...platformKeys()), fc.string()),
    name: fc.oneof(fc.constantFrom("a", "drata", "ascera", "x-1"), fc.string()),
    accounts: fc.oneof(
      fc.uniqueArray(fc.constantFrom(...ACCOUNTS), { minLength: 1 }),
      fc.array(fc.oneof(fc.constantFrom(...ACCOUNTS), fc.string()), { maxLength: 3 }),
    ),
    zones: fc.oneof(
      fc.constant("all"),
      fc.array(fc.oneof(fc.constantFrom("example.com", "acme-corp.com", ACME_STATUS_ZONE), fc.domain(), fc.string()), { maxLength: 4 }),
      fc.string(),
    ),
    profile: fc.constantFrom("guide", "least-privilege", "read-all", "nope"),
    token,
    registration: fc.constantFrom(
      { kind: "handoff" },
      { kind: "webhook", url: "https://bridge.example.com/cfct", secretEnv: "CFCT_WEBHOOK_SECRET" },
      { kind: "webhook", url: "http://bridge.example.com/cfct", secretEnv: "x" },
      { kind: "api" },
    ),
  },
  { requiredKeys: ["platform"] },
);
const stackConfig = fc.record(
  {
    connections: fc.oneof(fc.array(connection, { minLength: 1, maxLength: 3 }), fc.jsonValue()),
    token,
    tokenNamePrefix: fc.oneof(fc.constantFrom("cfct", "acme"), fc.string()),
  },
  { requiredKeys: ["connections"] },
);

/** Every place in a JSON value: the root, each array element, each object member. */
function paths(value: unknown, at: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(value)) return [at, ...value.flatMap((v, i) => paths(v, [...at, i]))];
  if (value !== null && typeof value === "object") return [at, ...Object.entries(value).flatMap(([k, v]) => paths(v, [...at, k]))];
  return [at];
}

/** The value with the place chosen by `pick` replaced (or, for an object member, deleted when `replacement` is undefined). */
function mutate(value: unknown, pick: number, replacement: unknown): unknown {
  const all = paths(value).filter((p) => p.length > 0);
  if (all.length === 0) return replacement;
  const target = all[pick % all.length]!;
  const copy = structuredClone(value) as Record<string | number, unknown>;
  let parent = copy;
  for (const step of target.slice(0, -1)) parent = parent[step] as Record<string | number, unknown>;
  const last = target[target.length - 1]!;
  if (replacement === undefined && !Array.isArray(parent)) delete parent[last];
  else parent[last] = replacement;
  return copy;
}

/** Either a rejection naming key paths with fixes, or a plan with the invariants. Never anything else. */
function plansOrRejects(raw: unknown): void {
  let settings: Settings;
  try {
    settings = settingsFrom(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems.length).toBeGreaterThan(0);
    for (const problem of problems) {
      expect(problem.path).toMatch(/^(cf-compliance-tokens:|config$)/);
      expect(problem.message).toMatch(/Fix:/);
    }
    return;
  }
  const tokens = plan(settings, PLATFORMS, NOW);
  // Deterministic: the same config gives the same settings and the same plan.
  expect(plan(settingsFrom(raw), PLATFORMS, NOW)).toEqual(tokens);
  for (const token of tokens) {
    const connection = settings.connections.find((c) => c.name === token.connection)!;
    for (const policy of token.policies) {
      // Read-only groups only, allow only.
      expect(policy.effect).toBe("allow");
      for (const group of policy.permissionGroups) expect(isReadOnlyGroup(group), `${group.name} (${group.scope})`).toBe(true);
      // Scoped to what was given: the connection's accounts and zones, or the user itself.
      const accounts = new Set(token.scope.accounts.map(accountKey));
      const zones = new Set(connection.zones === "all" ? [] : connection.zones.map(zoneKey));
      for (const [key, inner] of Object.entries(policy.resources)) {
        if (key === SELF_USER_KEY) continue;
        if (typeof inner === "object") {
          expect(accounts.has(key), key).toBe(true);
          expect(connection.zones).toBe("all");
          expect(Object.keys(inner)).toEqual([ALL_ZONES_KEY]);
        } else {
          expect(accounts.has(key) || zones.has(key), key).toBe(true);
        }
      }
    }
    for (const account of token.scope.accounts) expect(connection.accounts).toContain(account);
  }
}

describe("any stack config either plans with the invariants or is rejected naming a key path", () => {
  it("random configs", () => {
    fc.assert(fc.property(stackConfig, plansOrRejects), { numRuns: 300 });
  });

  it("configs with one place mutated: replaced by any JSON value, or removed", () => {
    fc.assert(
      fc.property(stackConfig, fc.nat(), fc.option(fc.jsonValue({ maxDepth: 2 }), { nil: undefined }), (raw, pick, replacement) =>
        plansOrRejects(mutate(raw, pick, replacement)),
      ),
      { numRuns: 300 },
    );
  });

  it("anything at all", () => {
    fc.assert(fc.property(fc.jsonValue({ maxDepth: 3 }), plansOrRejects), { numRuns: 200 });
  });
});
