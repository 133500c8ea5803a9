import * as pulumi from "@pulumi/pulumi";
import { ComplianceToken } from "../component/compliance-token";
import { invokeDirectory } from "../component/directory";
import { resolveTokens } from "../component/resolve";
import { CONFIG_NAMESPACE, parseSettings, type Settings } from "../config/schema";
import { plan } from "../plan/plan";
import { PLATFORMS } from "../platforms";
import { type TokenPlan } from "../domain/plan";
import { summarizeRegistration } from "../config/registration/summary";

/** Pulumi logical name of one token generation: renaming it would replace (rotate) the token. */
export function logicalName(token: { key: string; generation: number }): string {
  return `${token.key}-g${token.generation}`;
}

/** Reads this project's keys from Pulumi config in the shape the zod schema validates. */
function rawConfig(): Record<string, unknown> {
  const config = new pulumi.Config(CONFIG_NAMESPACE);
  const raw: Record<string, unknown> = {
    connections: config.getObject("connections"),
    token: config.getObject("token"),
    tokenNamePrefix: config.get("tokenNamePrefix"),
    generations: config.getObject("generations"),
    platforms: config.getObject("platforms"),
  };
  return Object.fromEntries(Object.entries(raw).filter(([, value]) => value !== undefined));
}

/** The hosts a token's connection registers it with (none for a hand-off), for the policy pack's registration-hosts rules. */
export function registrationHostsOf(settings: Settings, tokenPlan: TokenPlan): string[] {
  const connection = settings.connections.find((c) => c.name === tokenPlan.connection)!;
  return summarizeRegistration(connection.registration).destinations.flatMap((d) => (d.host ? [d.host] : []));
}

/**
 * The Pulumi program: stack config -> plan -> one ComplianceToken per token generation. Every name
 * of every token is resolved before the first token is declared, so a missing group or zone stops
 * the run with nothing created; each component is handed its resolved token, not planned again.
 * Exports `tokens` (metadata by logical name, the contract in src/domain/token-output.ts) and no
 * token value: stack outputs reach `pulumi stack output`, StackReferences and CI actions, so values
 * stay in each token resource's state, from where cfct reads them (src/automation/stack-state.ts).
 */
export async function complianceTokensProgram(now: Date = new Date()) {
  const stack = pulumi.getStack();
  const settings = parseSettings(rawConfig(), { stack, source: `stack ${stack} (stacks/Pulumi.${stack}.yaml)` });
  const plans = plan(settings, PLATFORMS, now);
  const resolved = await resolveTokens(plans, invokeDirectory());
  const declared = resolved.map(({ plan: tokenPlan, policies }) => ({
    tokenPlan,
    policies,
    component: new ComplianceToken(logicalName(tokenPlan), {
      resolved: { plan: tokenPlan, policies },
      registrationHosts: registrationHostsOf(settings, tokenPlan),
    }),
  }));
  return {
    tokens: Object.fromEntries(
      declared.map(({ tokenPlan, policies, component }) => [
        logicalName(tokenPlan),
        {
          id: component.tokenId,
          name: tokenPlan.name,
          key: tokenPlan.key,
          platform: tokenPlan.platform,
          owner: tokenPlan.owner,
          generation: tokenPlan.generation,
          issuedAt: tokenPlan.issuedAt,
          groups: policies.flatMap((policy) => policy.permissionGroups.map((group) => ({ ...group }))),
          resources: policies.map((policy) => ({ ...policy.resources })),
          expiresOn: component.expiresOn,
        },
      ]),
    ),
  };
}
