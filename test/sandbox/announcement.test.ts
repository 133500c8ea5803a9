import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { announce, announcementFile, readAnnouncements, withdraw, type SandboxAnnouncement } from "../../src/sandbox/announcement";

const entry = (port: number): SandboxAnnouncement => ({
  baseUrl: `http://127.0.0.1:${port}/client/v4`,
  controlUrl: `http://127.0.0.1:${port}/__sandbox`,
  controlToken: `control-${port}`,
  provisionerToken: `provisioner-${port}`,
  pid: process.pid,
});

describe("~/.cfct/sandbox.json: one entry per sandbox", () => {
  it("keeps two sandboxes of one process, replaces a sandbox announced again, and withdraws every entry of the process", () => {
    const file = announcementFile(mkdtempSync(path.join(tmpdir(), "cfct-home-")));
    expect(announce(entry(8787), file)).toEqual([]);
    expect(announce(entry(8788), file)).toEqual([entry(8787)]);
    expect(readAnnouncements(file).running.map((s) => s.baseUrl)).toEqual([entry(8787).baseUrl, entry(8788).baseUrl]);

    const restarted = { ...entry(8787), controlToken: "a new control token" };
    announce(restarted, file);
    expect(readAnnouncements(file).running).toEqual([entry(8788), restarted]);

    withdraw(process.pid, file);
    expect(readAnnouncements(file).running).toEqual([]);
  });
});
