import { createRequire } from "node:module";
import { register } from "ts-node";
import { vi } from "vitest";
import type * as cliMain from "../../src/cli/main";

export interface InProcessRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * `cfct <argv>` run by its entry point in this process: the exit code main returns (commands return
 * theirs and only the binary's entry point sets process.exitCode, so no run leaves one behind) and what it wrote.
 * A process per case costs a Node start and a module load each; the real binary keeps one spawned
 * smoke test (test/cli/usage-errors.e2e.test.ts).
 */
function loadMain(): typeof cliMain.main {
  // main requires each command module only when it is named (so `cfct plan` never loads Pulumi), and
  // vitest transforms imports, not require(): Node loads the whole CLI here, through ts-node as
  // Pulumi's loader does, so every error class main tells apart is the one the commands throw.
  register({ transpileOnly: true });
  return (createRequire(__filename)("../../src/cli/main") as typeof cliMain).main;
}

let main: typeof cliMain.main | undefined;

export async function runCfct(argv: readonly string[]): Promise<InProcessRun> {
  const written = { stdout: "", stderr: "" };
  const capture = (stream: "stdout" | "stderr") =>
    vi.spyOn(process[stream], "write").mockImplementation((chunk: string | Uint8Array) => {
      written[stream] += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8");
      return true;
    });
  const spies = [capture("stdout"), capture("stderr")];
  try {
    main ??= loadMain();
    return { code: await main(argv), ...written };
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
}
