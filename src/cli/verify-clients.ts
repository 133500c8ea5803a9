import { ApiCallCounter, CLOUDFLARE_API_BASE, createCloudflareClient, type CloudflareClientOptions } from "../cloudflare/client";
import { accountTokenPrincipal, PROVISIONER_USER, RateBudget, RateBudgets } from "../cloudflare/pacing";
import { type TokenOwner } from "../domain/owner";
import { RefusalCount } from "../verify/refusals";
import type { VerifyClients } from "../verify";

export interface VerifyClientOptions {
  /** The value of the token under verify. */
  readonly token: string;
  readonly owner: TokenOwner;
  /** The token's ID when known: an account-owned token spends the budget of that principal. */
  readonly tokenId?: string;
  /** A credential that can read tokens; enables exactness. */
  readonly provisionerToken?: string;
  /** As the user gave it; default Cloudflare's. */
  readonly apiBase?: string;
  /** The command's rate-limit budgets, so verify spends the same provisioner's budget as everything else; its own when absent. */
  readonly budgets?: RateBudgets;
  /** Retry and timeout bounds; `waitOutRefusals` waits out every 429 (fleet runs); `fetch` lets a test stand in the way. */
  readonly client?: Pick<CloudflareClientOptions, "maxRetries" | "maxRetryAfterSeconds" | "timeoutMs" | "waitOutRefusals" | "fetch">;
}

/** The three clients one token's verification sends through, on one call counter. */
export function verifyClients(options: VerifyClientOptions): VerifyClients {
  const apiBase = options.apiBase ?? CLOUDFLARE_API_BASE;
  const secrets = [options.token, ...(options.provisionerToken ? [options.provisionerToken] : [])];
  const shared = { baseUrl: apiBase, counter: new ApiCallCounter(), secrets, ...options.client };
  const send = options.client?.fetch ?? fetch;
  // User-owned tokens spend their user's budget, the provisioner's; an account-owned token has its own.
  const budgets = options.budgets ?? new RateBudgets();
  const userBudget = budgets.for(PROVISIONER_USER);
  const tokenBudget =
    options.owner.kind === "user"
      ? userBudget
      : options.tokenId
        ? budgets.for(accountTokenPrincipal(options.tokenId))
        : new RateBudget("the account token under verify", budgets.clock, budgets.budget);
  const refusals = { token: new RefusalCount(), provisioner: new RefusalCount() };
  const provisionerToken = options.provisionerToken !== options.token ? options.provisionerToken : undefined;
  return {
    apiBase,
    anonymous: createCloudflareClient({ ...shared, apiToken: null, maxRetries: 1 }),
    token: createCloudflareClient({ ...shared, apiToken: options.token, budget: tokenBudget, fetch: refusals.token.observe(send) }),
    ...(provisionerToken
      ? {
          provisioner: createCloudflareClient({
            ...shared,
            apiToken: provisionerToken,
            budget: userBudget,
            fetch: refusals.provisioner.observe(send),
          }),
        }
      : {}),
    refusals,
    secrets,
  };
}
