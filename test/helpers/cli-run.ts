import { spawn } from "node:child_process";

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The built CLI as a user runs it (async, so a sandbox in this process keeps answering). */
export function cfct(args: readonly string[], env: Record<string, string | undefined> = {}, cwd?: string): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [`${process.cwd()}/bin/cfct.js`, ...args], {
      env: { ...process.env, ...env },
      ...(cwd ? { cwd } : {}),
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}
