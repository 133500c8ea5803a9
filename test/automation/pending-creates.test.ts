import { describe, expect, it } from "vitest";
import { deleteOrphans, pendingTokenCreates, type OrphanTokens } from "../../src/automation/pending-creates";

const ACCOUNT = "417daa9dc1293f3af874e997f8bdce54";

describe("pending token creates in an exported stack state (item 8)", () => {
  const state = {
    version: 3,
    deployment: {
      resources: [
        {
          urn: "urn:x::ascera-g1",
          type: "cloudflare:index/accountToken:AccountToken",
          id: `${ACCOUNT}/live-acct`,
          inputs: { name: "cfct prod ascera g1", accountId: ACCOUNT },
        },
        { urn: "urn:x::drata-g1", type: "cloudflare:index/apiToken:ApiToken", id: "live-user", inputs: { name: "cfct prod drata g1" } },
      ],
      pending_operations: [
        {
          type: "creating",
          resource: {
            urn: "urn:x::ascera-g2",
            type: "cloudflare:index/accountToken:AccountToken",
            inputs: { name: "cfct prod ascera g2", accountId: ACCOUNT },
          },
        },
        {
          type: "updating",
          resource: { urn: "urn:x::drata-g1", type: "cloudflare:index/apiToken:ApiToken", inputs: { name: "cfct prod drata g1" } },
        },
        { type: "creating", resource: { urn: "urn:x::other", type: "aws:s3/bucket:Bucket", inputs: { name: "cfct prod ascera g2" } } },
      ],
    },
  };

  it("finds only token creates, with the owner the token would have had, and knows the state's token IDs", () => {
    const { pending, knownIds } = pendingTokenCreates(state);
    expect(pending).toEqual([{ urn: "urn:x::ascera-g2", name: "cfct prod ascera g2", owner: { kind: "account", accountId: ACCOUNT } }]);
    expect([...knownIds].sort()).toEqual(["live-acct", "live-user"]);
  });

  it("deletes tokens with the pending name that the state does not know, and nothing else", async () => {
    const { pending, knownIds } = pendingTokenCreates(state);
    const removed: string[] = [];
    const tokens: OrphanTokens = {
      list: async (owner) =>
        owner.kind === "account"
          ? [
              { id: "live-acct", name: "cfct prod ascera g1" },
              { id: "orphan", name: "cfct prod ascera g2" },
              { id: "hand-made", name: "ascera" },
            ]
          : [],
      remove: async (owner, id) => void removed.push(`${owner.kind}:${id}`),
    };
    expect(await deleteOrphans(pending, knownIds, tokens)).toEqual([
      { id: "orphan", name: "cfct prod ascera g2", owner: expect.objectContaining({ kind: "account" }) },
    ]);
    expect(removed).toEqual(["account:orphan"]);
  });

  it("a state without pending operations has nothing to clean", () => {
    expect(pendingTokenCreates({ version: 3, deployment: { manifest: {} } }).pending).toEqual([]);
  });
});
