import { groupLabel } from "../domain/permission-group";
import type { DeployedToken } from "./engine";

/** What a reviewer of a pull request needs to see per token: groups, accounts and zones, expiry. */
export interface TokenChange {
  readonly logicalName: string;
  readonly kind: "added" | "removed" | "changed";
  readonly lines: readonly string[];
}

const groupsOf = (token: DeployedToken) => new Set(token.groups.map(groupLabel));

/** Resource keys, nested ones flattened as `account > zone.*`, so "all zones of X" reads as such. */
function resourcesOf(token: DeployedToken): Set<string> {
  const keys = new Set<string>();
  for (const policy of token.resources) {
    for (const [key, value] of Object.entries(policy)) {
      const nested = value !== null && typeof value === "object" ? Object.keys(value as object) : [];
      if (nested.length === 0) keys.add(key);
      for (const inner of nested) keys.add(`${key} > ${inner}`);
    }
  }
  return keys;
}

function delta(label: string, before: Set<string>, after: Set<string>): string[] {
  return [
    ...[...after].filter((x) => !before.has(x)).map((x) => `+ ${label} ${x}`),
    ...[...before].filter((x) => !after.has(x)).map((x) => `- ${label} ${x}`),
  ];
}

/** The per-token difference between what is deployed and what a deploy would leave, for preview output. */
export function diffTokens(before: readonly DeployedToken[], after: readonly DeployedToken[]): TokenChange[] {
  const names = [...new Set([...before, ...after].map((t) => t.logicalName))].sort();
  return names.flatMap((logicalName): TokenChange[] => {
    const old = before.find((t) => t.logicalName === logicalName);
    const next = after.find((t) => t.logicalName === logicalName);
    if (!old && next)
      return [
        {
          logicalName,
          kind: "added",
          lines: [...delta("group", new Set(), groupsOf(next)), ...delta("resource", new Set(), resourcesOf(next))],
        },
      ];
    if (old && !next) return [{ logicalName, kind: "removed", lines: [`- token ${old.name} (${old.id})`] }];
    const lines = [...delta("group", groupsOf(old!), groupsOf(next!)), ...delta("resource", resourcesOf(old!), resourcesOf(next!))];
    return lines.length > 0 ? [{ logicalName, kind: "changed", lines }] : [];
  });
}
