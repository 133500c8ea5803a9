import { describe, expect, it } from "vitest";
import { runDestroy } from "../../src/automation/destroy";
import type { PipelineContext } from "../../src/automation/pipeline";
import { settingsFrom, ACME_CORP } from "../helpers/settings";

/** Just enough of a context for destroy: an engine that records what it was asked, and registrars that record deregistration. */
function context(settings: () => Promise<ReturnType<typeof settingsFrom>>, deregistered: string[], log: string[]): PipelineContext {
  return {
    engine: {
      settings,
      outputs: async () => [],
      destroy: async () => (log.push("destroy"), { changes: [{ logicalName: "datadog-g1", op: "delete" }], tokens: [] }),
    },
    registrarFor: (connection: { name: string }) => (
      log.push(`registrar ${connection.name}`),
      {
        kind: "datadog",
        register: async () => {
          throw new Error("not in destroy");
        },
        deregister: async () => (
          deregistered.push(connection.name),
          { registrar: "datadog", status: "deleted", detail: "gone", attempts: 2, at: "" }
        ),
      }
    ),
    progress: (line: string) => log.push(line),
    now: async () => new Date("2026-12-01T00:00:00Z"),
  } as unknown as PipelineContext;
}

const datadog = (deleteOnDestroy: boolean) =>
  settingsFrom({
    connections: [
      {
        platform: "datadog",
        accounts: [ACME_CORP],
        zones: "all",
        registration: { kind: "datadog", site: "datadoghq.com", apiKeyEnv: "DD_API_KEY", appKeyEnv: "DD_APP_KEY", deleteOnDestroy },
      },
    ],
  });

describe("runDestroy", () => {
  it("builds the registrars it will need before destroying, then deregisters after", async () => {
    const deregistered: string[] = [];
    const log: string[] = [];
    const summary = await runDestroy(context(async () => datadog(true), deregistered, log));
    expect(summary).toEqual({ ok: true, tokens: [], problems: [] });
    expect(log.slice(0, 3)).toEqual(["registrar datadog", "destroy", "datadog-g1: deleted"]);
    expect(deregistered).toEqual(["datadog"]);
  });

  it("without deleteOnDestroy builds no registrar (needs no key) and notes what is left in Datadog", async () => {
    const deregistered: string[] = [];
    const log: string[] = [];
    expect((await runDestroy(context(async () => datadog(false), deregistered, log))).ok).toBe(true);
    expect(log.filter((l) => l.startsWith("registrar"))).toEqual([]);
    expect(log.join("\n")).toContain('account "datadog" kept (registration.deleteOnDestroy is not set)');
  });

  it("a config that cannot be read: the tokens are still destroyed, and the run says registrations were not checked", async () => {
    const log: string[] = [];
    const summary = await runDestroy(context(() => Promise.reject(new Error("1 problem in stack config")), [], log));
    expect(log).toContain("destroy");
    expect(summary.ok).toBe(false);
    expect(summary.problems[0]).toMatch(
      /registrations were not checked: the stack config could not be read \(1 problem in stack config\)\. Fix:/,
    );
  });
});
