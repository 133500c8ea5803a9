import { describe, expect, it } from "vitest";
import type { Registrar, RegistrationOutcome, RegistrationRequest } from "../../src/registration";
import { ChangeCount } from "../../src/cli/change-count";
import { changeNoticingRegistrar } from "../../src/cli/change-noticing-registrar";

const outcome: RegistrationOutcome = {
  registrar: "test",
  status: "failed",
  detail: "the platform said no",
  attempts: 1,
  at: "2026-01-01T00:00:00Z",
};

/** A registrar that records every call it gets; `deregister` only when asked for. */
function registrarThat(options: { deregisters: boolean; fails?: Error }) {
  const calls: string[] = [];
  const registrar: Registrar = {
    kind: "test",
    register: (request) => {
      calls.push(`register ${request.tokenKey}`);
      return options.fails ? Promise.reject(options.fails) : Promise.resolve(outcome);
    },
    refusal: (stack) => {
      calls.push(`refusal ${stack}`);
      return undefined;
    },
    withdraw: (request) => {
      calls.push(`withdraw ${request.tokenKey}`);
    },
    ...(options.deregisters
      ? {
          deregister: (request) => {
            calls.push(`deregister ${request.connection}`);
            return Promise.resolve({
              registrar: "test",
              status: "deleted" as const,
              detail: "removed",
              attempts: 1,
              at: "2026-01-01T00:00:00Z",
            });
          },
        }
      : {}),
  };
  return { registrar, calls };
}

const request = { tokenKey: "drata" } as RegistrationRequest;

describe("changeNoticingRegistrar: a registration begun or removed is a change", () => {
  it("counts one change per registration begun, whatever the registrar reports, and returns its outcome", async () => {
    const changes = new ChangeCount();
    const { registrar, calls } = registrarThat({ deregisters: false });
    const noticing = changeNoticingRegistrar(registrar, changes);
    expect(await noticing.register(request)).toBe(outcome);
    expect(await noticing.register(request)).toBe(outcome);
    expect(changes.total).toBe(2);
    expect(calls).toEqual(["register drata", "register drata"]);
  });

  it("counts a registration that throws (it may have reached the platform), and the error reaches the caller", async () => {
    const changes = new ChangeCount();
    const crash = new Error("the webhook connection reset");
    const noticing = changeNoticingRegistrar(registrarThat({ deregisters: false, fails: crash }).registrar, changes);
    await expect(noticing.register(request)).rejects.toBe(crash);
    expect(changes.total).toBe(1);
  });

  it("counts a deregistration, and offers none when the registrar has none", async () => {
    const changes = new ChangeCount();
    const { registrar, calls } = registrarThat({ deregisters: true });
    expect((await changeNoticingRegistrar(registrar, changes).deregister!({ stack: "dev", connection: "drata" })).status).toBe("deleted");
    expect(changes.total).toBe(1);
    expect(calls).toEqual(["deregister drata"]);
    expect(changeNoticingRegistrar(registrarThat({ deregisters: false }).registrar, changes).deregister).toBeUndefined();
  });

  it("passes kind, refusal and withdraw through and counts nothing for them", () => {
    const changes = new ChangeCount();
    const { registrar, calls } = registrarThat({ deregisters: false });
    const noticing = changeNoticingRegistrar(registrar, changes);
    expect(noticing.kind).toBe("test");
    expect(noticing.refusal!("dev")).toBeUndefined();
    noticing.withdraw!({ stack: "dev", tokenKey: "drata", generation: 1 });
    expect(calls).toEqual(["refusal dev", "withdraw drata"]);
    expect(changes.total).toBe(0);
  });
});
