/**
 * Sandbox benchmark (not a test): startup with 10 000 zones, listing every zone 50 per page with
 * the official SDK, and token-verify requests per second on loopback.
 *
 *   npm run bench:sandbox        (or: npx ts-node --transpile-only bench/sandbox-bench.ts)
 */

import Cloudflare from "cloudflare";
import { startSandbox } from "../src/sandbox";

const ZONES = 10_000;
const VERIFY_REQUESTS = 5_000;
const CONCURRENCY = 16;

function elapsedMs(started: bigint): number {
  return Number(process.hrtime.bigint() - started) / 1e6;
}

async function main(): Promise<void> {
  let started = process.hrtime.bigint();
  // The bench measures throughput, not Cloudflare's budget, so the rate limit is out of the way.
  const sandbox = await startSandbox({ zones: ZONES, rateLimit: { requests: 1_000_000_000, windowSeconds: 300 } });
  const startupMs = elapsedMs(started);

  try {
    const cloudflare = new Cloudflare({ apiToken: sandbox.provisionerToken, baseURL: sandbox.baseUrl, maxRetries: 0 });
    started = process.hrtime.bigint();
    let zones = 0;
    for await (const _zone of cloudflare.zones.list({ per_page: 50 })) zones += 1;
    const listMs = elapsedMs(started);

    const headers = { authorization: `Bearer ${sandbox.provisionerToken}` };
    const verifyUrl = `${sandbox.baseUrl}/user/tokens/verify`;
    let next = 0;
    let failures = 0;
    const worker = async () => {
      while (next < VERIFY_REQUESTS) {
        next += 1;
        const response = await fetch(verifyUrl, { headers });
        await response.arrayBuffer();
        if (response.status !== 200) failures += 1;
      }
    };
    started = process.hrtime.bigint();
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const verifyMs = elapsedMs(started);

    const pages = Math.ceil(zones / 50) + 1;
    console.log(`node ${process.version}, ${process.platform}/${process.arch}`);
    console.log(`startup with ${sandbox.fixture.zones.length} zones: ${startupMs.toFixed(0)} ms`);
    console.log(
      `list all ${zones} zones, per_page=50 (${pages} requests, official SDK auto-pagination): ${listMs.toFixed(0)} ms (${(listMs / pages).toFixed(1)} ms/request)`,
    );
    console.log(
      `verify: ${VERIFY_REQUESTS} requests, ${CONCURRENCY} concurrent, ${failures} failed: ${((VERIFY_REQUESTS / verifyMs) * 1000).toFixed(0)} requests/s`,
    );
  } finally {
    await sandbox.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
