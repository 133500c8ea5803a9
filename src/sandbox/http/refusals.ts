import type { EndpointPermission } from "../../cloudflare/endpoint-permissions";
import type { Behaviours } from "../behaviours";
import { documentationUrl } from "./documentation-url";
import { ApiError } from "./envelope";
import { redactPath } from "./redact-path";

/**
 * Every error the sandbox answers with, in one place. Cloudflare does not document its error codes;
 * each entry names where its code, message and status were seen (see src/sandbox/FIDELITY.md).
 */

const INVALID_TOKEN = "Invalid API Token";

// RFC 6750 challenge; Cloudflare's 401 page tells users to read WWW-Authenticate (exact form not documented).
function bearerChallenge(description: string): Record<string, string> {
  return {
    "www-authenticate": `Bearer realm="cloudflare-sandbox", error="invalid_token", error_description="${description.replace(/"/g, "'")}"`,
  };
}

export const refuse = {
  /** No credential at all (cloudflare/cloudflare-python#2678: 400, 9106). */
  missingCredentials: () => new ApiError(400, [{ code: 9106, message: "Missing X-Auth-Key, X-Auth-Email or Authorization headers" }]),

  /** Not "Bearer <token>" (jeessy2/ddns-go#658 and others: 400, 6003 with error_chain 6111). */
  malformedAuthorization: () =>
    new ApiError(400, [
      { code: 6003, message: "Invalid request headers", error_chain: [{ code: 6111, message: "Invalid format for Authorization header" }] },
    ]),

  /** API-key headers instead of a token: the sandbox has no global API keys (observed 6003/6103). */
  apiKeyNotSupported: () =>
    new ApiError(400, [
      { code: 6003, message: "Invalid request headers", error_chain: [{ code: 6103, message: "Invalid format for X-Auth-Key header" }] },
    ]),

  /** Unknown, deleted or rolled-away token at a verify route, or anywhere under deadTokenAnswer "401-everywhere" (code 1000 per probe-endpoints.md). */
  invalidToken: () => new ApiError(401, [{ code: 1000, message: INVALID_TOKEN }], bearerChallenge(INVALID_TOKEN)),

  /**
   * Unknown, deleted or rolled-away token outside the verify routes under deadTokenAnswer
   * "verify-only-401" (cert-manager/cert-manager#4465 on GET /zones?name=; public live notes of
   * 2026-09 quoting 403 with this body on GET /accounts).
   */
  invalidAccessToken: () => new ApiError(403, [{ code: 9109, message: "Invalid access token" }]),

  /** An account-owned token at a user route (public live notes of 2026-07 … 2026-09 quoting this 403 body). */
  userLevelAuthenticationMissing: (endpoint: EndpointPermission) =>
    new ApiError(403, [
      { code: 9109, message: "Valid user-level authentication not found", documentation_url: documentationUrl(endpoint) },
    ]),

  /** A token of the other owner kind at a verify route: 401 or 403 as the wrongOwnerVerifyStatus behaviour says (FIDELITY.md). */
  wrongOwnerAtVerify: (behaviours: Behaviours) =>
    behaviours.wrongOwnerVerifyStatus === "403"
      ? new ApiError(403, [{ code: 1000, message: INVALID_TOKEN }])
      : new ApiError(401, [{ code: 1000, message: INVALID_TOKEN }], bearerChallenge(INVALID_TOKEN)),

  /** Known token that cannot be used now: disabled, expired, not yet valid (code 1000; the reason is ours). */
  unusableToken: (reason: string) =>
    new ApiError(401, [{ code: 1000, message: `${INVALID_TOKEN}: ${reason}` }], bearerChallenge(INVALID_TOKEN)),

  /**
   * Valid token without a group the route accepts on this resource: 403 with 9109 or 10000, as the
   * missingPermissionCode behaviour says (both are quoted in public reports, FIDELITY.md).
   */
  missingPermission: (behaviours: Behaviours, endpoint: EndpointPermission, detail?: string) => {
    const message = behaviours.missingPermissionCode === "10000" ? "Authentication error" : "Unauthorized to access requested resource";
    return new ApiError(403, [
      {
        code: Number(behaviours.missingPermissionCode),
        message: `${message}${detail ? `: ${detail}` : ""}`,
        documentation_url: documentationUrl(endpoint),
      },
    ]);
  },

  /** A token create that reaches beyond its owner (terraform-provider-cloudflare#3227: 403, 9109). */
  unauthorized: (detail?: string) =>
    new ApiError(403, [{ code: 9109, message: `Unauthorized to access requested resource${detail ? `: ${detail}` : ""}` }]),

  /** condition.request_ip refused the client (third-party test code: 403, 9109). */
  ipNotAllowed: (address: string) => new ApiError(403, [{ code: 9109, message: `Cannot use the access token from location: ${address}` }]),

  /** Account-owned token at GET /accounts (edgefirst-dev/starter#3, third-party: 400, 1001). */
  accountTokenCannotListAccounts: () =>
    new ApiError(400, [{ code: 1001, message: "List accounts endpoint does not support account owned tokens." }]),

  /**
   * GET /zones without an exact name, by a token without all zones of an account it would list: the
   * 403, code 0 and message quoted in troglobit/inadyn#285 and cloudflare/cloudflare-plugin-frontend#142.
   */
  zoneListNotPermitted: (tokenId: string, endpoint: EndpointPermission) =>
    new ApiError(403, [
      {
        code: 0,
        message: `Actor 'com.cloudflare.api.token.${tokenId}' requires permission 'com.cloudflare.api.account.zone.list' to list zones`,
        documentation_url: documentationUrl(endpoint),
      },
    ]),

  /** A request value the API rejects. Code 1001 is Cloudflare's observed "bad request" code; the message names the fix (ours). */
  invalidRequest: (message: string) => new ApiError(400, [{ code: 1001, message }]),

  /** Body is not JSON (code assumed). */
  malformedJson: () => new ApiError(400, [{ code: 6007, message: "Malformed JSON in request body" }]),

  /** Unknown route (the OpenAPI's example error: 7003 "No route for the URI"; 404 assumed). */
  noRoute: () => new ApiError(404, [{ code: 7003, message: "No route for the URI" }]),

  /** An identifier that is malformed (400) or names nothing (404): widely reported 7003 message. */
  badIdentifier: (path: string, status: 400 | 404) =>
    new ApiError(status, [
      { code: 7003, message: `Could not route to ${redactPath(path)}, perhaps your object identifier is invalid?` },
      ...(status === 400 ? [{ code: 7000, message: "No route for that URI" }] : []),
    ]),

  /** Over the per-user budget (terraform-provider-cloudflare#5494: 429, 971). */
  rateLimited: (retryAfterSeconds: number, headers: Record<string, string> = {}) =>
    new ApiError(429, [{ code: 971, message: "Please wait and consider throttling your request speed" }], {
      ...headers,
      "retry-after": String(retryAfterSeconds),
    }),

  /** An injected upstream failure (control plane). Code and message are ours, and say so. */
  injectedServerError: (status: number) =>
    new ApiError(status, [{ code: 10001, message: `Service error injected by the sandbox control plane (HTTP ${status})` }]),

  /** A bug in the sandbox itself. */
  internal: () => new ApiError(500, [{ code: 10001, message: "Internal sandbox error; see the sandbox log" }]),
};
