import path from "node:path";
import { cruise, type ICruiseResult } from "dependency-cruiser";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(__dirname, "../..");

/** Every project module a start module imports, directly or not (dependency-cruiser, as `npm run lint:layers` runs it). */
async function reachedFrom(start: string): Promise<string[]> {
  // Type-only imports count too: stricter than what node loads, and what the layer rules check.
  const { output } = await cruise([start], { baseDir: ROOT, doNotFollow: { path: "node_modules" }, tsPreCompilationDeps: true });
  return (output as ICruiseResult).modules.map((m) => m.source).filter((source) => source.startsWith("src/"));
}

describe("layers", () => {
  it("parsing a stack file loads the registrars' config schemas, never their implementations", async () => {
    const loaded = await reachedFrom("src/config/stack-file.ts");
    expect(loaded).toContain("src/config/registration/webhook.ts");
    expect(loaded.filter((module) => module.startsWith("src/registration/"))).toEqual([]);
  });

  it("src/domain loads nothing outside itself", async () => {
    for (const module of ["src/domain/plan.ts", "src/domain/generation.ts", "src/domain/resource-keys.ts", "src/domain/time.ts"]) {
      expect(
        (await reachedFrom(module)).filter((loaded) => !loaded.startsWith("src/domain/")),
        module,
      ).toEqual([]);
    }
  });
});
