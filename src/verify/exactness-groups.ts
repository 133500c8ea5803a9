import { isReadOnlyGroup } from "../cloudflare/permission-groups";
import { compareGroups, describeGroup, type PermissionGroupRef } from "../domain/permission-group";
import { deployCommand } from "./diagnose";
import type { Grant, TokenGrants } from "./grants";
import type { Check, ExactnessExpectation } from "./types";

const ID = "exactness:groups";

/** Rule 1: the token holds exactly the planned groups, by (name, scope); an extra Read group is a warning unless asked to fail. */
export function checkGroups(
  planned: ReadonlyMap<string, Grant>,
  actual: TokenGrants,
  expect: Pick<ExactnessExpectation, "plan" | "extraRead" | "stack" | "groupsFrom">,
): Check {
  const { plan } = expect;
  const deploy = deployCommand(expect.stack);
  const absentFrom = (grants: ReadonlyMap<string, Grant>, of: Iterable<[string, Grant]>): PermissionGroupRef[] =>
    [...of]
      .filter(([key]) => !grants.has(key))
      .map(([, g]) => g.group)
      .sort(compareGroups);
  const missing = absentFrom(actual.grants, planned);
  const extra = absentFrom(planned, actual.grants);
  const extraWrite = extra.filter((g) => !isReadOnlyGroup(g));
  const extraRead = extra.filter((g) => isReadOnlyGroup(g));
  const names = (groups: readonly PermissionGroupRef[]) => groups.map(describeGroup).join(", ");

  const problems: string[] = [];
  const remedies: string[] = [];
  let status: Check["status"] = "pass";
  if (missing.length > 0) {
    status = "fail";
    problems.push(`missing ${names(missing)}`);
    remedies.push(`Add ${names(missing)} to the token (${deploy} restores the planned groups).`);
  }
  if (extraWrite.length > 0 || actual.unknownIds.length > 0) {
    status = "fail";
    if (extraWrite.length > 0) problems.push(`extra non-read group(s) ${names(extraWrite)}: the platform needs read-only access`);
    if (actual.unknownIds.length > 0) problems.push(`group ID(s) ${actual.unknownIds.join(", ")} that Cloudflare's list does not name`);
    remedies.push(`Remove ${[...extraWrite.map(describeGroup), ...actual.unknownIds].join(", ")} from the token (${deploy}).`);
  }
  if (extraRead.length > 0) {
    if (expect.extraRead === "fail") status = "fail";
    else if (status === "pass") status = "warn";
    problems.push(`extra read group(s) ${names(extraRead)} that ${plan.platform}/${plan.profile} does not need`);
    remedies.push(`Remove ${names(extraRead)} for least privilege (${deploy}).`);
  }
  if (status !== "pass") return { id: ID, status, detail: problems.join("; "), remedy: remedies.join(" ") };
  const denies = actual.denies ? ` (plus ${actual.denies} deny polic${actual.denies === 1 ? "y" : "ies"}, which only narrow)` : "";
  const namedBy = expect.groupsFrom === "deploy" ? ", by the IDs the deploy resolved from Cloudflare's list" : "";
  return {
    id: ID,
    status: "pass",
    detail: `exactly the ${planned.size} planned permission group(s) of ${plan.platform}/${plan.profile}${denies}${namedBy}`,
  };
}
