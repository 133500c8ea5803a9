import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { interruptionMessage } from "../../src/cli/interruption";
import { announcementFile, readAnnouncements } from "../../src/sandbox/announcement";

describe("what an interruption says", () => {
  const run = { command: "up", stack: "prod", lastStep: "drata-g1: created" };

  it("with the Pulumi engine (it keeps its own record of creates in flight)", () => {
    expect(interruptionMessage("SIGINT", run, {})).toBe(
      "interrupted (SIGINT) during `cfct up --stack prod`, after: drata-g1: created. The Pulumi update was asked to stop too: a token create it had in flight stays pending in the stack's state, and the next `cfct up` deletes such a token (nobody holds its value) and records that in its evidence. This run wrote no evidence record. Run `cfct up --stack prod` again to finish: it resumes where this one stopped.",
    );
  });

  it("with the rehearsal engine, naming each create in flight, or none", () => {
    expect(interruptionMessage("SIGTERM", { ...run, command: "rotate" }, { inFlight: () => ["cfct prod drata g2"] })).toContain(
      "1 token create(s) were in flight: cfct prod drata g2. Nobody will hold their values: the next `cfct up --stack prod` deletes those tokens",
    );
    expect(interruptionMessage("SIGINT", run, { inFlight: () => [] })).toContain("No token create was in flight.");
  });
});

describe("~/.cfct/sandbox.json written before several sandboxes were kept", () => {
  it("is still read: its one entry is a running sandbox", () => {
    const file = announcementFile(mkdtempSync(path.join(tmpdir(), "cfct-home-")));
    const entry = {
      baseUrl: "http://127.0.0.1:9/client/v4",
      controlUrl: "http://127.0.0.1:9/__sandbox",
      controlToken: "c",
      provisionerToken: "t",
      pid: process.pid,
    };
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(entry));
    expect(readAnnouncements(file)).toEqual({ running: [entry], stale: [], outdated: [] });
  });
});
