import path from "node:path";
import type { Command } from "commander";
import { runDemo } from "../../demo/demo";
import { buildPipeline } from "../build-pipeline";
import { clientsAt } from "../clients";
import { EXIT } from "../errors";
import { returnsExitCode } from "../exit-code";
import { verifyByFlags } from "../verify-flags";

export function registerDemo(program: Command): void {
  program
    .command("demo")
    .description("Run the whole job against an in-process Cloudflare API sandbox: deploy, verify, register, rotate, diagnose, evidence")
    .option("--evidence-dir <dir>", "where evidence JSON and Markdown go", "evidence")
    .option("--project-dir <dir>", "directory holding Pulumi.yaml and stacks/", process.cwd())
    .option("--work-dir <dir>", "rehearsal state and hand-off sheets (emptied first; default <project>/.cfct/demo)")
    .action(
      returnsExitCode(async (options: { evidenceDir: string; projectDir: string; workDir?: string }) => {
        const projectDir = path.resolve(options.projectDir);
        const result = await runDemo({
          projectDir,
          evidenceDir: path.resolve(options.evidenceDir),
          ...(options.workDir ? { workDir: path.resolve(options.workDir) } : {}),
          print: (line) => process.stdout.write(`${line}\n`),
          rehearsalPipeline: (wiring) => buildPipeline({ ...wiring, projectDir, engine: "sandbox" }),
          clientsAt,
          verifyByPlatform: verifyByFlags,
        });
        return result.ok ? EXIT.ok : EXIT.failed;
      }),
    );
}
