import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { PLATFORMS } from "../../src/platforms";

describe("the Pulumi program under Pulumi's TypeScript loader", () => {
  it("loads through ts-node as `pulumi up` would, and exports the program function", () => {
    // Pulumi's nodejs language host registers the project's ts-node for Pulumi.yaml's `main`.
    const script = [
      "require('ts-node').register({ transpileOnly: true });",
      "const program = require('./src/program/index.ts');",
      "if (typeof program !== 'function') throw new Error('main does not export the program function');",
      "const { PLATFORMS } = require('./src/platforms/index.ts');",
      "process.stdout.write(Object.keys(PLATFORMS).join(','));",
    ].join("\n");
    const result = spawnSync(process.execPath, ["-e", script], { encoding: "utf8" });
    expect(result.stderr).toBe("");
    expect(result.stdout).toBe(Object.keys(PLATFORMS).join(","));
  });
});
