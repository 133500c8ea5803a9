import * as pulumi from "@pulumi/pulumi";
import { vi } from "vitest";

/**
 * Ends a run under Pulumi's mocks the way the Automation API ends an inline program
 * (@pulumi/pulumi 3.248 automation/server.js:77, `settings.disconnect()` after the program):
 * `disconnect` waits until the runtime's queue of resource RPCs has drained. A component registers
 * its outputs on a later turn than anything a test can await, so without it the next run's
 * `setMocks` would swap the mock monitor under a pending registerResourceOutputs (an "unknown
 * resource" rejection), and a test asserting that nothing was registered could look too early.
 * Call it last in a run: the next one starts with `setMocks`.
 */
export async function endMockedRun(): Promise<void> {
  await pulumi.runtime.disconnect();
}

/** What a component registered as its outputs, every Output in them resolved and secrets unwrapped. */
export interface RegisteredOutputs {
  readonly urn: string;
  readonly outputs: Record<string, unknown>;
}

/**
 * `registerOutputs` is protected (for subclasses, documented in @pulumi/pulumi resource.d.ts), so
 * `vi.spyOn` cannot name it on the prototype's declared type: this is that method, made nameable.
 */
type OutputsRegistration = { registerOutputs(this: pulumi.ComponentResource, outputs?: pulumi.Input<pulumi.Inputs>): void };

/**
 * Records what every ComponentResource constructed from now on registers as its outputs, by spying
 * on `ComponentResource.prototype.registerOutputs` (the real method still runs). Pulumi keeps the
 * first call of each component and ignores later ones (ComponentResource calls it again once
 * `initialize` is done), and so does `resolve`. `restore` removes the spy.
 */
export function recordRegisteredOutputs(): { resolve(): Promise<RegisteredOutputs[]>; restore(): void } {
  const spy = vi.spyOn(pulumi.ComponentResource.prototype as unknown as OutputsRegistration, "registerOutputs");
  return {
    async resolve() {
      const firstCall = new Map<pulumi.ComponentResource, pulumi.Input<pulumi.Inputs>>();
      spy.mock.contexts.forEach((component, call) => {
        if (!firstCall.has(component)) firstCall.set(component, spy.mock.calls[call]![0] ?? {});
      });
      return Promise.all(
        [...firstCall].map(
          ([component, outputs]) =>
            new Promise<RegisteredOutputs>((resolve) =>
              pulumi.all([component.urn, pulumi.output(outputs)]).apply(([urn, resolved]) => resolve({ urn, outputs: resolved })),
            ),
        ),
      );
    },
    restore: () => spy.mockRestore(),
  };
}

/** An output's value, once Pulumi's mocks resolve it. */
export const unwrap = <T>(output: pulumi.Output<T>) => new Promise<T>((resolve) => output.apply(resolve));
