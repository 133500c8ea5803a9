// CrossGuard entry point (`pulumi preview --policy-pack policies`). Only constructs the pack: the
// constructor starts the analyzer's gRPC server, so the rules live in ./rules and are tested there.
import { PolicyPack } from "@pulumi/policy";
import { policies } from "./rules";

new PolicyPack("cf-compliance-tokens", {
  description: "Read-only, scoped, expiring Cloudflare compliance tokens, created only through ComplianceToken.",
  policies,
});
