/**
 * cf-compliance-tokens as a library: the ComplianceToken Pulumi component, its argument and output
 * types, mocks to unit-test a program that uses it, the pure planner, and the receiver-side check of
 * cfct's webhook signatures.
 */
export {
  ComplianceToken,
  complianceTokensPerAccount,
  type ComplianceTokenArgs,
  type ComplianceTokenPlatform,
  type GrantedGroup,
  type PlatformKey,
} from "./component/compliance-token";
export {
  complianceTokenMocks,
  mockPermissionGroupId,
  COMPLIANCE_TOKEN_INVOKES,
  MOCK_USER_ID,
  type ComplianceTokenMockOptions,
  type MockZone,
} from "./component/mocks";
export { plan, PlanError } from "./plan/plan";
export type { TokenPlan, PolicyPlan } from "./domain/plan";
export type { TokenOwner } from "./domain/owner";
export type { PolicyResources } from "./domain/resource-keys";
export { parseSettings, ConfigError, type Settings } from "./config/schema";
export { PLATFORMS } from "./platforms";
export { verifyWebhookSignature, type WebhookPayload } from "./registration/webhook";
