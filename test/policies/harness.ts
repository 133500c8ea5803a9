/**
 * Drives rules the way @pulumi/policy's analyzer server does (server.ts: makeAnalyzeRpcFun /
 * makeAnalyzeStackRpcFun), without starting it: fake ResourceValidationArgs / StackValidationArgs
 * with stackTags, getConfig and a throwing notApplicable, and a report that collects messages.
 */
import type {
  Policies,
  PolicyResource,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "../../policies/rules/common";
import type { FakeResource } from "./fixtures";

export class NotApplicable extends Error {
  constructor(readonly reason?: string) {
    super(reason ?? "not applicable");
  }
}

export interface Violation {
  readonly policy: string;
  readonly level: string;
  readonly message: string;
  readonly urn?: string;
}

export interface Outcome {
  readonly messages: string[];
  readonly violations: Violation[];
  readonly notApplicable?: string;
}

type PropsWrapper = (props: Record<string, unknown>) => Record<string, unknown>;

const identity: PropsWrapper = (props) => props;

const OPTIONS = (parent?: string) => ({
  protect: false,
  ignoreChanges: [],
  aliases: [],
  customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
  additionalSecretOutputs: [],
  ...(parent ? { parent } : {}),
});

const typeOf = (cls: unknown) => (cls as { __pulumiType?: string }).__pulumiType;

export function resourceArgs(resource: FakeResource, config: object = {}, wrap: PropsWrapper = identity): ResourceValidationArgs {
  const props = wrap(resource.inputs);
  return {
    type: resource.type,
    props,
    urn: resource.urn,
    name: resource.name,
    opts: OPTIONS(resource.parent),
    stackTags: new Map<string, string>(),
    isType: (cls) => typeOf(cls) === resource.type,
    asType: ((cls: unknown) => (typeOf(cls) === resource.type ? props : undefined)) as ResourceValidationArgs["asType"],
    getConfig: <T extends object>() => structuredClone(config) as T,
    notApplicable: (reason?: string): never => {
      throw new NotApplicable(reason);
    },
  };
}

export function stackArgs(resources: readonly FakeResource[], config: object = {}, wrap: PropsWrapper = identity): StackValidationArgs {
  const byUrn = new Map<string, PolicyResource>();
  const list = resources.map((r): PolicyResource => {
    const props = wrap(r.outputs);
    const resource: PolicyResource = {
      type: r.type,
      props,
      urn: r.urn,
      name: r.name,
      opts: OPTIONS(r.parent),
      dependencies: [],
      propertyDependencies: {},
      isType: (cls) => typeOf(cls) === r.type,
      asType: ((cls: unknown) => (typeOf(cls) === r.type ? props : undefined)) as PolicyResource["asType"],
    };
    byUrn.set(r.urn, resource);
    return resource;
  });
  // As the server does: link parents that are in the stack.
  resources.forEach((r, i) => {
    const parent = r.parent ? byUrn.get(r.parent) : undefined;
    if (parent) list[i]!.parent = parent;
  });
  return {
    resources: list,
    stackTags: new Map<string, string>(),
    getConfig: <T extends object>() => structuredClone(config) as T,
    notApplicable: (reason?: string): never => {
      throw new NotApplicable(reason);
    },
  };
}

async function collect(
  policy: { name: string; enforcementLevel?: string },
  run: (report: (message: string, urn?: string) => void) => unknown,
  urn?: string,
): Promise<Outcome> {
  const violations: Violation[] = [];
  const report = (message: string, reportedUrn?: string) =>
    violations.push({
      policy: policy.name,
      level: policy.enforcementLevel ?? "advisory",
      message,
      ...((reportedUrn ?? urn) ? { urn: reportedUrn ?? urn } : {}),
    });
  try {
    await run(report);
  } catch (error) {
    if (error instanceof NotApplicable) return { messages: [], violations: [], notApplicable: error.reason ?? "" };
    throw error;
  }
  return { messages: violations.map((v) => v.message), violations };
}

export function runResource(
  policy: ResourceValidationPolicy,
  resource: FakeResource,
  config: object = {},
  wrap?: PropsWrapper,
): Promise<Outcome> {
  const validations = Array.isArray(policy.validateResource)
    ? policy.validateResource
    : policy.validateResource
      ? [policy.validateResource]
      : [];
  return collect(
    policy,
    async (report) => {
      for (const validate of validations) await validate(resourceArgs(resource, config, wrap), report);
    },
    resource.urn,
  );
}

export function runStack(
  policy: StackValidationPolicy,
  resources: readonly FakeResource[],
  config: object = {},
  wrap?: PropsWrapper,
): Promise<Outcome> {
  return collect(policy, (report) => policy.validateStack(stackArgs(resources, config, wrap), report));
}

export const isStackPolicy = (p: Policies[number]): p is StackValidationPolicy => "validateStack" in p;

/**
 * Every policy over every resource, then every stack policy over the stack, as a preview would.
 * Returns the violations only (not-applicable results are dropped).
 */
export async function analyzeAll(
  policies: Policies,
  resources: readonly FakeResource[],
  config: Record<string, object> = {},
  wrap?: PropsWrapper,
): Promise<Violation[]> {
  const out: Violation[] = [];
  for (const policy of policies) {
    if (isStackPolicy(policy)) {
      out.push(...(await runStack(policy, resources, config[policy.name] ?? {}, wrap)).violations);
    } else {
      for (const resource of resources) out.push(...(await runResource(policy, resource, config[policy.name] ?? {}, wrap)).violations);
    }
  }
  return out;
}
