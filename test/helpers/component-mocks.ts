import type * as pulumi from "@pulumi/pulumi";
import { complianceTokenMocks } from "../../src/component/mocks";

/** The mocks the package offers its users (src/component/mocks.ts), with what they registered and invoked kept for assertions. */
export function componentMocks(): {
  mocks: pulumi.runtime.Mocks;
  registered: pulumi.runtime.MockResourceArgs[];
  invokes: pulumi.runtime.MockCallArgs[];
} {
  const registered: pulumi.runtime.MockResourceArgs[] = [];
  const invokes: pulumi.runtime.MockCallArgs[] = [];
  const mocks = complianceTokenMocks({ onResource: (args) => registered.push(args), onInvoke: (args) => invokes.push(args) });
  return { mocks, registered, invokes };
}
