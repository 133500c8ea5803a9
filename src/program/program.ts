import * as pulumi from "@pulumi/pulumi";
import { CONFIG_NAMESPACE, parseSettings } from "../config/schema";
import { plan } from "../plan/plan";
import { PLATFORMS } from "../platforms";
import { ComplianceToken, logicalName } from "./compliance-token";
import { providerDirectory, type CloudflareDirectory } from "./directory";
import { resolveTokens } from "./resolve";

/** Reads this project's keys from Pulumi config in the shape the zod schema validates. */
function rawConfig(): Record<string, unknown> {
  const config = new pulumi.Config(CONFIG_NAMESPACE);
  const raw: Record<string, unknown> = {
    connections: config.getObject("connections"),
    token: config.getObject("token"),
    tokenNamePrefix: config.get("tokenNamePrefix"),
    generations: config.getObject("generations"),
  };
  return Object.fromEntries(Object.entries(raw).filter(([, value]) => value !== undefined));
}

/**
 * The Pulumi program: stack config -> plan -> resolve names -> one ComplianceToken per token
 * generation. Exports `tokens` (metadata by logical name) and `tokenValues` (one secret map).
 */
export async function complianceTokensProgram(directory: CloudflareDirectory = providerDirectory, now: Date = new Date()) {
  const stack = pulumi.getStack();
  const settings = parseSettings(rawConfig(), { stack, source: `stack ${stack} (stacks/Pulumi.${stack}.yaml)` });
  const resolved = await resolveTokens(plan(settings, PLATFORMS, now), directory);
  const tokens = resolved.map((token) => new ComplianceToken(logicalName(token.plan), { token }));
  const names = resolved.map((token) => logicalName(token.plan));
  return {
    tokens: Object.fromEntries(tokens.map((token, i) => [names[i]!, token.toOutput()])),
    // Values only under one top-level secret: CI actions that turn outputs into step outputs mask
    // top-level secrets only, and nothing else in the stack's outputs is sensitive.
    tokenValues: pulumi.secret(pulumi.output(Object.fromEntries(tokens.map((token, i) => [names[i]!, token.value])))),
  };
}
