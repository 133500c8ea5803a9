/**
 * `cfct verify`: prove a token does exactly what its platform needs, and explain every failure.
 * The automation step reuses `verifyToken` / `verifyPlans` with its own `TokenValueSource`.
 */
export { verifyToken, VerifyInputError } from "./verify-token";
export { verifyPlans, type PlanVerification } from "./plans";
export { VerifyMemo } from "./memo";
export type { Check, CheckStatus, VerifyInput, VerifyReport, ZoneSelection } from "./types";
export { renderReport, renderReports, reportJson } from "./render";
export { DEFAULT_TOKEN_ENV_PREFIX, envTokenSource, envVarFor, type TokenValueSource } from "./token-source";
