/**
 * Every rule of the pack, in the order Pulumi reports them. policies/index.ts serves this list;
 * tests import it (constructing the PolicyPack would start a gRPC server).
 */
import type { Policies } from "./common";
import { expiry } from "./expiry";
import { ipFilter } from "./ip-filter";
import { ipFilterRequired } from "./ip-filter-required";
import { noHandRolledTokens } from "./no-hand-rolled-tokens";
import { notExpired } from "./not-expired";
import { readAllProfile } from "./read-all-profile";
import { readOnly } from "./read-only";
import { registrationHosts } from "./registration-hosts";
import { registrationHostsRequired } from "./registration-hosts-required";
import { scopedResources } from "./scoped-resources";

export const policies: Policies = [
  readOnly,
  scopedResources,
  expiry,
  notExpired,
  noHandRolledTokens,
  ipFilter,
  ipFilterRequired,
  readAllProfile,
  registrationHosts,
  registrationHostsRequired,
];
