import { DAY_MS } from "../domain/time";
import { deployCommand, rotateCommand } from "./diagnose";
import type { Check, ExactnessExpectation } from "./types";

const ID = "exactness:expiry";

/** Rule 3: the token expires; when the plan's expiry is anchored on a recorded generation, within a day of it. */
export function checkExpiry(
  expiresOn: string | undefined,
  expect: Pick<ExactnessExpectation, "plan" | "plannedExpiryKnown" | "stack">,
): Check {
  const { plan, stack } = expect;
  if (!expiresOn) {
    return {
      id: ID,
      status: "fail",
      detail: "the token never expires; the plan gives it an expiry",
      remedy: `Replace it with an expiring token: ${rotateCommand(stack)} (or ${deployCommand(stack)}).`,
    };
  }
  if (expect.plannedExpiryKnown && Math.abs(Date.parse(expiresOn) - Date.parse(plan.expiresOn)) > DAY_MS) {
    return {
      id: ID,
      status: "warn",
      detail: `expires ${expiresOn}, the plan says ${plan.expiresOn}`,
      remedy: `Redeploy so the token matches its generation (${deployCommand(stack)}), or rotate: ${rotateCommand(stack)}.`,
    };
  }
  return { id: ID, status: "pass", detail: `expires ${expiresOn}` };
}
