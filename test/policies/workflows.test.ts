import { readFileSync, readdirSync } from "node:fs";
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
type Job = { steps: Step[]; environment?: string; permissions?: Record<string, string>; if?: string; name?: string };
type Workflow = {
  on: Record<string, unknown>;
  permissions: Record<string, string>;
  concurrency?: { group: string; "cancel-in-progress": boolean };
  jobs: Record<string, Job>;
};

const DIR = path.join(PROJECT_DIR, ".github/workflows");
const FILES = readdirSync(DIR).filter((f) => f.endsWith(".yml"));
const text = (name: string) => readFileSync(path.join(DIR, name), "utf8");
const load = (name: string) => parseYaml(text(name)) as Workflow;
const ALL = FILES.map((file) => ({ file, workflow: load(file) }));
const jobsOf = (w: Workflow) => Object.entries(w.jobs);
const steps = (w: Workflow) => Object.values(w.jobs).flatMap((job) => job.steps);
const runs = (w: Workflow) => steps(w).flatMap((s) => (s.run ? [s.run] : []));
const jobRuns = (job: Job) => job.steps.flatMap((s) => (s.run ? [s.run] : []));
const triggeredByPullRequests = (w: Workflow) => ["pull_request", "pull_request_target"].some((event) => event in w.on);

/** The secrets of the prod environment: the provisioner that mints tokens and the registration channels. */
const PROD_ONLY_SECRETS = /secrets\.(CF_PROVISIONER_TOKEN|CFCT_WEBHOOK_SECRET|DRATA_API_KEY|DD_API_KEY|DD_APP_KEY)\b/;
/** A step that runs third-party or project code: it must never hold a push-capable token. */
const RUNS_CODE = /\b(npm|npx|node)\b/;

describe("GitHub workflows: what each one runs, with which credentials", () => {
  const preview = load("preview.yml");
  const diff = load("diff.yml");
  const deploy = load("deploy.yml");
  const rotate = load("rotate.yml");
  const audit = load("audit.yml");

  it("the workflows are these six (a new one gets these rules too)", () => {
    expect(FILES.sort()).toEqual(["audit.yml", "deploy.yml", "diff.yml", "preview.yml", "release.yml", "rotate.yml"]);
  });

  it("every remote action is pinned to a full commit SHA, with its tag in a comment", () => {
    for (const { file } of ALL) {
      const uses = text(file)
        .split("\n")
        .filter((line) => /^\s*(- )?uses:/.test(line));
      expect(uses.length, file).toBeGreaterThan(0);
      for (const line of uses) expect(line, `${file}: ${line}`).toMatch(/uses: [\w.-]+\/[\w./-]+@[0-9a-f]{40} # v\d+(\.\d+){2}\b/);
    }
  });

  it("every checkout keeps no credentials; a token is given only to a step that runs none of npm, npx or node", () => {
    for (const { file, workflow } of ALL) {
      for (const step of steps(workflow)) {
        if (step.uses?.startsWith("actions/checkout")) expect(step.with?.["persist-credentials"], `${file}: ${step.name}`).toBe(false);
        const holdsToken = /github\.token|secrets\.GITHUB_TOKEN/.test(JSON.stringify(step.env ?? {}));
        if (holdsToken) expect(step.run ?? "", `${file}: ${step.name}`).not.toMatch(RUNS_CODE);
      }
    }
  });

  it("npm runs no install scripts: npm ci --ignore-scripts, then the explicit build before any cfct", () => {
    for (const { file, workflow } of ALL) {
      for (const [name, job] of jobsOf(workflow)) {
        const lines = jobRuns(job);
        for (const run of lines.filter((r) => /\bnpm( --prefix \S+)? ci\b/.test(r)))
          expect(run, `${file}/${name}`).toContain("--ignore-scripts");
        const build = lines.indexOf("npm run build");
        const firstCfct = lines.findIndex((r) => /cfct|diff-report\.sh|evidence-chain\.sh (restore|anchor)/.test(r));
        if (firstCfct >= 0) {
          expect(build, `${file}/${name} builds`).toBeGreaterThanOrEqual(0);
          expect(build, `${file}/${name} builds before cfct`).toBeLessThan(firstCfct);
          expect(lines.slice(0, build).every((r) => !/cfct/.test(r))).toBe(true);
        }
      }
    }
  });

  it("no pull-request job runs in the prod environment or sees its secrets; one that sees any secret is the reviewed preview, never a fork's", () => {
    const pullRequestWorkflows = ALL.filter(({ workflow }) => triggeredByPullRequests(workflow));
    expect(pullRequestWorkflows.map(({ file }) => file).sort()).toEqual(["diff.yml", "preview.yml"]);
    for (const { file, workflow } of pullRequestWorkflows) {
      for (const [name, job] of jobsOf(workflow)) {
        expect(job.environment, `${file}/${name}`).not.toBe("prod");
        expect(JSON.stringify(job), `${file}/${name}`).not.toMatch(PROD_ONLY_SECRETS);
        if (/secrets\./.test(JSON.stringify(job))) {
          expect(job.environment, `${file}/${name}`).toBe("preview");
          expect(job.if, `${file}/${name}`).toBe("github.event.pull_request.head.repo.full_name == github.repository");
          expect(Object.keys(workflow.on), "never pull_request_target with secrets").toEqual(["pull_request"]);
        }
      }
    }
  });

  it("the gate (diff.yml): pull_request_target, no secrets, the base branch's code on the pull request's files as data, posted as the bot", () => {
    expect(Object.keys(diff.on)).toEqual(["pull_request_target"]);
    expect(diff.permissions).toEqual({ contents: "read", "pull-requests": "write" });
    const job = diff.jobs["diff"]!;
    expect(JSON.stringify(job)).not.toMatch(/secrets\./);
    // No checkout of the pull request: only the base branch (the event's default ref) is checked out.
    const checkouts = job.steps.filter((s) => s.uses?.startsWith("actions/checkout"));
    expect(checkouts).toHaveLength(1);
    expect(checkouts[0]!.with).toEqual({ "persist-credentials": false });
    expect(JSON.stringify(job)).not.toMatch(/allow-unsafe-pr-checkout|download-artifact|workflow_run/);
    const data = job.steps.find((s) => s.name === "The pull request's stack files, as data")!;
    expect(data.run).toContain('.github/scripts/pr-stack-files.sh "$HEAD_SHA" pr');
    expect(data.env).toMatchObject({ HEAD_SHA: "${{ github.event.pull_request.head.sha }}" });
    expect(jobRuns(job)).toContain(".github/scripts/diff-report.sh . pr cfct-diff.md prod dev");
    const comment = job.steps.find((s) => s.name === "Comment on the pull request")!;
    expect(comment.run).toContain('gh pr comment "$PR" --repo "$REPO" --body-file cfct-diff.md');
    expect(comment.env!["PR"]).toBe("${{ github.event.pull_request.number }}");
  });

  it("the full preview (preview.yml): the reviewed `preview` environment with a read-only credential, the pack, outputs suppressed", () => {
    expect(Object.keys(preview.on)).toEqual(["pull_request"]);
    expect(preview.permissions).toEqual({ contents: "read" });
    const job = preview.jobs["preview"]!;
    expect(jobRuns(job)).toEqual(["npm ci --ignore-scripts", "npm --prefix policies ci --ignore-scripts", "npm run build"]);
    const action = job.steps.find((s) => s.uses?.startsWith("pulumi/actions@"))!;
    expect(action.with).toMatchObject({
      command: "preview",
      diff: true,
      policyPacks: "policies",
      "cloud-url": "${{ secrets.PULUMI_BACKEND_URL }}",
    });
    expect(action.env).toMatchObject({
      CLOUDFLARE_API_TOKEN: "${{ secrets.CF_PREVIEW_TOKEN }}",
      PULUMI_CONFIG_PASSPHRASE: expect.any(String),
    });
  });

  it("deploy, rotate and audit run only on refs/heads/main, in the prod environment", () => {
    for (const workflow of [deploy, rotate, audit]) {
      const jobs = Object.values(workflow.jobs);
      expect(jobs).toHaveLength(1);
      expect(jobs[0]!.if).toBe("github.ref == 'refs/heads/main'");
      expect(jobs[0]!.environment).toBe("prod");
    }
    // Every job that reads a secret is one of these, the reviewed preview, or release's publish in the protected npm environment.
    const secretJobs = ALL.flatMap(({ workflow }) => Object.values(workflow.jobs)).filter((job) =>
      /secrets\./.test(JSON.stringify(job.steps)),
    );
    expect(secretJobs.map((job) => job.environment).sort()).toEqual(["npm", "preview", "prod", "prod", "prod"]);
  });

  it("every pulumi/actions step suppresses outputs and has no id, so no later step reads the stack's outputs from it", () => {
    const actionSteps = ALL.flatMap(({ workflow }) => steps(workflow)).filter((s) => s.uses?.startsWith("pulumi/actions"));
    expect(actionSteps).toHaveLength(4);
    for (const step of actionSteps) {
      expect(step.with?.["suppress-outputs"]).toBe(true);
      expect(step.id).toBeUndefined();
    }
  });

  it("deploy and rotate commit the generations record through the one script that pushes only main plus its record", () => {
    for (const workflow of [deploy, rotate]) {
      const commit = steps(workflow).find((s) => s.name === "Commit token generations")!;
      expect(commit.run?.trim()).toMatch(/^\.github\/scripts\/commit-generations\.sh "[^"]+"$/);
      expect(commit.env).toEqual({ GH_TOKEN: "${{ github.token }}" });
      expect(workflow.permissions).toMatchObject({ contents: "write", "pull-requests": "write" });
    }
  });

  it("deploy, rotate and audit carry the evidence chain: restore and check it, run, anchor, attest the new records, push, keep the artifact", () => {
    for (const workflow of [deploy, rotate, audit]) {
      expect(workflow.permissions).toMatchObject({ contents: "write", "id-token": "write", attestations: "write" });
      expect(workflow.concurrency).toEqual({ group: "cfct-prod", "cancel-in-progress": false });
      const list = steps(workflow);
      const evidenceCheckout = list.find((s) => s.uses?.startsWith("actions/checkout") && s.with?.["ref"] === "cfct-evidence")!;
      expect(evidenceCheckout.with).toEqual({ ref: "cfct-evidence", path: ".cfct-evidence", "persist-credentials": false });
      const order = [
        list.findIndex((s) => s.run === ".github/scripts/evidence-chain.sh restore prod"),
        list.findIndex((s) => s.run === ".github/scripts/evidence-chain.sh attested prod"),
        list.findIndex((s) => /npx cfct (up|rotate|audit) --stack prod/.test(s.run ?? "")),
        list.findIndex((s) => s.run === ".github/scripts/evidence-chain.sh anchor prod"),
        list.findIndex((s) => s.uses?.startsWith("actions/attest-build-provenance@")),
        list.findIndex((s) => s.run === ".github/scripts/evidence-chain.sh push prod"),
        list.findIndex((s) => s.uses?.startsWith("actions/upload-artifact@")),
      ];
      expect(order.every((index) => index >= 0)).toBe(true);
      expect([...order].sort((a, b) => a - b)).toEqual(order);
      expect(list[order[4]!]!.with).toEqual({ "subject-path": "evidence-new/prod/*.json" });
      expect(list[order[5]!]!.if).toContain("steps.attest.outcome == 'success'");
      expect(list[order[6]!]!.with!["retention-days"]).toBe(400);
    }
  });

  it("deploy: on push to main, cfct up with the pack; rotate: daily, cfct rotate --if-due-within 14d; audit: weekly, kept as an artifact", () => {
    expect(deploy.on).toMatchObject({ push: { branches: ["main"] } });
    expect(runs(deploy)).toContain("npx cfct up --stack prod --policy-pack policies");
    expect(Object.keys(rotate.on)).toEqual(["schedule", "workflow_dispatch"]);
    expect((rotate.on["schedule"] as { cron: string }[])[0]!.cron).toMatch(/^\d+ \d+ \* \* \*$/);
    expect(runs(rotate)).toContain("npx cfct rotate --stack prod --if-due-within 14d --policy-pack policies");
    expect(Object.keys(audit.on)).toEqual(["schedule", "workflow_dispatch"]);
    expect((audit.on["schedule"] as { cron: string }[])[0]!.cron).toMatch(/^\d+ \d+ \* \* [0-6]$/);
    expect(runs(audit).join("\n")).toContain("npx cfct audit --stack prod --out review --json > review/access-review.json");
    const upload = steps(audit).find((s) => s.uses?.startsWith("actions/upload-artifact@"))!;
    expect(upload.if).toBe("always()");
    expect(String(upload.with!["path"])).toContain("review/");
  });

  it("secrets reach commands only through env, never interpolated into a script, and no script reads a step's outputs", () => {
    for (const { workflow } of ALL) {
      for (const run of runs(workflow)) {
        expect(run).not.toMatch(/\$\{\{\s*(secrets\.|github\.event\.|github\.head_ref)/);
        expect(run).not.toMatch(/steps\.[\w-]+\.outputs/);
      }
    }
  });

  it("release: on a version tag, in a protected environment, SHA-pinned actions, no persisted credentials, no install scripts, npm publish --provenance", () => {
    const text = readFileSync(path.join(PROJECT_DIR, ".github/workflows/release.yml"), "utf8");
    const release = load("release.yml");
    expect(release.on).toEqual({ push: { tags: ["v*.*.*"] } });
    expect(release.permissions).toEqual({ contents: "read" });
    const publish = release.jobs["publish"]!;
    expect(publish.environment).toBe("npm");
    expect(publish.permissions).toEqual({ contents: "read", "id-token": "write" });
    const actions = publish.steps.filter((s) => s.uses);
    expect(actions.length).toBeGreaterThan(0);
    for (const step of actions) {
      expect(step.uses).toMatch(/^[\w-]+\/[\w-]+@[0-9a-f]{40}$/);
      expect(text).toMatch(new RegExp(`${step.uses!.replace(/[/.]/g, "\\$&")} # v\\d+\\.\\d+\\.\\d+`));
    }
    const checkout = publish.steps.find((s) => s.uses?.startsWith("actions/checkout@"))!;
    expect(checkout.with).toMatchObject({ "persist-credentials": false });
    const commands = jobRuns(publish);
    const installed = commands.indexOf("npm ci --ignore-scripts");
    expect(installed).toBeGreaterThanOrEqual(0);
    expect(commands.indexOf("npm run build")).toBeGreaterThan(installed);
    expect(commands.filter((c) => /npm (ci|install)\b/.test(c))).toEqual(["npm ci --ignore-scripts"]);
    expect(commands.at(-1)).toBe("npm publish --provenance --access public --ignore-scripts");
    for (const run of commands) expect(run).not.toMatch(/\$\{\{\s*secrets\./);
    expect(publish.steps.at(-1)!.env).toEqual({ NODE_AUTH_TOKEN: "${{ secrets.NPM_TOKEN }}" });
  });
});
