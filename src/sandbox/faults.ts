import { z } from "zod";

const match = z
  .strictObject({
    method: z.enum(["GET", "POST", "PUT", "PATCH", "DELETE"], { error: "must be GET, POST, PUT, PATCH or DELETE" }).optional(),
    path: z
      .string()
      .startsWith("/", { error: "must start with / and be relative to /client/v4, e.g. /zones or /zones/{zone_id}" })
      .optional()
      .describe("a concrete path (/zones/023e…) or a route template (/zones/{zone_id})"),
  })
  .default({});

const common = {
  match,
  count: z.int({ error: "must be a whole number" }).min(1, { error: "must be at least 1" }).default(1),
};

/** POST /__sandbox/faults: what to inject into the next `count` matching API requests. */
export const faultSchema = z.discriminatedUnion(
  "kind",
  [
    z.strictObject({
      ...common,
      kind: z.literal("status"),
      status: z.union([z.literal(500), z.literal(502), z.literal(503)], { error: "must be 500, 502 or 503" }),
    }),
    z.strictObject({ ...common, kind: z.literal("rate_limit"), retryAfterSeconds: z.int().min(0).max(3600).default(1) }),
    z.strictObject({ ...common, kind: z.literal("latency"), ms: z.int().min(1).max(60_000, { error: "must be at most 60000 ms" }) }),
    z.strictObject({ ...common, kind: z.literal("reset") }),
    z.strictObject({ ...common, kind: z.literal("malformed") }),
  ],
  { error: "kind must be one of status, rate_limit, latency, reset, malformed" },
);

export type FaultSpec = z.infer<typeof faultSchema>;
export type Fault = FaultSpec & { readonly id: number; remaining: number };

/** Pending faults, applied first-in first-out to requests they match. */
export class FaultQueue {
  private faults: Fault[] = [];
  private nextId = 1;

  add(spec: FaultSpec): Fault {
    const fault: Fault = { ...spec, id: this.nextId++, remaining: spec.count };
    this.faults.push(fault);
    return fault;
  }

  /** The fault this request triggers, if any; each use spends one of its `count`. */
  take(method: string, path: string, routeTemplate: string): Fault | undefined {
    const fault = this.faults.find(
      (f) =>
        (f.match.method === undefined || f.match.method === method) &&
        (f.match.path === undefined || f.match.path === path || f.match.path === routeTemplate),
    );
    if (!fault) return undefined;
    fault.remaining -= 1;
    if (fault.remaining === 0) this.faults = this.faults.filter((f) => f !== fault);
    return fault;
  }

  pending(): readonly Fault[] {
    return this.faults;
  }

  clear(): void {
    this.faults = [];
  }
}
