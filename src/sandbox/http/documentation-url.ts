import type { EndpointPermission } from "../../cloudflare/endpoint-permissions";

const DOCS = "https://developers.cloudflare.com/api/resources";

/**
 * The `documentation_url` a 403 carries (Cloudflare's changelog of 2026-08-20, "Enriched 403
 * responses for the Cloudflare API": "links directly to the API documentation for the endpoint that
 * was denied"). Its shape follows the changelog's example
 * (`…/api/resources/workers/subresources/beta/…/methods/list`); the sandbox derives it from the
 * route's path, so a real link may differ (FIDELITY.md). Clients show it, never parse it.
 */
export function documentationUrl(endpoint: EndpointPermission): string {
  const segments = endpoint.path.split("/").filter((s) => s !== "" && !s.startsWith("{"));
  const [first, ...rest] = segments;
  const resource = [first, ...rest.map((s) => `subresources/${s}`)].join("/");
  const onOne = /\}$/.test(endpoint.path);
  const method =
    endpoint.method === "GET"
      ? onOne
        ? "get"
        : "list"
      : endpoint.method === "POST"
        ? "create"
        : endpoint.method === "PUT"
          ? "update"
          : "delete";
  return `${DOCS}/${resource}/methods/${method}`;
}
