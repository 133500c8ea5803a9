import { isDeepStrictEqual } from "node:util";
import { accountKey, zoneKey } from "../domain/resource-keys";
import { SCOPES } from "../domain/permission-group";
import { type CloudflareClient, type CloudflareClientFactory, type RawAnswer } from "../cloudflare/client";
import { redact } from "../cloudflare/http";
import { ROLES, accountTokenAuthority } from "../cloudflare/account-roles";
import { BEHAVIOURS } from "../sandbox/behaviours";
import type { BehaviourFile, BehaviourRecord, Evidence } from "./behaviour-file";
import { TOKEN_NAMES, type ParityCall, type TestToken } from "./plan";
import { documentationUrlOf, firstError, headerText, rateLimitHeadersSeen, valueFormatOf } from "./readings";
import { rfc3339 } from "../domain/time";
import { CfctError } from "../domain/cfct-error";

/**
 * `cfct sandbox-parity`: reads, on a real Cloudflare account, each sandbox behaviour that can be read
 * without harm, with at most three short-lived read-only tokens on one zone, deleted in a `finally`.
 * The rate-limit refusal is never provoked (it would block the account's API for five minutes), and
 * no account-owned token is created: the role rule is read off a create Cloudflare must refuse.
 */

export interface ParityTarget {
  /** The provisioner's client: its credential can create user tokens with Zone and Account Settings read groups. */
  readonly provisioner: CloudflareClient;
  /** A client at the same API for a test token the recording creates. */
  readonly clientFor: CloudflareClientFactory;
  readonly accountId: string;
  readonly zoneId: string;
}

export interface ParityOptions {
  readonly now?: () => Date;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Lifetime of the token that must expire during the run, to see whether lists hide it. Default 5 s. */
  readonly shortLivedSeconds?: number;
}

interface PermissionGroupRef {
  readonly id: string;
  readonly name: string;
}

/** A failure of the recording itself (not a behaviour): the message says which request and why. */
export class ParityError extends CfctError {
  override name = "ParityError";
}

export interface ParityRecording {
  readonly file: BehaviourFile;
  /** IDs of test tokens a `finally` could not delete: the command names them and exits non-zero. */
  readonly leftBehind: readonly string[];
}

export async function recordBehaviours(target: ParityTarget, options: ParityOptions = {}): Promise<ParityRecording> {
  const now = options.now ?? (() => new Date());
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  // The test tokens' values; the provisioner's client knows its own credential.
  const values: string[] = [];
  const calls: BehaviourFile["calls"] = [];
  const { provisioner } = target;
  const scrub = (text: string | undefined) => (text === undefined ? undefined : provisioner.scrub(redact(text, values)));

  /** One request whose HTTP status is data; the call is recorded whatever happens. */
  async function send(client: CloudflareClient, method: ParityCall["method"], path: string, body?: unknown): Promise<RawAnswer> {
    const call = { method, path, status: null as number | null };
    calls.push(call);
    try {
      const answer = await client.request(method, path, body);
      call.status = answer.status;
      return answer;
    } catch (error) {
      throw new ParityError({
        summary: `${method} ${path} got no answer from ${client.baseUrl}: ${scrub((error as Error).message)}`,
        fix: "check --api-base and the network",
      });
    }
  }

  const evidence = (request: string, answer: RawAnswer, observed?: string): Evidence => {
    const { code, message } = firstError(answer.json);
    return {
      request,
      status: answer.status,
      ...(code !== undefined ? { code } : {}),
      ...(message !== undefined ? { message: scrub(message)! } : {}),
      ...(observed ? { observed } : {}),
    };
  };
  const result = <T>(answer: RawAnswer): T => (answer.json as { result: T }).result;
  const expectOk = (request: string, answer: RawAnswer): void => {
    if (answer.status >= 300) {
      const { code, message } = firstError(answer.json);
      throw new ParityError({
        summary: `${request} answered HTTP ${answer.status}${code !== undefined ? ` ${code}` : ""} ${scrub(message) ?? ""}`,
        fix: 'the provisioner needs "API Tokens Write" and read access to the account and zone',
      });
    }
  };

  /**
   * accountTokenRoles without creating an account-owned token. Only a provisioner whose user is
   * "Administrator" (not Super Administrator) tells the two documented rules apart, and only when it
   * holds Account API Tokens Write there (else a 403 could be that). It sends a create Cloudflare must
   * refuse: a 121-character name (the API's limit is 120). 403: the role was refused first, so the
   * account follows `super-admin`. 400: the body was refused, so nothing was created; but whether the
   * role passed or Cloudflare validates the body first is not known, so it is not a measurement.
   */
  async function measureAccountTokenRoles(roles: readonly string[], rolesKnown: boolean, provisionerId: string): Promise<BehaviourRecord> {
    const kept = (note: string, extra: Evidence[] = []): BehaviourRecord => ({
      value: BEHAVIOURS.accountTokenRoles.default,
      measured: false,
      evidence: extra,
      sources: [],
      note,
    });
    if (!rolesKnown) return kept("not measured: the provisioner cannot read its memberships (Memberships Read), so its role is unknown");
    if (accountTokenAuthority(roles, "super-admin") === "full")
      return kept(
        'not measured: the provisioner\'s user is Super Administrator, which may create and update under every rule. A provisioner whose user is "Administrator" only can measure it',
      );
    if (!roles.includes(ROLES.administrator))
      return kept(
        `not measured: the provisioner's user holds ${roles.map((r) => `"${r}"`).join(", ") || "no role"}, which no documented rule lets create and update; a provisioner whose user is "Administrator" only can measure it`,
      );
    const own = await send(provisioner, "GET", `/user/tokens/${provisionerId}`);
    const holdsWrite =
      own.status < 300 &&
      (
        result<{ policies?: { effect?: string; permission_groups?: { name?: string }[]; resources?: Record<string, unknown> }[] }>(own)
          .policies ?? []
      ).some(
        (p) =>
          p.effect !== "deny" &&
          (p.permission_groups ?? []).some((g) => g.name === "Account API Tokens Write") &&
          Object.keys(p.resources ?? {}).some((k) => k === accountKey(target.accountId) || k === accountKey("*")),
      );
    if (!holdsWrite)
      return kept(
        "not measured: the provisioner lacks Account API Tokens Write on the account, so a refused create would not tell the role rule",
        [evidence("GET /user/tokens/{provisioner}", own, "no Account API Tokens Write on the account")],
      );
    const probe = await send(provisioner, "POST", `/accounts/${target.accountId}/tokens`, { name: "x".repeat(121), policies: [] });
    if (probe.status >= 200 && probe.status < 300) {
      // Cannot happen by the API's own limit; if it did, the token goes in the finally like the others.
      const token = result<{ id?: string }>(probe);
      if (token.id) leftBehind.push(token.id);
    }
    const answered = evidence(`POST /accounts/${target.accountId}/tokens (a 121-character name)`, probe);
    if (probe.status === 403) return { value: "super-admin", measured: true, evidence: [answered], sources: [] };
    return kept(
      probe.status === 400
        ? 'not measured: Cloudflare refused the body (400), so nothing was created; either "Administrator" may create here (the administrator rule), or Cloudflare checks the body before the role'
        : `not measured: HTTP ${probe.status} is neither a role refusal nor a refused body: please report this file`,
      [answered],
    );
  }

  const behaviours: Record<string, BehaviourRecord> = {};
  const observations: Record<string, string> = {};
  const created = new Map<TestToken, { id: string; value: string; expiresOn: string }>();
  const leftBehind: string[] = [];

  try {
    const verify = await send(provisioner, "GET", "/user/tokens/verify");
    expectOk("GET /user/tokens/verify (provisioner)", verify);
    const verifiedId = (answer: RawAnswer) => result<{ id: string }>(answer).id;

    const groupsAnswer = await send(provisioner, "GET", "/user/tokens/permission_groups");
    expectOk("GET /user/tokens/permission_groups", groupsAnswer);
    const groups = result<{ id: string; name: string; scopes?: string[] }[]>(groupsAnswer) ?? [];
    const group = (name: string, scope: string): PermissionGroupRef => {
      const found = groups.find((g) => g.name === name && (g.scopes ?? []).includes(scope));
      if (!found)
        throw new ParityError({
          summary: `the permission-group list has no "${name}" at ${scope}`,
          fix: "nothing in cfct; report the list's answer with this file",
        });
      return { id: found.id, name: found.name };
    };
    const zoneScope = SCOPES.zone;
    const zoneRead = group("Zone Read", zoneScope);
    const zoneGroups = [zoneRead, group("Zone Settings Read", zoneScope), group("Firewall Services Read", zoneScope)];
    const accountSettingsRead = group("Account Settings Read", SCOPES.account);

    // The API filters memberships by account name, not ID: pick the account's own.
    const memberships = await send(provisioner, "GET", "/memberships?per_page=50");
    const roles =
      memberships.status < 300
        ? (result<{ account?: { id?: string }; roles?: string[] }[]>(memberships) ?? [])
            .filter((m) => m.account?.id === target.accountId)
            .flatMap((m) => m.roles ?? [])
        : [];
    observations["provisioner roles on the account"] =
      memberships.status < 300 ? roles.join(", ") || "(none listed)" : `HTTP ${memberships.status}`;
    behaviours.accountTokenRoles = await measureAccountTokenRoles(roles, memberships.status < 300, verifiedId(verify));

    const zoneAnswer = await send(provisioner, "GET", `/zones/${target.zoneId}`);
    expectOk(`GET /zones/${target.zoneId}`, zoneAnswer);
    const zoneName = result<{ name: string }>(zoneAnswer).name;
    behaviours.rateLimitHeaders = rateLimitHeadersSeen(verify, [groupsAnswer, memberships, zoneAnswer], evidence);

    const zoneResource = { [zoneKey(target.zoneId)]: "*" };
    const hourFromNow = rfc3339(new Date(now().getTime() + 3600_000));
    const shortLivedExpiry = new Date(now().getTime() + (options.shortLivedSeconds ?? 5) * 1000);
    // Groups written in descending ID order, the account policy last: a read-back that sorts or reorders shows it.
    const descending = [...zoneGroups].sort((a, b) => b.id.localeCompare(a.id));
    const bodies: Record<TestToken, unknown> = {
      "zone-scoped": {
        policies: [{ effect: "allow", permission_groups: [{ id: zoneRead.id }], resources: zoneResource }],
        expires_on: hourFromNow,
      },
      order: {
        policies: [
          { effect: "allow", permission_groups: descending.map(({ id }) => ({ id })), resources: zoneResource },
          {
            effect: "allow",
            permission_groups: [{ id: accountSettingsRead.id }],
            resources: { [accountKey(target.accountId)]: "*" },
          },
        ],
        expires_on: hourFromNow,
      },
      "short-lived": {
        policies: [{ effect: "allow", permission_groups: [{ id: zoneRead.id }], resources: zoneResource }],
        expires_on: rfc3339(shortLivedExpiry),
      },
    };
    const stamp = rfc3339(now()).replace(/[-:]/g, "");
    const tokenName = (name: TestToken) => `cfct-parity-${stamp}-${name}`;
    for (const name of TOKEN_NAMES) {
      const answer = await send(provisioner, "POST", "/user/tokens", { name: tokenName(name), ...(bodies[name] as object) });
      expectOk(`POST /user/tokens (${name} test token)`, answer);
      const token = result<{ id: string; value: string; expires_on?: string }>(answer);
      values.push(token.value);
      created.set(name, { id: token.id, value: token.value, expiresOn: token.expires_on ?? "" });
    }
    const tokenId = (name: TestToken) => created.get(name)!.id;
    behaviours.tokenValueFormat = valueFormatOf(created.get("zone-scoped")!.value);

    const readBack = await send(provisioner, "GET", `/user/tokens/${tokenId("order")}`);
    expectOk("GET /user/tokens/{order}", readBack);
    const policies = result<{ policies: { permission_groups: { id: string }[]; resources: Record<string, unknown> }[] }>(
      readBack,
    ).policies.map((p) => ({
      groups: p.permission_groups.map((g) => g.id),
      onAccount: Object.keys(p.resources).some((key) => key === accountKey(target.accountId)),
    }));
    const writtenOrder = descending.map((g) => g.id);
    const zonePolicy = policies.find((p) => !p.onAccount);
    const asWritten = policies.length === 2 && !policies[0]!.onAccount && isDeepStrictEqual(zonePolicy?.groups, writtenOrder);
    behaviours.policyReadBackOrder = {
      value: asWritten ? "as-written" : "reordered",
      measured: true,
      evidence: [
        evidence(
          "GET /user/tokens/{order}",
          readBack,
          `written: zone policy [${writtenOrder.join(", ")}] then account policy; read back: ${policies.map((p) => `${p.onAccount ? "account" : "zone"} policy [${p.groups.join(", ")}]`).join(" then ")}`,
        ),
      ],
      sources: [],
    };

    const searched = await send(provisioner, "GET", `/user/tokens?per_page=50&name=${encodeURIComponent(tokenName("order"))}`);
    const searchedIds = searched.status < 300 ? (result<{ id: string }[]>(searched) ?? []).map((t) => t.id) : [];
    const others = TOKEN_NAMES.filter((name) => name !== "order" && searchedIds.includes(tokenId(name)));
    behaviours.tokenListNameFilter = {
      value: others.length > 0 ? "ignored" : "supported",
      measured: searchedIds.includes(tokenId("order")),
      evidence: [
        evidence(
          "GET /user/tokens?name=<the order test token's name>",
          searched,
          `${searchedIds.length} token(s) listed; the order test token ${searchedIds.includes(tokenId("order")) ? "among them" : "not among them"}; other test tokens: ${others.join(", ") || "none"}`,
        ),
      ],
      sources: [],
    };

    const scoped = target.clientFor(created.get("zone-scoped")!.value);
    const list = await send(scoped, "GET", "/zones");
    observations["rate-limit headers of GET /zones"] = headerText(list);
    const byName = await send(scoped, "GET", `/zones?name=${encodeURIComponent(zoneName)}`);
    const listedByName = byName.status < 300 && (result<{ id: string }[]>(byName) ?? []).some((z) => z.id === target.zoneId);
    observations["?name= lookup by a zone-scoped token"] = listedByName ? "lists the zone" : `HTTP ${byName.status}, zone not listed`;
    behaviours.zoneListing = {
      value: list.status === 403 ? "refuse" : "filter",
      measured: list.status === 403 || list.status < 300,
      evidence: [
        evidence("GET /zones (zone-scoped token)", list),
        evidence("GET /zones?name=<zone> (zone-scoped token)", byName, observations["?name= lookup by a zone-scoped token"]),
      ],
      sources: [],
    };

    const missing = await send(scoped, "GET", `/zones/${target.zoneId}/settings`);
    const missingCode = firstError(missing.json).code;
    observations["403 documentation_url"] = documentationUrlOf(missing.json) ?? "(absent)";
    const knownCode = BEHAVIOURS.missingPermissionCode.values.find((v) => Number(v) === missingCode);
    behaviours.missingPermissionCode = {
      value: knownCode ?? BEHAVIOURS.missingPermissionCode.default,
      measured: missing.status === 403 && knownCode !== undefined,
      evidence: [evidence("GET /zones/{zone}/settings without Zone Settings Read", missing)],
      sources: [],
      ...(missing.status === 403 && knownCode === undefined
        ? { note: `a code the sandbox does not know (${missingCode}): please report this file` }
        : {}),
    };

    const wrongOwner = await send(scoped, "GET", `/accounts/${target.accountId}/tokens/verify`);
    const wrongStatus = BEHAVIOURS.wrongOwnerVerifyStatus.values.find((v) => Number(v) === wrongOwner.status);
    behaviours.wrongOwnerVerifyStatus = {
      value: wrongStatus ?? BEHAVIOURS.wrongOwnerVerifyStatus.default,
      measured: wrongStatus !== undefined,
      evidence: [evidence("GET /accounts/{account}/tokens/verify with a user token", wrongOwner)],
      sources: [],
      ...(wrongStatus === undefined ? { note: `HTTP ${wrongOwner.status} is neither value: please report this file` } : {}),
    };

    // The zone-scoped token, deleted, outside the verify routes: 401 everywhere, or 403 9109 "Invalid access token".
    const deleted = await send(provisioner, "DELETE", `/user/tokens/${tokenId("zone-scoped")}`);
    expectOk("DELETE /user/tokens/{zone-scoped}", deleted);
    created.delete("zone-scoped");
    const dead = await send(scoped, "GET", `/zones/${target.zoneId}`);
    const deadValue = dead.status === 401 ? "401-everywhere" : dead.status === 403 ? "verify-only-401" : undefined;
    behaviours.deadTokenAnswer = {
      value: deadValue ?? BEHAVIOURS.deadTokenAnswer.default,
      measured: deadValue !== undefined,
      evidence: [evidence("GET /zones/{zone} with the deleted zone-scoped token", dead)],
      sources: [],
      ...(deadValue === undefined ? { note: `HTTP ${dead.status} is neither value: please report this file` } : {}),
    };

    // Wait until the short-lived token has expired on the API's side (one second of margin for rounding).
    const waitMs = shortLivedExpiry.getTime() + 1000 - now().getTime();
    if (waitMs > 0) await sleep(waitMs);
    const shortLivedId = tokenId("short-lived");
    const listed = (answer: RawAnswer) =>
      answer.status < 300 && (result<{ id: string }[]>(answer) ?? []).some((t) => t.id === shortLivedId);
    const plain = await send(provisioner, "GET", "/user/tokens?per_page=50");
    const withExpired = await send(provisioner, "GET", "/user/tokens?per_page=50&include_expired=true");
    behaviours.expiredTokensInLists = {
      value: listed(plain) ? "listed" : "hidden",
      measured: listed(withExpired),
      evidence: [
        evidence(
          "GET /user/tokens (no include_expired)",
          plain,
          listed(plain) ? "the expired token is listed" : "the expired token is not listed",
        ),
        evidence(
          "GET /user/tokens?include_expired=true",
          withExpired,
          listed(withExpired) ? "the expired token is listed" : "the expired token is not listed either: inconclusive",
        ),
      ],
      sources: [],
    };

    behaviours.rateLimitRefusal = {
      value: BEHAVIOURS.rateLimitRefusal.default,
      measured: false,
      evidence: [],
      sources: [],
      note: "not measured: provoking it would block the account's API for five minutes",
    };
  } finally {
    for (const name of TOKEN_NAMES) {
      const token = created.get(name);
      if (!token) continue;
      const answer = await send(provisioner, "DELETE", `/user/tokens/${token.id}`).catch(() => undefined);
      if (!answer || answer.status >= 300) leftBehind.push(token.id);
    }
  }

  const ordered = Object.fromEntries(Object.keys(BEHAVIOURS).flatMap((name) => (behaviours[name] ? [[name, behaviours[name]]] : [])));
  return {
    file: {
      kind: "cfct-behaviour-file",
      version: 1,
      recordedAt: now().toISOString(),
      apiHost: new URL(provisioner.baseUrl).host,
      behaviours: ordered,
      observations,
      calls,
    },
    leftBehind,
  };
}
