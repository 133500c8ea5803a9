import { createHash } from "node:crypto";
import path from "node:path";
import { resolveResources, zoneNamesIn } from "../domain/resource-keys";
import { describeToken, tokenResource } from "../component/token-resource";
import type { ResolvedPolicy, ResolvedToken } from "../component/resolve";
import { logicalName, registrationHostsOf } from "../program/program";
import type { Settings } from "../config/schema";
import { COMPLIANCE_TOKEN_TYPE, TOKEN_RESOURCE_TYPES } from "../domain/resource-types";
import { type TokenPlan } from "../domain/plan";

/**
 * The policy pack's verdict on a plan, offline. The pack's resource rules judge the resources
 * `pulumi preview` would hand them: each token's ComplianceToken (its inputs) and the provider
 * token the component declares as its child (cloudflare.ApiToken or cloudflare.AccountToken, built
 * by the component's own tokenResource). Zone names, permission-group IDs and the token's own user
 * are unknown without credentials, so they stand in as IDs derived from the name (a deploy
 * resolves them, or fails naming them). Stack rules need the deployed resources and run only in
 * `pulumi preview`. Every rule says what it judged and what it found not applicable, and why.
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
  /** The resource's logical name (the component and its child token share it). */
  readonly token: string;
  /** `ComplianceToken`, `cloudflare.ApiToken` or `cloudflare.AccountToken`. */
  readonly resource: string;
  readonly message: string;
}

/** One resource rule's run: what it judged, and what it declined as not applicable (with the rule's reason). */
export interface RuleRun {
  readonly policy: string;
  readonly level: string;
  /** `cloudflare.ApiToken "drata-g1"`. */
  readonly judged: readonly string[];
  readonly notApplicable: readonly { readonly resource: string; readonly reason: string }[];
}

export interface PolicyVerdict {
  /** Resource rules that judged at least one resource of the plan. */
  readonly ran: readonly string[];
  /** Resource rules that judged nothing: every resource was not applicable to them (reasons in `rules`). */
  readonly notApplicable: readonly string[];
  /** Per resource rule, what it ran on. */
  readonly rules: readonly RuleRun[];
  /** Stack rules: they judge deployed resources, so only `pulumi preview` runs them. */
  readonly previewOnly: readonly string[];
  readonly violations: readonly Violation[];
  /** No mandatory violation. */
  readonly passes: boolean;
}

class NotApplicable extends Error {}

/** A 32-hex stand-in ID for a name only a deploy can resolve. */
const standIn = (name: string) => createHash("sha256").update(name).digest("hex").slice(0, 32);

/** The plan resolved as a deploy would, with stand-in IDs for what only Cloudflare knows. */
function resolvedOffline(plan: TokenPlan): ResolvedToken {
  const policies = plan.policies.map((policy): ResolvedPolicy => {
    const zoneIdsByName = new Map(zoneNamesIn(policy.resources).map((name) => [name, standIn(`zone:${name}`)]));
    const resources = resolveResources(policy.resources, { zoneIdsByName, userId: standIn("user:self") });
    return {
      effect: policy.effect,
      permissionGroups: policy.permissionGroups.map((g) => ({ ...g, id: standIn(`group:${g.scope}:${g.name}`) })),
      resources,
      resourcesJson: JSON.stringify(resources),
    };
  });
  return { plan, policies };
}

interface PlannedResource {
  readonly type: string;
  readonly name: string;
  /** `cloudflare.ApiToken`. */
  readonly kind: string;
  /** `cloudflare.ApiToken "drata-g1"`. */
  readonly label: string;
  readonly urn: string;
  readonly props: Record<string, unknown>;
}

/** The component and its child token, as Pulumi registers them (undefined inputs are not sent). */
export function plannedResources(stack: string, plan: TokenPlan, registrationHosts?: readonly string[]): PlannedResource[] {
  const name = logicalName(plan);
  const resolved = resolvedOffline(plan);
  const child = tokenResource(resolved);
  const componentUrn = `urn:pulumi:${stack}::cf-compliance-tokens::${COMPLIANCE_TOKEN_TYPE}::${name}`;
  const wire = (value: object) => JSON.parse(JSON.stringify(value)) as Record<string, unknown>;
  const childKind = RESOURCE_LABELS[child.type] ?? child.type;
  return [
    {
      type: COMPLIANCE_TOKEN_TYPE,
      name,
      kind: "ComplianceToken",
      label: `ComplianceToken "${name}"`,
      urn: componentUrn,
      props: wire({ ...describeToken(resolved), ...(registrationHosts ? { registrationHosts } : {}) }),
    },
    {
      type: child.type,
      name,
      kind: childKind,
      label: `${childKind} "${name}"`,
      urn: `urn:pulumi:${stack}::cf-compliance-tokens::${COMPLIANCE_TOKEN_TYPE}$${child.type}::${name}`,
      props: wire(child.inputs),
    },
  ];
}

const RESOURCE_LABELS: Readonly<Record<string, string>> = {
  [TOKEN_RESOURCE_TYPES.user]: "cloudflare.ApiToken",
  [TOKEN_RESOURCE_TYPES.account]: "cloudflare.AccountToken",
};

/** A policy pack config file as `pulumi preview --policy-pack-config` reads it: per rule (or `all`) a level, or an object of settings with an optional `enforcementLevel`. */
export type PackConfig = Readonly<Record<string, unknown>>;

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === "object" && !Array.isArray(value);

/** A rule's enforcement level and settings under the pack config: the rule's own entry over `all` over the rule's default. */
function configured(rule: Rule, config: PackConfig): { level: string; settings: Record<string, unknown> } {
  const levelOf = (entry: unknown) =>
    typeof entry === "string"
      ? entry
      : isObject(entry) && typeof entry["enforcementLevel"] === "string"
        ? entry["enforcementLevel"]
        : undefined;
  const entry = config[rule.name];
  const { enforcementLevel: _level, ...settings } = isObject(entry) ? entry : {};
  return { level: levelOf(entry) ?? levelOf(config["all"]) ?? rule.enforcementLevel ?? "advisory", settings };
}

export async function policyVerdict(
  rules: PackRules,
  stack: string,
  plans: readonly TokenPlan[],
  config: PackConfig = {},
  /** The stack's settings, so the component carries its registration's hosts as the stack program gives them. */
  settings?: Settings,
): Promise<PolicyVerdict> {
  const resourceRules = rules.filter((r) => r.validateResource !== undefined);
  const resources = plans.flatMap((plan) => plannedResources(stack, plan, settings ? registrationHostsOf(settings, plan) : undefined));
  const violations: Violation[] = [];
  const runs: RuleRun[] = [];
  for (const rule of resourceRules) {
    const { level, settings } = configured(rule, config);
    if (level === "disabled") {
      runs.push({
        policy: rule.name,
        level,
        judged: [],
        notApplicable: resources.map((r) => ({ resource: r.label, reason: "disabled by the pack config" })),
      });
      continue;
    }
    const validations = (Array.isArray(rule.validateResource) ? rule.validateResource : [rule.validateResource]) as ResourceValidation[];
    const judged: string[] = [];
    const notApplicable: { resource: string; reason: string }[] = [];
    for (const resource of resources) {
      const args = {
        type: resource.type,
        name: resource.name,
        props: resource.props,
        urn: resource.urn,
        opts: {},
        stackTags: new Map<string, string>(),
        isType: () => false,
        asType: () => undefined,
        getConfig: () => settings,
        notApplicable: (reason?: string): never => {
          throw new NotApplicable(reason);
        },
      };
      const declined: string[] = [];
      for (const validate of validations) {
        try {
          await validate(args, (message) =>
            violations.push({ policy: rule.name, level, token: resource.name, resource: resource.kind, message }),
          );
        } catch (error) {
          if (!(error instanceof NotApplicable)) throw error;
          declined.push(error.message || "not applicable");
        }
      }
      if (declined.length < validations.length) judged.push(resource.label);
      else notApplicable.push({ resource: resource.label, reason: declined.join("; ") });
    }
    runs.push({ policy: rule.name, level, judged, notApplicable });
  }
  return {
    ran: runs.filter((r) => r.judged.length > 0).map((r) => r.policy),
    notApplicable: runs.filter((r) => r.judged.length === 0).map((r) => r.policy),
    rules: runs,
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
