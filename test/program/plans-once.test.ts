import { describe, expect, it, vi } from "vitest";
import { plan } from "../../src/plan/plan";
import { resolveTokens } from "../../src/component/resolve";
import { COMPLIANCE_TOKEN_TYPE } from "../../src/domain/resource-types";
import { runStackProgram } from "../helpers/program-under-mocks";

// The real planner and resolver, counted: the program plans the stack once and hands each component its token.
vi.mock("../../src/plan/plan", async (actual) => {
  const real = await actual<typeof import("../../src/plan/plan")>();
  return { ...real, plan: vi.fn(real.plan) };
});
vi.mock("../../src/component/resolve", async (actual) => {
  const real = await actual<typeof import("../../src/component/resolve")>();
  return { ...real, resolveTokens: vi.fn(real.resolveTokens) };
});

describe("the stack program", () => {
  it("plans the stack and resolves its names once, however many ComplianceTokens it declares", async () => {
    vi.mocked(plan).mockClear();
    vi.mocked(resolveTokens).mockClear();
    const run = await runStackProgram("dev");
    const components = run.resources.filter((r) => r.type === COMPLIANCE_TOKEN_TYPE);
    // Not vacuous: more than one component, each of which would otherwise plan and resolve its own token.
    expect(components.length).toBeGreaterThanOrEqual(2);
    expect(vi.mocked(plan)).toHaveBeenCalledTimes(1);
    expect(vi.mocked(resolveTokens)).toHaveBeenCalledTimes(1);
    expect(vi.mocked(resolveTokens).mock.calls[0]![0]).toHaveLength(components.length);
  });
});
