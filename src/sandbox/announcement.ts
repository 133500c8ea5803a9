import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import path from "node:path";
import { z } from "zod";
import { isAlive } from "../domain/process-alive";

/**
 * Where a running `cfct sandbox` says it listens, so `cfct up --engine sandbox` finds it without
 * flags. The file holds the sandbox's provisioner credential: a credential of that sandbox only,
 * which it also prints on stdout; the file is 0600 under the user's home (never in a repository)
 * and the sandbox removes it when it stops. A file left by a killed sandbox is recognised by its pid.
 */
const announcementSchema = z.object({
  baseUrl: z.string().url(),
  controlUrl: z.string().url(),
  provisionerToken: z.string().min(1),
  pid: z.int().positive(),
});

export type SandboxAnnouncement = z.infer<typeof announcementSchema>;

/** ~/.cfct/sandbox.json; `home` is replaceable for tests. */
export function announcementFile(home: string = homedir()): string {
  return path.join(home, ".cfct", "sandbox.json");
}

export function announce(announcement: SandboxAnnouncement, file = announcementFile()): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(announcement)}\n`, { mode: 0o600 });
  renameSync(temp, file);
}

/** Removes the announcement if it is still this process's (a newer sandbox may have replaced it). */
export function withdraw(pid: number, file = announcementFile()): void {
  const current = readAnnouncement(file);
  if (current.kind !== "none" && (current.kind === "invalid" || current.announcement.pid === pid)) rmSync(file, { force: true });
}

export type AnnouncementLookup =
  | { readonly kind: "running"; readonly announcement: SandboxAnnouncement }
  | { readonly kind: "stale"; readonly announcement: SandboxAnnouncement }
  | { readonly kind: "invalid"; readonly reason: string }
  | { readonly kind: "none" };

export function readAnnouncement(file = announcementFile()): AnnouncementLookup {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { kind: "none" };
    return { kind: "invalid", reason: (error as Error).message };
  }
  let parsed;
  try {
    parsed = announcementSchema.safeParse(JSON.parse(text));
  } catch (error) {
    return { kind: "invalid", reason: (error as Error).message };
  }
  if (!parsed.success) return { kind: "invalid", reason: parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ") };
  return { kind: isAlive(parsed.data.pid) ? "running" : "stale", announcement: parsed.data };
}
