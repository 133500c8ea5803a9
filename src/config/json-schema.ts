import { z } from "zod";
import { CONFIG_NAMESPACE, stackConfigSchema } from "./schema";

/**
 * JSON Schema of a stack file (stacks/Pulumi.<env>.yaml), generated from the zod schema so the two
 * can never disagree. Editors use it through a `# yaml-language-server: $schema=...` comment.
 */
export function stackFileJsonSchema(): Record<string, unknown> {
  const config = z.toJSONSchema(stackConfigSchema, { io: "input", unrepresentable: "any" }) as {
    properties: Record<string, unknown>;
    required?: string[];
    $schema?: string;
  };
  const namespaced = (key: string) => `${CONFIG_NAMESPACE}:${key}`;
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    title: "cf-compliance-tokens stack file",
    description: "A Pulumi stack file (stacks/Pulumi.<env>.yaml) for cf-compliance-tokens. Keys of other namespaces pass through.",
    type: "object",
    properties: {
      config: {
        type: "object",
        properties: Object.fromEntries(
          Object.entries(config.properties).map(([key, schema]) => [
            namespaced(key),
            key === "generations" ? orJsonString(schema) : schema,
          ]),
        ),
        required: (config.required ?? []).map(namespaced),
        propertyNames: { not: { pattern: `^${CONFIG_NAMESPACE}:(?!(${Object.keys(config.properties).join("|")})$)` } },
        additionalProperties: true,
      },
    },
    required: ["config"],
    additionalProperties: true,
  };
}

/**
 * `pulumi config set <key> --plaintext -- '<json>'` (how cfct records generations) writes a YAML
 * string, not a map; the zod schema parses either, so the file schema accepts either too.
 */
function orJsonString(schema: unknown): Record<string, unknown> {
  return {
    anyOf: [
      schema,
      { type: "string", contentMediaType: "application/json", description: "the same map as JSON text, as `pulumi config set` writes it" },
    ],
  };
}
