import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { writeEvidence } from "../../src/evidence/write";
import { cfct } from "../helpers/cli-run";
import { at, gapHistory } from "../helpers/histories";

const report = (dir: string, ...flags: string[]) => cfct(["evidence", "report", "--stack", "prod", "--evidence-dir", dir, ...flags]);

describe("cfct evidence report", { timeout: 60_000 }, () => {
  it("says which records --until leaves out, in the report and on stderr, and how to include them", async () => {
    const { dir } = gapHistory();
    const result = await report(dir, "--since", at(0), "--until", at(3.5));
    expect(result.code, result.stderr).toBe(0);
    const notice = `1 record(s) finished after --until ${at(3.5)} (the newest at ${at(4)}) and are left out. Fix: pass --until ${at(4)} or later to include them`;
    expect(result.stderr).toBe(`cfct: left out: ${notice}\n`);
    expect(result.stdout).toContain(`> Left out: ${notice}.`);
    expect(result.stdout).toContain(`Period ${at(0)} to ${at(3.5)} on real time (UTC): 2 record(s)`);
  });

  it("says which records --since leaves out, and that the timeline still reads them for what was live", async () => {
    const { dir } = gapHistory();
    const result = await report(dir, "--since", at(1), "--until", at(5));
    expect(result.stderr).toContain(
      `cfct: left out: 1 record(s) finished before --since ${at(1)} and are left out; the timeline reads them only to know which generations were live when the period began`,
    );
    // drata g1 was issued by the record left out; the timeline still shows it expiring, then the gap.
    expect(result.stdout).toContain(`| drata | 1 | \`d1000000000000000000000000000000\` | ${at(0)} | ${at(2)} | expired |`);
    expect(result.stdout).toContain(`GAP: drata had no live, registered generation from ${at(2)} to ${at(3)}`);
  });

  it("a rehearsal's records on a sandbox clock ahead of real time: the period ends at its newest record, nothing left out, nothing compared with real time", async () => {
    const { dir } = gapHistory();
    const ahead = "2099-01-01T00:00:00.000Z";
    writeEvidence(dir, {
      schemaVersion: 1,
      command: "verify",
      stack: "prod",
      engine: "engine: sandbox (rehearsal)",
      clock: { source: "sandbox", sandbox: "5a4db0c5-sandbox" },
      commit: null,
      startedAt: ahead,
      finishedAt: ahead,
      ok: true,
      apiCalls: 1,
      tokens: [],
      rotation: [],
      problems: [],
    });
    const result = await report(dir, "--format", "json");
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe("");
    const json = JSON.parse(result.stdout);
    expect(json.periods.map((p: { clockLabel: string; until: string; untilFrom: string }) => [p.clockLabel, p.untilFrom])).toEqual([
      ["real time (UTC)", "now"],
      ["the sandbox's clock (rehearsal, sandbox 5a4db0c5; fast-forwarded, not real time)", "newest record"],
    ]);
    expect(json.periods[1].until).toBe(ahead);
    expect(json.timelines).toHaveLength(2);
  });

  it("--json is --format json; --out writes the file and says where", async () => {
    const { dir } = gapHistory();
    const viaFlag = await report(dir, "--json", "--until", at(5));
    const viaFormat = await report(dir, "--format", "json", "--until", at(5));
    expect(JSON.parse(viaFlag.stdout)).toEqual(JSON.parse(viaFormat.stdout));
    const out = path.join(dir, "out", "prod.json");
    const written = await report(dir, "--json", "--until", at(5), "--out", out);
    expect(JSON.parse(written.stdout)).toEqual({ out });
    expect(JSON.parse(readFileSync(out, "utf8"))).toEqual(JSON.parse(viaFlag.stdout));
    const html = path.join(dir, "out", "prod.html");
    expect((await report(dir, "--format", "html", "--until", at(5), "--out", html)).stdout).toBe(`report: ${html}\n`);
    expect(readFileSync(html, "utf8")).toMatch(/^<!doctype html>/);
  });

  it.each([
    {
      flags: ["--json", "--since", "last tuesday"],
      summary: "--since last tuesday is not a date",
      fix: "write e.g. 2026-01-01 or 2026-01-01T00:00:00Z",
    },
    { flags: ["--format", "json", "--since", at(3), "--until", at(1)], summary: `--until ${at(1)} is before --since ${at(3)}`, fix: "swap them" },
  ])("with JSON asked for, an error is JSON on stdout too, its summary and fix apart: $summary", async ({ flags, summary, fix }) => {
    const { dir } = gapHistory();
    const result = await report(dir, ...flags);
    const message = `${summary}. Fix: ${fix}`;
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toEqual({ ok: false, error: { message, exitCode: 1, summary, fix } });
    expect(result.stderr).toBe(`cfct: ${message}\n`);
  });

  it("a format it cannot write is a usage error naming the choices", async () => {
    const { dir } = gapHistory();
    const result = await report(dir, "--format", "pdf");
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("error: option '--format <format>' argument 'pdf' is invalid. Allowed choices are md, html, json.");
    expect(result.stdout).toBe("");
  });

  it("--json with another --format is a usage error, as JSON too", async () => {
    const { dir } = gapHistory();
    const result = await report(dir, "--json", "--format", "md");
    const message = "--json asks for JSON, --format md for md. Fix: give one of them";
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`cfct: ${message}\n`);
    expect(JSON.parse(result.stdout)).toEqual({
      ok: false,
      error: { message, exitCode: 1, summary: "--json asks for JSON, --format md for md", fix: "give one of them" },
    });
  });
});
