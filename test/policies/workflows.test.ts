import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { PROJECT_DIR } from "./fixtures";

type Step = {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
  if?: string;
};
type Job = { steps: Step[]; environment?: string; permissions?: Record<string, string>; if?: string };
type Workflow = {
  on: Record<string, unknown>;
  permissions: Record<string, string>;
  concurrency?: { group: string; "cancel-in-progress": boolean };
  jobs: Record<string, Job>;
};

const load = (name: string) => parseYaml(readFileSync(path.join(PROJECT_DIR, ".github/workflows", name), "utf8")) as Workflow;
const steps = (w: Workflow) => Object.values(w.jobs).flatMap((job) => job.steps);
const runs = (w: Workflow) => steps(w).flatMap((s) => (s.run ? [s.run] : []));
const jobRuns = (job: Job) => job.steps.flatMap((s) => (s.run ? [s.run] : []));

describe("GitHub workflows", () => {
  const preview = load("preview.yml");
  const deploy = load("deploy.yml");
  const rotate = load("rotate.yml");
  const audit = load("audit.yml");
  const diffComment = load("diff-comment.yml");

  it("preview: on pull_request, installs both packages, runs pulumi/actions@v7 preview with the pack and a PR comment", () => {
    expect(Object.keys(preview.on)).toEqual(["pull_request"]);
    expect(preview.permissions).toEqual({ contents: "read", "pull-requests": "write" });
    expect(jobRuns(preview.jobs["preview"]!)).toEqual(["npm ci", "npm --prefix policies ci"]);
    const action = steps(preview).find((s) => s.uses === "pulumi/actions@v7")!;
    expect(action.with).toMatchObject({
      command: "preview",
      diff: true,
      "comment-on-pr": true,
      policyPacks: "policies",
      "cloud-url": "${{ secrets.PULUMI_BACKEND_URL }}",
    });
    expect(action.env).toMatchObject({
      CLOUDFLARE_API_TOKEN: "${{ secrets.CF_PREVIEW_TOKEN }}",
      PULUMI_CONFIG_PASSPHRASE: expect.any(String),
    });
  });

  it("previews get a read-only credential of their own, never the provisioner that can mint tokens", () => {
    const text = readFileSync(path.join(PROJECT_DIR, ".github/workflows/preview.yml"), "utf8");
    expect(text).not.toContain("CF_PROVISIONER_TOKEN");
  });

  it("every pulumi/actions step suppresses outputs and has no id, so no later step reads the stack's outputs from it", () => {
    const actionSteps = [preview, deploy, rotate].flatMap(steps).filter((s) => s.uses?.startsWith("pulumi/actions"));
    expect(actionSteps).toHaveLength(3);
    for (const step of actionSteps) {
      expect(step.with?.["suppress-outputs"]).toBe(true);
      expect(step.id).toBeUndefined();
    }
  });

  it("every job that reads a secret runs in the prod environment, where those secrets live", () => {
    const secretJobs = [preview, deploy, rotate]
      .flatMap((workflow) => Object.values(workflow.jobs))
      .filter((job) => JSON.stringify(job.steps).includes("secrets."));
    // preview's Pulumi job, deploy and rotate; the diff job needs none (fork pull requests get none).
    expect(secretJobs).toHaveLength(3);
    for (const job of secretJobs) expect(job.environment).toBe("prod");
  });

  it("deploy and rotate commit the generations record through the one script that survives a concurrent push", () => {
    for (const workflow of [deploy, rotate]) {
      const commit = steps(workflow).find((s) => s.name === "Commit token generations")!;
      expect(commit.run?.trim()).toMatch(/^\.github\/scripts\/commit-generations\.sh "[^"]+"$/);
      expect(commit.env).toEqual({ GH_TOKEN: "${{ github.token }}" });
      expect(workflow.permissions).toMatchObject({ contents: "write", "pull-requests": "write" });
    }
  });

  it("deploy: on push to main, cfct up with the pack; rotate: daily, cfct rotate --if-due-within 14d", () => {
    expect(deploy.on).toMatchObject({ push: { branches: ["main"] } });
    expect(runs(deploy)).toContain("npx cfct up --stack prod --policy-pack policies");
    expect(Object.keys(rotate.on)).toEqual(["schedule", "workflow_dispatch"]);
    expect((rotate.on["schedule"] as { cron: string }[])[0]!.cron).toMatch(/^\d+ \d+ \* \* \*$/);
    expect(runs(rotate)).toContain("npx cfct rotate --stack prod --if-due-within 14d --policy-pack policies");
  });

  it("deploy and rotate share one never-cancelled concurrency group for the prod stack", () => {
    expect(deploy.concurrency).toEqual({ group: "cfct-prod", "cancel-in-progress": false });
    expect(rotate.concurrency).toEqual(deploy.concurrency);
  });

  it("secrets reach commands only through env, never interpolated into a script, and no step reads action outputs", () => {
    for (const workflow of [preview, deploy, rotate, audit, diffComment]) {
      for (const run of runs(workflow)) {
        expect(run).not.toMatch(/\$\{\{\s*secrets\./);
        expect(run).not.toMatch(/steps\.[\w-]+\.outputs/);
      }
    }
  });

  it("preview: a separate cfct diff job with no secrets (fork pull requests too); diff-comment.yml posts it only on the diffed head", () => {
    const diff = preview.jobs["diff"]!;
    expect(diff.permissions).toEqual({ contents: "read" });
    expect(JSON.stringify(diff)).not.toMatch(/secrets\./);
    expect(jobRuns(diff).join("\n")).toContain('npx cfct diff --stack "$STACK" --base "origin/$BASE_REF"');
    expect(Object.keys(diffComment.on)).toEqual(["workflow_run"]);
    expect(diffComment.permissions).toEqual({ actions: "read", "pull-requests": "write" });
    const post = jobRuns(diffComment.jobs["comment"]!).join("\n");
    expect(post).toContain('if [ "$head" != "$HEAD_SHA" ]');
    expect(post).toContain("gh pr comment");
    expect(steps(diffComment).some((s) => s.uses?.startsWith("actions/checkout"))).toBe(false);
  });

  it("audit: weekly and on demand, in the prod environment, keeps the review as an artifact", () => {
    expect(Object.keys(audit.on)).toEqual(["schedule", "workflow_dispatch"]);
    expect((audit.on["schedule"] as { cron: string }[])[0]!.cron).toMatch(/^\d+ \d+ \* \* [0-6]$/);
    expect(audit.jobs["audit"]!.environment).toBe("prod");
    expect(runs(audit).join("\n")).toContain("npx cfct audit --stack prod --out review --json > review/access-review.json");
    const upload = steps(audit).find((s) => s.uses === "actions/upload-artifact@v4")!;
    expect(upload.if).toBe("always()");
    expect(String(upload.with!["path"])).toContain("review/");
  });
});
