import { sandboxGroupId, type RunningSandbox } from "../../src/sandbox";
import { SCOPES, type PermissionGroupRef } from "../../src/domain/permission-group";
import { controlFetch } from "../../src/sandbox/control-client";

/** Fixture IDs the tests refer to (default fixture). */
export const IDS = {
  user: "8ec917c52e6b1d94920f1e3ec8d5ae82",
  acmeCorp: "417daa9dc1293f3af874e997f8bdce54",
  acmeLabs: "fca1dc0809e072ce2cf9eb2831e0e03b",
  acmeCorpCom: "576e2aa970f9f4e230116c7c1d498a24",
  acmeStatus: "621b8b25e1292b078cc50d9c9bdec591",
  acmePayments: "156fadb21a81b1411e24714df1c901eb",
  acmeLabsDev: "18e0d6184039cd9b0d569da586627741",
} as const;

export const accountKey = (id: string) => `com.cloudflare.api.account.${id}`;
export const zoneKey = (id: string) => `com.cloudflare.api.account.zone.${id}`;
export const userKey = (id: string) => `com.cloudflare.api.user.${id}`;
export const allZonesOf = (accountId: string) => ({ [accountKey(accountId)]: { "com.cloudflare.api.account.zone.*": "*" } });

export const group = (name: string, scope: PermissionGroupRef["scope"]): PermissionGroupRef => ({ name, scope });
export const accountGroup = (name: string) => group(name, SCOPES.account);
export const zoneGroup = (name: string) => group(name, SCOPES.zone);
export const userGroup = (name: string) => group(name, SCOPES.user);

export interface PolicySpec {
  readonly effect?: "allow" | "deny";
  readonly groups: readonly PermissionGroupRef[];
  readonly resources: Record<string, unknown>;
}

export interface TokenSpecInput {
  readonly name?: string;
  readonly policies: readonly PolicySpec[];
  readonly expires_on?: string;
  readonly not_before?: string;
  readonly condition?: unknown;
}

export interface ApiResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly body: any;
}

export interface CreatedToken {
  readonly id: string;
  readonly value: string;
}

/** Plain fetch against a sandbox: tests that need exact status, headers and bodies use this, not the SDK. */
export class SandboxClient {
  constructor(readonly sandbox: RunningSandbox) {}

  async call(
    method: string,
    path: string,
    token: string | null,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<ApiResponse> {
    const response = await fetch(this.sandbox.baseUrl + path, {
      method,
      headers: {
        ...(token === null ? {} : { authorization: `Bearer ${token}` }),
        ...(body === undefined ? {} : { "content-type": "application/json" }),
        ...headers,
      },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : null };
  }

  get(path: string, token: string = this.sandbox.provisionerToken): Promise<ApiResponse> {
    return this.call("GET", path, token);
  }

  async control(method: "GET" | "POST" | "DELETE", path: string, body?: unknown): Promise<any> {
    const response = await controlFetch(this.sandbox.control, path, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, ...((await response.json()) as Record<string, unknown>) };
  }

  /** Creates a token with the provisioner: user-owned, or account-owned when `accountId` is given. */
  async createToken(spec: TokenSpecInput, accountId?: string, creator: string = this.sandbox.provisionerToken): Promise<CreatedToken> {
    const response = await this.call("POST", accountId ? `/accounts/${accountId}/tokens` : "/user/tokens", creator, tokenBody(spec));
    if (response.status !== 200) throw new Error(`token creation failed: ${response.status} ${JSON.stringify(response.body)}`);
    return { id: response.body.result.id, value: response.body.result.value };
  }

  advanceClock(seconds: number): Promise<any> {
    return this.control("POST", "/clock", { advanceSeconds: seconds });
  }
}

export function tokenBody(spec: TokenSpecInput) {
  return {
    name: spec.name ?? "test token",
    policies: spec.policies.map((p) => ({
      effect: p.effect ?? "allow",
      resources: p.resources,
      permission_groups: p.groups.map((g) => ({ id: sandboxGroupId(g) })),
    })),
    ...(spec.expires_on ? { expires_on: spec.expires_on } : {}),
    ...(spec.not_before ? { not_before: spec.not_before } : {}),
    ...(spec.condition ? { condition: spec.condition } : {}),
  };
}

/** RFC 3339 (second precision) `seconds` from now. */
export function secondsFromNow(seconds: number): string {
  return new Date(Date.now() + seconds * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
}
