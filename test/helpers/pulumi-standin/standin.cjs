// A recording stand-in for the `pulumi` CLI (test fixture only). The Automation API runs it exactly
// as it would run the real CLI: it logs each call's argv (and the watched environment variables) as
// a JSON line, answers `version`, replays the canned answer for a known command (stdout, stderr,
// exit code, engine events over the Automation API's gRPC event stream) and fails anything else.
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const dir = process.env.CFCT_STANDIN_DIR;
const config = JSON.parse(fs.readFileSync(path.join(dir, "config.json"), "utf8"));
const argv = process.argv.slice(2);

fs.appendFileSync(
  path.join(dir, "calls.jsonl"),
  JSON.stringify({
    argv,
    cwd: process.cwd(),
    env: Object.fromEntries((config.watchEnv || []).map((name) => [name, name in process.env ? process.env[name] : null])),
  }) + "\n",
);

const words = [];
for (const arg of argv) {
  if (arg.startsWith("-")) break;
  words.push(arg);
}

if (words[0] === "version") {
  process.stdout.write(`${config.version}\n`);
  process.exit(0);
}

const usedFile = path.join(dir, "used.json");
const used = fs.existsSync(usedFile) ? JSON.parse(fs.readFileSync(usedFile, "utf8")) : {};
const index = config.answers.findIndex(
  (answer, i) =>
    answer.command.every((word, position) => words[position] === word) &&
    (answer.has || []).every((flag) => argv.includes(flag)) &&
    (answer.times === undefined || (used[i] || 0) < answer.times),
);
if (index < 0) {
  process.stderr.write(`stand-in pulumi: no canned answer for: pulumi ${argv.join(" ")}\n`);
  process.exit(1);
}
used[index] = (used[index] || 0) + 1;
fs.writeFileSync(usedFile, JSON.stringify(used));
const answer = config.answers[index];

async function sendEvents(events) {
  const at = argv.indexOf("--event-log");
  if (at < 0) return;
  const target = argv[at + 1];
  // Like the CLI, every stream ends with a summary (the Automation API builds preview's changeSummary from it).
  const summary = { summaryEvent: { maybeCorrupt: false, durationSeconds: 0, resourceChanges: {}, policyPacks: {} } };
  const all = events.some((event) => event.summaryEvent) ? events : [...events, summary];
  const stamped = all.map((event, sequence) => ({ sequence, timestamp: Math.floor(Date.now() / 1000), ...event }));
  if (!target.startsWith("tcp://")) {
    fs.appendFileSync(target, stamped.map((e) => JSON.stringify(e) + "\n").join(""));
    return;
  }
  const grpc = require(path.join(config.projectDir, "node_modules/@grpc/grpc-js"));
  const rpc = require(path.join(config.projectDir, "node_modules/@pulumi/pulumi/proto/events_grpc_pb"));
  const messages = require(path.join(config.projectDir, "node_modules/@pulumi/pulumi/proto/events_pb"));
  const client = new rpc.EventsClient(target.slice("tcp://".length), grpc.credentials.createInsecure());
  await new Promise((resolve, reject) => {
    const call = client.streamEvents((error) => (error ? reject(error) : resolve()));
    for (const event of stamped) {
      const request = new messages.EventRequest();
      request.setEvent(JSON.stringify(event));
      call.write(request);
    }
    call.end();
  });
  client.close();
}

sendEvents(answer.events || [])
  .then(() => {
    for (const chunk of [].concat(answer.stdout || [])) process.stdout.write(chunk);
    if (answer.stderr) process.stderr.write(answer.stderr);
    process.exitCode = answer.exitCode || 0;
  })
  .catch((error) => {
    process.stderr.write(`stand-in pulumi: event stream failed: ${error}\n`);
    process.exitCode = 99;
  });
