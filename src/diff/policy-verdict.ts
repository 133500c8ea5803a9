import { createHash } from "node:crypto";
import path from "node:path";
import { resolveResources, zoneNamesIn } from "../domain/resource-keys";
import { describeToken } from "../component/compliance-token";
import { logicalName } from "../program/program";
import { COMPLIANCE_TOKEN_TYPE } from "../domain/resource-types";
import { type TokenPlan } from "../domain/plan";

/**
 * The policy pack's verdict on a plan, offline. The pack's resource rules run on each token's
 * ComplianceToken inputs as `pulumi preview` would hand them over; zone names and the token's own
 * user are unknown without credentials, so they stand in as IDs derived from the name (a deploy
 * resolves them, or fails naming them). Stack rules need the deployed provider resources and run
 * only in `pulumi preview`.
 */

/** The part of @pulumi/policy's rules this reads: the pack is loaded at run time, its types are not imported. */
interface Rule {
  readonly name: string;
  readonly enforcementLevel?: string;
  readonly validateResource?: unknown;
  readonly validateStack?: unknown;
}
type ResourceValidation = (args: unknown, report: (message: string, urn?: string) => void) => void | Promise<void>;
export type PackRules = readonly Rule[];

export interface Violation {
  readonly policy: string;
  readonly level: string;
  readonly token: string;
  readonly message: string;
}

export interface PolicyVerdict {
  readonly ran: readonly string[];
  /** Stack rules: they judge deployed resources, so only `pulumi preview` runs them. */
  readonly previewOnly: readonly string[];
  readonly violations: readonly Violation[];
  /** No mandatory violation. */
  readonly passes: boolean;
}

class NotApplicable extends Error {}

/** A 32-hex stand-in ID for a name only a deploy can resolve. */
const standIn = (name: string) => createHash("sha256").update(name).digest("hex").slice(0, 32);

function componentProps(plan: TokenPlan): Record<string, unknown> {
  const policies = plan.policies.map((policy) => {
    const zoneIdsByName = new Map(zoneNamesIn(policy.resources).map((name) => [name, standIn(`zone:${name}`)]));
    const resources = resolveResources(policy.resources, { zoneIdsByName, userId: standIn("user:self") });
    return {
      effect: policy.effect,
      permissionGroups: policy.permissionGroups.map((g) => ({ ...g, id: "" })),
      resources,
      resourcesJson: JSON.stringify(resources),
    };
  });
  return describeToken({ plan, policies });
}

/**
 * A pack config file as `pulumi preview --policy-pack-config` reads it: per rule, an enforcement
 * level, or an object of the rule's settings (and optionally its `enforcementLevel`); `all` sets
 * the level of every rule that names none.
 */
export type PackConfig = Readonly<Record<string, unknown>>;

function ruleSettings(rule: Rule, config: PackConfig): { level: string; settings: Record<string, unknown> } {
  const entry = config[rule.name];
  const own =
    typeof entry === "string"
      ? entry
      : isObject(entry) && typeof entry["enforcementLevel"] === "string"
        ? entry["enforcementLevel"]
        : undefined;
  const all = typeof config["all"] === "string" ? config["all"] : isObject(config["all"]) ? config["all"]["enforcementLevel"] : undefined;
  const { enforcementLevel: _level, ...settings } = isObject(entry) ? entry : {};
  return { level: own ?? (typeof all === "string" ? all : undefined) ?? rule.enforcementLevel ?? "advisory", settings };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

export async function policyVerdict(
  rules: PackRules,
  stack: string,
  plans: readonly TokenPlan[],
  config: PackConfig = {},
): Promise<PolicyVerdict> {
  const resourceRules = rules.filter((r) => r.validateResource !== undefined && ruleSettings(r, config).level !== "disabled");
  const violations: Violation[] = [];
  for (const rule of resourceRules) {
    const { level, settings } = ruleSettings(rule, config);
    const validations = (Array.isArray(rule.validateResource) ? rule.validateResource : [rule.validateResource]) as ResourceValidation[];
    for (const plan of plans) {
      const name = logicalName(plan);
      const props = componentProps(plan);
      const args = {
        type: COMPLIANCE_TOKEN_TYPE,
        name,
        props,
        urn: `urn:pulumi:${stack}::cf-compliance-tokens::${COMPLIANCE_TOKEN_TYPE}::${name}`,
        opts: {},
        stackTags: new Map<string, string>(),
        isType: () => false,
        asType: () => undefined,
        getConfig: () => structuredClone(settings),
        notApplicable: (reason?: string): never => {
          throw new NotApplicable(reason);
        },
      };
      for (const validate of validations) {
        try {
          await validate(args, (message) => violations.push({ policy: rule.name, level, token: name, message }));
        } catch (error) {
          if (!(error instanceof NotApplicable)) throw error;
        }
      }
    }
  }
  return {
    ran: resourceRules.map((r) => r.name),
    previewOnly: rules.filter((r) => r.validateResource === undefined).map((r) => r.name),
    violations,
    passes: !violations.some((v) => v.level === "mandatory"),
  };
}

/**
 * Loads a CrossGuard pack's rule list from `<dir>/rules` (TypeScript, as Pulumi runs it) through
 * ts-node, the loader Pulumi itself uses for TypeScript packs.
 */
export function loadPackRules(dir: string): PackRules {
  const rulesModule = path.resolve(dir, "rules");
  (require("ts-node") as typeof import("ts-node")).register({
    transpileOnly: true,
    project: path.resolve(dir, "tsconfig.json"),
    preferTsExts: true,
  });
  const loaded = require(rulesModule) as { policies?: PackRules };
  if (!Array.isArray(loaded.policies)) throw new Error(`${rulesModule} exports no \`policies\` list`);
  return loaded.policies;
}
