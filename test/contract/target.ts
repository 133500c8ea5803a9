import { CLOUDFLARE_API_BASE } from "../../src/cloudflare/client";
import { behaviourOverrides, parseBehaviourFile } from "../../src/parity/behaviour-file";
import { startSandbox, type Behaviours } from "../../src/sandbox";
import shipped from "../../src/sandbox/default-behaviours.json";
import { IDS } from "../helpers/sandbox-client";

/**
 * Where the contract suite runs: the sandbox (default, in `npm test`), or real Cloudflare under
 * `npm run test:live` when CFCT_LIVE_API_TOKEN, CFCT_LIVE_ACCOUNT and CFCT_LIVE_ZONE are set.
 */
export interface ContractTarget {
  readonly name: "sandbox" | "cloudflare";
  readonly baseUrl: string;
  readonly provisionerToken: string;
  readonly accountId: string;
  readonly zoneId: string;
  /** What the sandbox does by default, which the target is held to. */
  readonly expected: Behaviours;
  close(): Promise<void>;
}

const LIVE_VARIABLES = ["CFCT_LIVE_API_TOKEN", "CFCT_LIVE_ACCOUNT", "CFCT_LIVE_ZONE"] as const;

export const wantsLive = process.env.CFCT_CONTRACT_TARGET === "live";

/** Why the live run is skipped, or null when it can run. */
export function liveSkipReason(): string | null {
  if (!wantsLive) return null;
  const missing = LIVE_VARIABLES.filter((name) => !process.env[name]);
  return missing.length > 0
    ? `live contract suite skipped: set ${missing.join(", ")} (a provisioner token, a test account ID and a zone ID of it)`
    : null;
}

export const shippedBehaviours = behaviourOverrides(parseBehaviourFile(shipped, "src/sandbox/default-behaviours.json")) as Behaviours;

export async function openTarget(): Promise<ContractTarget> {
  if (wantsLive) {
    return {
      name: "cloudflare",
      baseUrl: process.env.CFCT_LIVE_API_BASE ?? CLOUDFLARE_API_BASE,
      provisionerToken: process.env.CFCT_LIVE_API_TOKEN!,
      accountId: process.env.CFCT_LIVE_ACCOUNT!,
      zoneId: process.env.CFCT_LIVE_ZONE!,
      expected: shippedBehaviours,
      close: async () => undefined,
    };
  }
  const sandbox = await startSandbox();
  return {
    name: "sandbox",
    baseUrl: sandbox.baseUrl,
    provisionerToken: sandbox.provisionerToken,
    accountId: IDS.acmeCorp,
    zoneId: IDS.acmeCorpCom,
    expected: sandbox.behaviours,
    close: () => sandbox.close(),
  };
}
