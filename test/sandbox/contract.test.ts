import Ajv, { type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import { beforeAll, describe, expect, it } from "vitest";
import { ENDPOINT_PERMISSIONS } from "../../src/cloudflare/endpoint-permissions";
import { readReference } from "../helpers/reference";
import { useSandbox } from "../helpers/sandbox";
import {
  IDS,
  SandboxClient,
  accountGroup,
  accountKey,
  allZonesOf,
  tokenBody,
  userGroup,
  userKey,
  zoneGroup,
  zoneKey,
  type ApiResponse,
} from "../helpers/sandbox-client";

/**
 * Every implemented route whose operation is in the OpenAPI subset: its 2xx and 4xx bodies must
 * validate against the subset's response schemas. Account-owned-token routes are not in the 2024
 * subset; they validate against their user-token twins.
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * The subset writes unions as `oneOf` whose branches are not mutually exclusive (no
 * additionalProperties: false), e.g. GET /memberships offers "memberships with roles" and "with
 * policies", which any body matches both of; strict oneOf would reject every valid body. We read
 * them as `anyOf`: the body must still match at least one branch.
 */
function oneOfAsAnyOf(node: Json): Json {
  if (Array.isArray(node)) return node.map(oneOfAsAnyOf);
  if (node === null || typeof node !== "object") return node;
  return Object.fromEntries(Object.entries(node).map(([key, value]) => [key === "oneOf" ? "anyOf" : key, oneOfAsAnyOf(value)]));
}

const pointerSegment = (segment: string) => encodeURIComponent(segment.replace(/~/g, "~0").replace(/\//g, "~1"));

let document: any;
let ajv: Ajv;

function responsePointer(method: string, operationPath: string, statusClass: "200" | "4XX"): string {
  const operation = document.paths[operationPath]?.[method.toLowerCase()];
  if (!operation) throw new Error(`the subset has no ${method} ${operationPath}`);
  const status = statusClass === "200" ? Object.keys(operation.responses).find((s) => s.startsWith("2"))! : "4XX";
  // A response is written inline or as a $ref to components/responses.
  const responseRef: string | undefined = operation.responses[status].$ref;
  const responseAt = responseRef
    ? responseRef.replace(/^#\//, "").split("/")
    : ["paths", operationPath, method.toLowerCase(), "responses", status];
  const response = responseAt.reduce((node: any, key) => node[key], document);
  const base = [...responseAt, "content", "application/json", "schema"];
  const schema = response.content["application/json"].schema;
  // The iam 4XX schemas are allOf [<success response>, <common failure>]: the first requires
  // success: true, the second success: false, so nothing satisfies both (shown by a test below).
  // A failure body is checked against the failure member alone.
  const failureIndex =
    statusClass === "4XX" ? (schema.allOf ?? []).findIndex((s: { $ref?: string }) => s.$ref?.endsWith("common-failure")) : -1;
  const segments = failureIndex >= 0 ? [...base, "allOf", String(failureIndex)] : base;
  return `openapi.json#/${segments.map(pointerSegment).join("/")}`;
}

function validatorFor(method: string, operationPath: string, statusClass: "200" | "4XX"): ValidateFunction {
  return ajv.compile({ $ref: responsePointer(method, operationPath, statusClass) });
}

/** The subset's operation for a sandbox route: account-token routes map to their user-token twins. */
function subsetOperation(route: string): string {
  return route.replace(/^\/accounts\/\{account_id\}\/tokens/, "/user/tokens");
}

const sandbox = useSandbox();
const client = new SandboxClient(sandbox);
const tokens: Record<"reader" | "bare" | "account", string> = { reader: "", bare: "", account: "" };
const ids: Record<"userToken" | "accountToken", string> = { userToken: "", accountToken: "" };

interface Case {
  readonly route: string;
  readonly method?: "GET" | "POST" | "PUT" | "DELETE";
  readonly path: () => string;
  readonly token: () => string | null;
  readonly body?: () => unknown;
  readonly status: number;
}

const READER_GROUPS = {
  account: [
    "Account Settings Read",
    "Access: Organizations, Identity Providers, and Groups Read",
    "Access: Audit Logs Read",
    "Access: Apps and Policies Read",
    "Account Firewall Access Rules Read",
    "Account API Tokens Read",
  ].map(accountGroup),
  zone: ["Zone Read", "Zone Settings Read", "Firewall Services Read", "Zone WAF Read", "Access: Apps and Policies Read"].map(zoneGroup),
  user: ["User Details Read", "Memberships Read", "API Tokens Read"].map(userGroup),
};

const acct = (suffix = "") => `/accounts/${IDS.acmeCorp}${suffix}`;
const zone = (suffix = "") => `/zones/${IDS.acmeCorpCom}${suffix}`;
const reader = () => tokens.reader;
const bare = () => tokens.bare;
const provisioner = () => sandbox.provisionerToken;
const userTokenBody = () =>
  tokenBody({ name: "contract", policies: [{ groups: [userGroup("User Details Read")], resources: { [userKey(IDS.user)]: "*" } }] });
const accountTokenBody = () =>
  tokenBody({
    name: "contract",
    policies: [{ groups: [accountGroup("Account Settings Read")], resources: { [accountKey(IDS.acmeCorp)]: "*" } }],
  });

const CASES: readonly Case[] = [
  { route: "/accounts", path: () => "/accounts", token: reader, status: 200 },
  { route: "/accounts", path: () => "/accounts", token: () => tokens.account, status: 400 },
  { route: "/accounts/{account_id}", path: () => acct(), token: reader, status: 200 },
  { route: "/accounts/{account_id}", path: () => acct(), token: bare, status: 403 },
  { route: "/accounts/{account_id}/members", path: () => acct("/members"), token: reader, status: 200 },
  { route: "/accounts/{account_id}/members", path: () => acct("/members"), token: bare, status: 403 },
  { route: "/accounts/{account_id}/access/identity_providers", path: () => acct("/access/identity_providers"), token: reader, status: 200 },
  { route: "/accounts/{account_id}/access/identity_providers", path: () => acct("/access/identity_providers"), token: bare, status: 403 },
  { route: "/accounts/{account_id}/access/groups", path: () => acct("/access/groups"), token: reader, status: 200 },
  { route: "/accounts/{account_id}/access/organizations", path: () => acct("/access/organizations"), token: reader, status: 200 },
  { route: "/accounts/{account_id}/access/users", path: () => acct("/access/users"), token: reader, status: 200 },
  { route: "/accounts/{account_id}/access/users", path: () => acct("/access/users"), token: bare, status: 403 },
  { route: "/accounts/{account_id}/access/apps", path: () => acct("/access/apps"), token: reader, status: 200 },
  { route: "/memberships", path: () => "/memberships", token: reader, status: 200 },
  { route: "/memberships", path: () => "/memberships", token: () => tokens.account, status: 403 },
  { route: "/user", path: () => "/user", token: reader, status: 200 },
  { route: "/user", path: () => "/user", token: () => tokens.account, status: 403 },
  { route: "/zones", path: () => "/zones?per_page=5", token: reader, status: 200 },
  { route: "/zones", path: () => "/zones", token: () => null, status: 400 },
  { route: "/zones/{zone_id}", path: () => zone(), token: reader, status: 200 },
  { route: "/zones/{zone_id}", path: () => zone(), token: bare, status: 403 },
  { route: "/zones/{zone_id}", path: () => "/zones/not-a-zone-id", token: reader, status: 400 },
  { route: "/zones/{zone_id}", path: () => "/zones/0123456789abcdef0123456789abcdef", token: reader, status: 404 },
  { route: "/zones/{zone_id}/access/apps", path: () => `/zones/${IDS.acmeStatus}/access/apps`, token: reader, status: 200 },
  { route: "/zones/{zone_id}/firewall/access_rules/rules", path: () => zone("/firewall/access_rules/rules"), token: reader, status: 200 },
  { route: "/zones/{zone_id}/firewall/access_rules/rules", path: () => zone("/firewall/access_rules/rules"), token: bare, status: 403 },
  { route: "/zones/{zone_id}/rulesets", path: () => zone("/rulesets"), token: reader, status: 200 },
  { route: "/zones/{zone_id}/settings", path: () => `/zones/${IDS.acmePayments}/settings`, token: reader, status: 200 },
  { route: "/zones/{zone_id}/settings/{setting_id}", path: () => zone("/settings/always_online"), token: reader, status: 200 },
  { route: "/zones/{zone_id}/settings/{setting_id}", path: () => zone("/settings/no_such_setting"), token: reader, status: 400 },
  // User-owned tokens.
  { route: "/user/tokens/verify", path: () => "/user/tokens/verify", token: reader, status: 200 },
  {
    route: "/user/tokens/verify",
    path: () => "/user/tokens/verify",
    token: () => "cfsbx_ThisTokenWasNeverIssuedByTheSandbox0000",
    status: 401,
  },
  { route: "/user/tokens/verify", path: () => "/user/tokens/verify", token: () => "short", status: 400 },
  { route: "/user/tokens/permission_groups", path: () => "/user/tokens/permission_groups", token: reader, status: 200 },
  { route: "/user/tokens", path: () => "/user/tokens", token: reader, status: 200 },
  { route: "/user/tokens", method: "POST", path: () => "/user/tokens", token: provisioner, body: userTokenBody, status: 200 },
  {
    route: "/user/tokens",
    method: "POST",
    path: () => "/user/tokens",
    token: provisioner,
    body: () => ({ name: "x".repeat(121), policies: [] }),
    status: 400,
  },
  { route: "/user/tokens", method: "POST", path: () => "/user/tokens", token: reader, body: userTokenBody, status: 403 },
  { route: "/user/tokens/{token_id}", path: () => `/user/tokens/${ids.userToken}`, token: reader, status: 200 },
  { route: "/user/tokens/{token_id}", path: () => "/user/tokens/0123456789abcdef0123456789abcdef", token: reader, status: 404 },
  {
    route: "/user/tokens/{token_id}",
    method: "PUT",
    path: () => `/user/tokens/${ids.userToken}`,
    token: provisioner,
    body: userTokenBody,
    status: 200,
  },
  {
    route: "/user/tokens/{token_id}",
    method: "PUT",
    path: () => `/user/tokens/${ids.userToken}`,
    token: provisioner,
    body: () => "{not json",
    status: 400,
  },
  {
    route: "/user/tokens/{token_id}/value",
    method: "PUT",
    path: () => `/user/tokens/${ids.userToken}/value`,
    token: provisioner,
    body: () => ({}),
    status: 200,
  },
  { route: "/user/tokens/{token_id}", method: "DELETE", path: () => `/user/tokens/${ids.userToken}`, token: provisioner, status: 200 },
  { route: "/user/tokens/{token_id}", method: "DELETE", path: () => `/user/tokens/${ids.userToken}`, token: provisioner, status: 404 },
  // Account-owned tokens, against their user-token twins.
  { route: "/accounts/{account_id}/tokens/verify", path: () => acct("/tokens/verify"), token: () => tokens.account, status: 200 },
  { route: "/accounts/{account_id}/tokens/verify", path: () => acct("/tokens/verify"), token: reader, status: 401 },
  { route: "/accounts/{account_id}/tokens/permission_groups", path: () => acct("/tokens/permission_groups"), token: reader, status: 200 },
  { route: "/accounts/{account_id}/tokens", path: () => acct("/tokens"), token: reader, status: 200 },
  {
    route: "/accounts/{account_id}/tokens",
    method: "POST",
    path: () => acct("/tokens"),
    token: provisioner,
    body: accountTokenBody,
    status: 200,
  },
  {
    route: "/accounts/{account_id}/tokens",
    method: "POST",
    path: () => acct("/tokens"),
    token: provisioner,
    body: userTokenBody,
    status: 400,
  },
  { route: "/accounts/{account_id}/tokens/{token_id}", path: () => acct(`/tokens/${ids.accountToken}`), token: reader, status: 200 },
  {
    route: "/accounts/{account_id}/tokens/{token_id}",
    method: "PUT",
    path: () => acct(`/tokens/${ids.accountToken}`),
    token: provisioner,
    body: accountTokenBody,
    status: 200,
  },
  {
    route: "/accounts/{account_id}/tokens/{token_id}/value",
    method: "PUT",
    path: () => acct(`/tokens/${ids.accountToken}/value`),
    token: provisioner,
    body: () => ({}),
    status: 200,
  },
  {
    route: "/accounts/{account_id}/tokens/{token_id}",
    method: "DELETE",
    path: () => acct(`/tokens/${ids.accountToken}`),
    token: provisioner,
    status: 200,
  },
];

describe("contract: responses validate against the OpenAPI subset in reference/", () => {
  beforeAll(async () => {
    document = oneOfAsAnyOf(JSON.parse(readReference("cloudflare-openapi-subset.json")));
    ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    ajv.addSchema(document, "openapi.json");

    tokens.reader = (
      await client.createToken({
        policies: [
          { groups: READER_GROUPS.account, resources: { [accountKey(IDS.acmeCorp)]: "*", [accountKey(IDS.acmeLabs)]: "*" } },
          { groups: READER_GROUPS.zone, resources: { ...allZonesOf(IDS.acmeCorp), ...allZonesOf(IDS.acmeLabs) } },
          { groups: READER_GROUPS.user, resources: { [userKey(IDS.user)]: "*" } },
        ],
      })
    ).value;
    tokens.bare = (
      await client.createToken({ policies: [{ groups: [userGroup("User Details Read")], resources: { [userKey(IDS.user)]: "*" } }] })
    ).value;
    const accountToken = await client.createToken(
      { policies: [{ groups: [accountGroup("Account Settings Read")], resources: { [accountKey(IDS.acmeCorp)]: "*" } }] },
      IDS.acmeCorp,
    );
    tokens.account = accountToken.value;
    ids.accountToken = accountToken.id;
    ids.userToken = (
      await client.createToken({ policies: [{ groups: [zoneGroup("Zone Read")], resources: { [zoneKey(IDS.acmeCorpCom)]: "*" } }] })
    ).id;
  });

  it.each(CASES.map((c) => [`${c.method ?? "GET"} ${c.route} → ${c.status}`, c] as const))("%s", async (_label, testCase) => {
    const method = testCase.method ?? "GET";
    const response: ApiResponse = await client.call(method, testCase.path(), testCase.token(), testCase.body?.());
    expect(response.status).toBe(testCase.status);
    const validate = validatorFor(method, subsetOperation(testCase.route), response.status < 300 ? "200" : "4XX");
    expect(validate(response.body), ajv.errorsText(validate.errors)).toBe(true);
  });

  it("covers every sandbox route whose operation is in the subset", () => {
    const covered = new Set(CASES.map((c) => `${c.method ?? "GET"} ${subsetOperation(c.route)}`));
    const inSubset = ENDPOINT_PERMISSIONS.filter((row) => document.paths[subsetOperation(row.path)]?.[row.method.toLowerCase()]);
    expect(inSubset.length).toBeGreaterThan(20);
    for (const row of inSubset) expect(covered, `${row.method} ${row.path}`).toContain(`${row.method} ${subsetOperation(row.path)}`);
  });

  it("the subset's composite iam 4XX schemas accept no body at all, which is why failures are checked against the failure member", () => {
    const composite = ajv.compile({
      $ref: `openapi.json#/${["paths", "/user/tokens/verify", "get", "responses", "4XX", "content", "application/json", "schema"].map(pointerSegment).join("/")}`,
    });
    expect(composite({ success: false, errors: [{ code: 1000, message: "Invalid API Token" }], messages: [], result: null })).toBe(false);
  });

  it("a 429 carries code 971, which Cloudflare sends although the schema's codes start at 1000 (a known deviation)", async () => {
    await client.control("POST", "/faults", { kind: "rate_limit" });
    const response = await client.get("/zones", tokens.reader);
    expect(response.status).toBe(429);
    const validate = validatorFor("GET", "/zones", "4XX");
    expect(validate(response.body)).toBe(false);
    expect(ajv.errorsText(validate.errors)).toContain(">= 1000");
  });
});
