/** Pulumi type tokens of the resources the program registers: engines, rehearsal mocks and policies match on them. */
export const COMPLIANCE_TOKEN_TYPE = "cf-compliance-tokens:index:ComplianceToken";
export const TOKEN_RESOURCE_TYPES = {
  user: "cloudflare:index/apiToken:ApiToken",
  account: "cloudflare:index/accountToken:AccountToken",
} as const;
