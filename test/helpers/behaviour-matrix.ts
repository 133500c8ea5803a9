import path from "node:path";
import { behaviourOverrides, readBehaviourFile } from "../../src/parity/behaviour-file";
import { nonDefaultBehaviourCases, type BehaviourOverrides } from "../../src/sandbox";

export interface MatrixRow {
  readonly label: string;
  readonly behaviours: BehaviourOverrides;
}

/**
 * The behaviour matrix's rows: each non-default value alone, then every non-default value at once.
 * With the ordinary suites (all defaults) this covers every pair of values of every two behaviours
 * (pairwise): default/default there, one non-default with the other's default in the single rows,
 * and non-default/non-default in the "every" row. The last row is a behaviour file as
 * `cfct sandbox-parity` records one (`cfct sandbox --behaviour-file`): a mix of both.
 */
export function matrixRows(): MatrixRow[] {
  const cases = nonDefaultBehaviourCases();
  return [
    ...cases.map((c) => ({ label: `${c.name}=${c.value}`, behaviours: c.overrides })),
    { label: "every non-default value", behaviours: Object.assign({}, ...cases.map((c) => c.overrides)) as BehaviourOverrides },
    {
      label: "a recorded behaviour file",
      behaviours: behaviourOverrides(readBehaviourFile(path.join(__dirname, "recorded.behaviours.json"))),
    },
  ];
}
