import { existsSync } from "node:fs";
import path from "node:path";
import type { Command } from "commander";
import { secretsProviderCheck } from "../../automation/doctor-secrets";
import { describePreflight } from "../../automation/preflight";
import { failure, renderDoctor, runDoctor, type CheckResult, type DoctorCheck } from "../../automation/doctor";
import { backendIdentity, pulumiCliVersion, stackExists } from "../../automation/pulumi-engine";
import { pulumiOnPath, redactUrl, secretsProvider, stateBackend } from "../../automation/pulumi-environment";
import { missingCli } from "../../automation/pulumi-errors";
import type { Pipeline } from "../../automation/pipeline";
import type { ConnectionSettings, Settings } from "../../config/schema";
import { readStackFile, stackFilePath } from "../../config/stack-file";
import { checkEvidenceDir, writeProbe } from "../../evidence/safe-write";
import { registrarContext } from "../../registration";
import { handoffDir } from "../../registration/handoff";
import { EXIT } from "../errors";
import { returnsExitCode } from "../exit-code";
import { pipelineFor, withEngineOptions, type EngineOptions } from "../engine-options";

type DoctorOptions = EngineOptions & { json?: boolean };

const once = <T>(make: () => Promise<T>): (() => Promise<T>) => {
  let made: Promise<T> | undefined;
  return () => (made ??= make());
};

export function registerDoctor(program: Command): void {
  withEngineOptions(
    program
      .command("doctor")
      .description(
        "Check, changing nothing, everything `cfct up` needs, in the order it needs it: the Pulumi CLI, backend, secrets provider and stack (or the running sandbox and rehearsal state), the provisioner, the evidence directory, each connection's registration",
      ),
  )
    .option("--json", "print exactly one JSON object {stack, engine, ok, findings: [{check, status, detail, fix}]}")
    .action(
      returnsExitCode(async (options: DoctorOptions) => {
        // A mistyped --stack is a usage error with "did you mean", not a list of checks that could not run.
        const stackFile = stackFilePath(path.resolve(options.projectDir), options.stack);
        if (!existsSync(stackFile)) readStackFile(stackFile);
        const report = await runDoctor(options.engine === "sandbox" ? rehearsalChecks(options) : pulumiChecks(options));
        const command = `cfct up --stack ${options.stack}${options.engine === "sandbox" ? " --engine sandbox" : ""}`;
        process.stdout.write(
          options.json
            ? `${JSON.stringify({ stack: options.stack, engine: options.engine, ok: report.ok, findings: report.findings })}\n`
            : renderDoctor(report, options.stack, command),
        );
        return report.ok ? EXIT.ok : EXIT.nothingChanged;
      }),
    );
}

/** The checks both engines share, from the provisioner on; `pipeline` is built once, quietly (doctor prints only findings). */
function sharedChecks(options: DoctorOptions, pipeline: () => Promise<Pipeline>, needs: string): DoctorCheck[] {
  const settings = once(async () => (await pipeline()).context.engine.settings());
  return [
    {
      check: "stack-config",
      needs: [needs],
      run: async () => {
        const { connections } = await settings();
        return { status: "ok", detail: `${connections.length} connection(s): ${connections.map((c) => c.name).join(", ")}` };
      },
    },
    {
      check: "provisioner",
      needs: ["stack-config"],
      run: async () => {
        const loaded = await settings();
        const { engine, preflight } = (await pipeline()).context;
        // A stack `up` has not created yet has no tokens to update; any other read failure is said, not hidden.
        const deployed = await engine.outputs().then(
          (tokens) => ({ tokens, unread: undefined }),
          (error: unknown) => ({ tokens: [], unread: error instanceof Error ? error.message : String(error) }),
        );
        const report = await preflight(loaded, deployed.tokens);
        if (report.findings.length > 0) return failure(new Error(describePreflight(report, loaded.stack)));
        const notes = [
          ...report.notes,
          ...(deployed.unread
            ? [`the stack's deployed tokens could not be read, so updating them was not judged (${deployed.unread})`]
            : []),
        ]
          .map((note) => `; note: ${note}`)
          .join("");
        return {
          status: "ok",
          detail: `the provisioner can create every token of stack ${loaded.stack} and read its accounts and zones${notes}`,
        };
      },
    },
    {
      check: "evidence-dir",
      run: async () => {
        const dir = path.resolve(options.evidenceDir);
        checkEvidenceDir(dir, options.stack);
        return { status: "ok", detail: `${path.join(dir, options.stack)} can be created and written` };
      },
    },
    {
      check: "registration",
      needs: ["stack-config"],
      run: async () => {
        const loaded = await settings();
        const { context } = await pipeline();
        return loaded.connections.map((connection) => registrationCheck(options, loaded, connection, context.registrarFor));
      },
    },
  ];
}

/** One connection's registration as `up` will use it: its secret present, its hand-off directory allowed and writable. */
function registrationCheck(
  options: DoctorOptions,
  settings: Settings,
  connection: ConnectionSettings,
  registrarFor: Pipeline["context"]["registrarFor"],
): CheckResult {
  const check = `registration:${connection.name}`;
  try {
    const registrar = registrarFor(connection);
    const refusal = registrar.refusal?.(settings.stack);
    if (refusal) return { ...failure(new Error(refusal)), check };
    const config = connection.registration;
    if (config.kind === "webhook")
      return { check, status: "ok", detail: `webhook ${config.url}, signing secret ${config.secretEnv} is set` };
    // Building the registrar checked the site against the allowed hosts and that both keys are set.
    if (config.kind === "datadog")
      return {
        check,
        status: "ok",
        detail: `Datadog ${config.site}, ${config.apiKeyEnv} and ${config.appKeyEnv} are set (the application key's manage_integrations permission is proven only by the first registration)`,
      };
    const context = registrarContext(process.env, options.engine === "sandbox" ? { rehearsal: true } : {});
    const dir = handoffDir(config, settings.stack, context);
    try {
      writeProbe(dir, 0o700);
    } catch (error) {
      return {
        check,
        status: "fail",
        detail: `hand-off sheets cannot be written to ${dir} (${(error as Error).message})`,
        fix: "make the directory writable by you, or set registration.dir (or CFCT_HANDOFF_DIR) to one that is",
      };
    }
    return { check, status: "ok", detail: `hand-off sheets go to ${dir} (writable, outside any repository)` };
  } catch (error) {
    return { ...failure(error), check };
  }
}

/** What the Pulumi engine's `up` needs, in its order: CLI, backend, secrets provider, stack, then the shared checks. */
function pulumiChecks(options: DoctorOptions): DoctorCheck[] {
  const env = process.env;
  const projectDir = path.resolve(options.projectDir);
  const workspace = {
    projectDir,
    stack: options.stack,
    provisionerToken: env[options.provisionerTokenEnv] ?? "",
    provisionerTokenEnv: options.provisionerTokenEnv,
    env,
  };
  const backend = () => {
    const found = stateBackend(projectDir, env);
    if (found instanceof Error) throw found;
    return found;
  };
  const pipeline = once(async () => pipelineFor(options, () => undefined));
  return [
    {
      check: "pulumi-cli",
      run: async () => {
        const at = pulumiOnPath();
        if (!at) throw missingCli();
        return { status: "ok", detail: `Pulumi CLI ${await pulumiCliVersion(workspace)} (${at})` };
      },
    },
    {
      check: "pulumi-backend",
      needs: ["pulumi-cli"],
      run: async () => {
        const url = backend();
        const who = await backendIdentity(workspace);
        return { status: "ok", detail: `${redactUrl(who.url ?? url)}, logged in as ${who.user}` };
      },
    },
    {
      check: "secrets-provider",
      needs: ["pulumi-backend"],
      run: async () => {
        const provider = secretsProvider(projectDir, options.stack, backend(), env);
        if (provider instanceof Error) throw provider;
        // Usable is not the whole answer: who can decrypt the token values, and a warning for a passphrase on prod.
        const readers = secretsProviderCheck({
          projectDir,
          stack: options.stack,
          name: options.stack.split("/").pop()!,
          env,
          policyPackConfigs: (options.policyPackConfig ?? []).map((file) => path.resolve(file)),
        });
        return {
          status: readers.status,
          detail: `stack ${options.stack} keeps its secrets with ${provider}; ${readers.detail}`,
          ...(readers.fix ? { fix: readers.fix } : {}),
        };
      },
    },
    {
      check: "stack",
      needs: ["pulumi-backend"],
      run: async () =>
        (await stackExists(workspace))
          ? { status: "ok", detail: `stack ${options.stack} exists in the backend` }
          : {
              status: "ok",
              detail: `stack ${options.stack} does not exist yet: \`cfct up\` creates it (preview, verify and destroy do not)`,
            },
    },
    {
      check: "provisioner-credential",
      run: async () => {
        await pipeline();
        return { status: "ok", detail: `${options.provisionerTokenEnv} is set (its value is not shown)` };
      },
    },
    ...sharedChecks(options, pipeline, "provisioner-credential"),
  ];
}

/** What a rehearsal needs instead: the running sandbox and its credential, the rehearsal state, then the shared checks. */
function rehearsalChecks(options: DoctorOptions): DoctorCheck[] {
  // Which sandbox and credential the rehearsal would use (what the other commands print first) goes into the sandbox finding.
  const target: string[] = [];
  const pipeline = once(async () => pipelineFor(options, (line) => target.push(line)));
  return [
    {
      check: "sandbox",
      run: async () => {
        const { context } = await pipeline();
        await context.now(); // the control plane answers (its clock is the rehearsal's)
        return { status: "ok", detail: [`sandbox at ${context.apiBaseUrl} answers`, ...target.splice(0)].join("; ") };
      },
    },
    {
      check: "rehearsal-state",
      needs: ["sandbox"],
      run: async () => {
        const tokens = await (await pipeline()).context.engine.outputs();
        return { status: "ok", detail: `readable, ${tokens.length} token(s) from earlier rehearsals` };
      },
    },
    ...sharedChecks(options, pipeline, "sandbox"),
  ];
}
