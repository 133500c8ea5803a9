import { Hono, type Context } from "hono";
import { z } from "zod";
import { SCOPES } from "../domain/permission-group";
import type { Behaviours } from "./behaviours";
import { type SandboxClock } from "./clock";
import { faultSchema, type FaultQueue } from "./faults";
import { requireControlToken } from "./http/control-token";
import { sameMachineJsonOnly } from "./http/local-only";
import type { Inventory } from "./inventory";
import type { PermissionCatalog } from "./permission-catalog";
import type { RequestStats } from "./stats";
import type { TokenStore } from "./tokens/token-store";
import { tokenView } from "./tokens/token-view";
import { rfc3339 } from "../domain/time";

export const CONTROL_PREFIX = "/__sandbox";

export interface ControlPlaneDependencies {
  readonly stats: RequestStats;
  readonly faults: FaultQueue;
  readonly clock: SandboxClock;
  readonly tokens: TokenStore;
  readonly catalog: PermissionCatalog;
  readonly inventory: Inventory;
  readonly behaviours: Behaviours;
  /** How a request the control plane will not serve is answered. */
  readonly refusal: (path: string, status: 401 | 403 | 415, message: string) => Response;
  /** The secret every control request must present (http/control-token.ts). */
  readonly controlToken: string;
  /** Which run of the sandbox this is: a rehearsal's state records it, to notice a restart. */
  readonly instance: { readonly instance: string; readonly startedAt: string };
}

const roleChange = z.strictObject({
  roles: z.array(z.string().min(1)).min(1, { error: 'roles needs at least one role name, e.g. ["API Token Provisioning"]' }),
});

const clockChange = z
  .strictObject({
    advanceSeconds: z
      .number({ error: "advanceSeconds must be a number of seconds" })
      .min(0, { error: "advanceSeconds must be ≥ 0: the clock never goes back" })
      .optional(),
    frozen: z.boolean({ error: "frozen must be true (the clock stands still until advanced) or false" }).optional(),
  })
  .refine((body) => body.advanceSeconds !== undefined || body.frozen !== undefined, {
    error: "send advanceSeconds (e.g. 3600), frozen (true or false), or both",
  });

const groupRename = z.strictObject({
  scope: z.enum(Object.values(SCOPES), { error: `scope must be one of ${Object.values(SCOPES).join(", ")}` }),
  from: z.string({ error: 'from must be the group\'s current name, e.g. "Account Settings Read"' }).min(1),
  to: z.string({ error: "to must be the new name" }).min(1, { error: "to must not be empty" }),
});

/** A control-plane mistake: HTTP 400 with a message naming the fix. */
function badRequest(c: Context, message: string): Response {
  return c.json({ error: message }, 400);
}

async function parseBody<T>(c: Context, schema: z.ZodType<T>): Promise<{ ok: true; value: T } | { ok: false; response: Response }> {
  let input: unknown;
  try {
    input = await c.req.json();
  } catch {
    return { ok: false, response: badRequest(c, "the body must be JSON") };
  }
  const parsed = schema.safeParse(input);
  if (parsed.success) return { ok: true, value: parsed.data };
  return {
    ok: false,
    response: badRequest(c, parsed.error.issues.map((i) => (i.path.length ? `${i.path.join(".")}: ${i.message}` : i.message)).join("; ")),
  };
}

/**
 * /__sandbox: test and demo controls, outside /client/v4, for holders of the sandbox's control token
 * only (never a Cloudflare token). It never returns a token value: GET /tokens shows metadata only.
 */
export function createControlPlane(deps: ControlPlaneDependencies): Hono {
  const app = new Hono().basePath(CONTROL_PREFIX);
  app.use("*", sameMachineJsonOnly(deps.refusal));
  app.use("*", requireControlToken(deps.controlToken, deps.refusal));

  app.get("/stats", (c) => c.json(deps.stats.snapshot()));
  app.get("/instance", (c) => c.json(deps.instance));
  app.get("/behaviours", (c) => c.json(deps.behaviours));
  app.post("/stats/reset", (c) => {
    deps.stats.reset();
    return c.json(deps.stats.snapshot());
  });

  app.get("/faults", (c) => c.json({ pending: deps.faults.pending() }));
  app.post("/faults", async (c) => {
    const body = await parseBody(c, faultSchema);
    return body.ok ? c.json(deps.faults.add(body.value), 201) : body.response;
  });
  app.delete("/faults", (c) => {
    deps.faults.clear();
    return c.json({ pending: [] });
  });

  const clockState = () => ({
    now: rfc3339(deps.clock.now()),
    offsetSeconds: deps.clock.offsetSeconds,
    frozen: deps.clock.frozen,
    instance: deps.clock.instance,
  });
  app.get("/clock", (c) => c.json(clockState()));
  app.post("/clock", async (c) => {
    const body = await parseBody(c, clockChange);
    if (!body.ok) return body.response;
    if (body.value.frozen !== undefined) deps.clock.setFrozen(body.value.frozen);
    if (body.value.advanceSeconds !== undefined) deps.clock.advance(body.value.advanceSeconds);
    return c.json(clockState());
  });

  app.get("/tokens", (c) => {
    const now = deps.clock.now();
    return c.json({
      tokens: deps.tokens.all().map((token) => {
        const { id, name, status, issued_on, last_used_on, expires_on, not_before, policies } = tokenView(token, deps.catalog, now, {
          policyReadBackOrder: "as-written",
        });
        const owner =
          token.owner.kind === "user" ? { type: "user", id: token.owner.userId } : { type: "account", id: token.owner.accountId };
        return {
          id,
          name,
          owner,
          created_by: token.createdBy,
          status,
          issued_on,
          last_used_on: last_used_on ?? null,
          expires_on: expires_on ?? null,
          not_before: not_before ?? null,
          policies,
        };
      }),
    });
  });

  // What Cloudflare does when a credential scanner reports the value leaked: it deactivates the token.
  app.post("/tokens/:id/expose", (c) => {
    const id = c.req.param("id");
    if (!deps.tokens.get(id)) return c.json({ error: `no token ${id}. Fix: use an id from GET ${CONTROL_PREFIX}/tokens` }, 404);
    const token = deps.tokens.expose(id, deps.clock.now());
    return c.json({ id, status: tokenView(token, deps.catalog, deps.clock.now(), { policyReadBackOrder: "as-written" }).status });
  });

  // What Cloudflare does to its permission-group list over time: a group keeps its ID under a new name.
  app.post("/permission_groups/rename", async (c) => {
    const body = await parseBody(c, groupRename);
    if (!body.ok) return body.response;
    const { scope, from, to } = body.value;
    const renamed = deps.catalog.rename(scope, from, to);
    if (!renamed)
      return c.json(
        {
          error: `no permission group "${from}" in scope ${scope}. Fix: use a current name from GET /client/v4/accounts/{account_id}/tokens/permission_groups`,
        },
        404,
      );
    return c.json({ id: renamed.id, name: renamed.name, scopes: [renamed.scope] });
  });

  // A Super Administrator changes the provisioner's user's roles on an account (accountTokenRoles reads them on every request).
  app.put("/memberships/:account_id/roles", async (c) => {
    const body = await parseBody(c, roleChange);
    if (!body.ok) return body.response;
    const accountId = c.req.param("account_id");
    if (!deps.inventory.setRoles(accountId, body.value.roles))
      return c.json(
        { error: `the user has no membership of account ${accountId}. Fix: use an account_id from GET /client/v4/memberships` },
        404,
      );
    return c.json({ account_id: accountId, roles: body.value.roles });
  });

  // A zone its owner deleted outside cfct: the API no longer lists or finds it. There is no undo.
  app.delete("/zones/:zone_id", (c) => {
    const id = c.req.param("zone_id");
    const zone = deps.inventory.removeZone(id);
    if (!zone) return c.json({ error: `no zone ${id}. Fix: use a zone ID from GET /client/v4/zones` }, 404);
    return c.json({ id: zone.id, name: zone.name });
  });

  app.all("*", (c) =>
    c.json(
      {
        error: `no control-plane route ${c.req.method} ${c.req.path}. Routes: GET /instance, GET /stats, POST /stats/reset, GET|POST|DELETE /faults, GET|POST /clock, GET /tokens, POST /tokens/{id}/expose, POST /permission_groups/rename, PUT /memberships/{account_id}/roles, DELETE /zones/{zone_id}, GET /behaviours`,
      },
      404,
    ),
  );
  return app;
}
