/**
 * `cfct verify`: prove a token does exactly what its platform needs, and explain every failure.
 * The automation step reuses `verifyToken` / `verifyPlans` with its own `TokenValueSource`.
 */
export { verifyToken, VerifyInputError } from "./verify-token";
export { verifyPlans } from "./plans";
export { VerifyMemo } from "./memo";
export type { Check, VerifyClients, VerifyReport } from "./types";
export { renderReport, renderReports, reportJson } from "./render";
export { DEFAULT_TOKEN_ENV_PREFIX, envTokenSource, envVarFor, type TokenValueSource } from "./token-source";
