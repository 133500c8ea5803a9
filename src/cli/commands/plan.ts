import type { Command } from "commander";
import { plan } from "../../plan/plan";
import { configWarnings } from "../../config/warnings";
import { addStackOptions, loadSelectedSettings, selectionFrom } from "../settings-options";
import { scopeLabel } from "../../domain/permission-group";
import { type TokenPlan } from "../../domain/plan";
import { registrationText, summarizeRegistration, type RegistrationSummary } from "../../config/registration/summary";

export function registerPlan(program: Command): void {
  addStackOptions(
    program
      .command("plan")
      .description("Show the tokens a stack defines: owner, permission groups, resources, expiry, IP filter. Offline.")
      .option("--json", "print exactly one JSON object {tokens:[...]}")
      .option("--now <rfc3339>", "the clock to anchor first-generation expiry on (default: now)"),
  ).action((options: { json?: boolean; now?: string; stack?: string; config?: string; projectDir?: string }) => {
    const settings = loadSelectedSettings(selectionFrom(options));
    const tokens = plan(settings, undefined, options.now ? new Date(options.now) : new Date());
    const warnings = configWarnings(settings);
    const registrations = settings.connections.map((c) => ({ connection: c.name, ...summarizeRegistration(c.registration) }));
    process.stdout.write(
      options.json ? `${JSON.stringify({ tokens, registrations, warnings })}\n` : renderPlan(tokens, warnings, registrations),
    );
  });
}

export function renderPlan(
  tokens: readonly TokenPlan[],
  warnings: readonly string[] = [],
  registrations: readonly (RegistrationSummary & { readonly connection: string })[] = [],
): string {
  const lines: string[] = [];
  for (const token of tokens) {
    const owner = token.owner.kind === "account" ? `account ${token.owner.accountId}` : "user";
    lines.push(`${token.key}  (${token.platform}/${token.profile}, ${owner}-owned, generation ${token.generation})`);
    lines.push(`  name      ${token.name}`);
    lines.push(`  expires   ${token.expiresOn}`);
    if (token.allowedIps.length > 0) lines.push(`  allow IPs ${token.allowedIps.join(", ")}`);
    if (token.deniedIps.length > 0) lines.push(`  deny IPs  ${token.deniedIps.join(", ")}`);
    for (const policy of token.policies) {
      const scope = scopeLabel(policy.permissionGroups[0]?.scope ?? "");
      lines.push(`  ${policy.effect} ${scope}: ${policy.permissionGroups.length} group(s) on ${Object.keys(policy.resources).join(", ")}`);
      for (const group of policy.permissionGroups) lines.push(`    - ${group.name}`);
    }
    lines.push("");
  }
  // Where each connection's registration sends its token and reads its secrets: a reviewer sees a moved host here.
  for (const r of registrations) lines.push(`registration of ${r.connection}: ${registrationText(r)}`);
  if (registrations.length > 0) lines.push("");
  lines.push(`${tokens.length} token(s). Zone names and <self> are resolved to IDs at deploy time.`);
  lines.push(...warnings.map((w) => `warning: ${w}`));
  return `${lines.join("\n")}\n`;
}
