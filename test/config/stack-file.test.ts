import { mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { loadStackSettings, readStackFile, stackConfigDir, stackFilePath } from "../../src/config/stack-file";

const CONNECTIONS = `  cf-compliance-tokens:connections:
    - platform: drata
      accounts: ["417daa9dc1293f3af874e997f8bdce54"]
      zones: [example.com]
`;

function project(pulumiYaml: string, files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), "cfct-stackfile-"));
  writeFileSync(path.join(dir, "Pulumi.yaml"), pulumiYaml);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

describe("stack files are found and read the way Pulumi finds and reads them", () => {
  it("follows Pulumi.yaml's stackConfigDir, not a hard-coded stacks/", () => {
    const dir = project("name: p\nruntime: nodejs\nstackConfigDir: config/stacks\n", {
      "config/stacks/Pulumi.prod.yaml": `config:\n${CONNECTIONS}`,
    });
    expect(stackConfigDir(dir)).toBe(path.join(dir, "config/stacks"));
    expect(loadStackSettings(dir, "prod").connections[0]!.name).toBe("drata");
  });

  it("without stackConfigDir the stack file sits beside Pulumi.yaml; the deprecated string `config:` also names the directory", () => {
    expect(stackFilePath(project("name: p\nruntime: nodejs\n", {}), "dev")).toMatch(/cfct-stackfile-[^/]+\/Pulumi\.dev\.yaml$/);
    const legacy = project("name: p\nruntime: nodejs\nconfig: settings\n", {});
    expect(stackFilePath(legacy, "dev")).toBe(path.join(legacy, "settings", "Pulumi.dev.yaml"));
  });

  it("a qualified stack name (org/stack, org/project/stack) maps to the file of its last segment", () => {
    const dir = project("name: p\nruntime: nodejs\nstackConfigDir: stacks\n", { "stacks/Pulumi.prod.yaml": `config:\n${CONNECTIONS}` });
    expect(stackFilePath(dir, "acme/prod")).toBe(path.join(dir, "stacks", "Pulumi.prod.yaml"));
    expect(stackFilePath(dir, "acme/cf-compliance-tokens/prod")).toBe(path.join(dir, "stacks", "Pulumi.prod.yaml"));
    const settings = loadStackSettings(dir, "acme/prod");
    expect(settings.connections).toHaveLength(1);
    // The program names tokens with pulumi.getStack(), the stack's own name: so does the plan.
    expect(settings.stack).toBe("prod");
  });

  it("a secure value of ours cannot be read offline: the error names the key and how cfct reads it (through the CLI)", () => {
    const dir = project("name: p\nruntime: nodejs\n", {
      "Pulumi.prod.yaml": `encryptionsalt: v1:abc\nconfig:\n${CONNECTIONS}  cf-compliance-tokens:tokenNamePrefix:\n    secure: v1:Zm9v\n  other:secret:\n    secure: v1:YmFy\n`,
    });
    expect(readStackFile(stackFilePath(dir, "prod")).secureKeys).toEqual(["tokenNamePrefix"]);
    expect(() => loadStackSettings(dir, "prod")).toThrow(
      /cf-compliance-tokens:tokenNamePrefix = \(missing\): is a secure \(encrypted\) value.*--engine pulumi/,
    );
  });

  it("ESC environment imports are reported as not readable offline, in both of Pulumi's forms", () => {
    for (const environment of ["environment:\n  - acme/cfct-prod\n", "environment:\n  imports:\n    - acme/cfct-prod\n"]) {
      const dir = project("name: p\nruntime: nodejs\n", { "Pulumi.prod.yaml": environment });
      expect(readStackFile(stackFilePath(dir, "prod")).environments).toEqual(["acme/cfct-prod"]);
      expect(() => loadStackSettings(dir, "prod")).toThrow(
        /environment = \["acme\/cfct-prod"\]: imports Pulumi ESC environment\(s\), whose config cfct cannot read offline/,
      );
    }
  });

  it("a missing stack file names the directory Pulumi.yaml points at", () => {
    const dir = project("name: p\nruntime: nodejs\nstackConfigDir: stacks\n", {});
    expect(() => loadStackSettings(dir, "typo1")).toThrow(
      /Pulumi\.typo1\.yaml.*does not exist, and .*stacks holds no stack file\. Fix: create it/,
    );
  });
});
