// @ts-check
import js from "@eslint/js";
import tseslint from "typescript-eslint";

/**
 * Things defined once, each in its own module: a copy elsewhere drifts. Each entry is a
 * no-restricted-syntax selector, the one file allowed to match it, and what to use instead.
 */
const DEFINED_ONCE = [
  {
    definedIn: "src/domain/ids.ts",
    selector: "Literal[regex.pattern=/\\[(0-9a-f|a-f0-9)\\]\\{32\\}/], Literal[value=/\\[(0-9a-f|a-f0-9)\\]\\{32\\}/]",
    message: "A Cloudflare ID pattern is defined once: import HEX32 or HEX32_PATTERN from src/domain/ids.ts.",
  },
  {
    definedIn: "src/domain/time.ts",
    selector: "Literal[value=86400000], FunctionDeclaration[id.name='rfc3339'], Literal[regex.pattern='\\.\\d{3}Z$']",
    message: "Time helpers are defined once: import DAY_MS or rfc3339 from src/domain/time.ts.",
  },
  {
    definedIn: "src/cloudflare/http.ts",
    selector: "FunctionDeclaration[id.name=/^(redact|parseRetryAfter|isLoopbackHost)$/], Literal[regex.pattern=/localhost\\|127/]",
    message: "redact, parseRetryAfter and isLoopbackHost are defined once: import them from src/cloudflare/http.ts.",
  },
  {
    definedIn: "src/domain/permission-group.ts",
    selector:
      "Literal[value='com.cloudflare.api.'], :matches(FunctionDeclaration, VariableDeclarator)[id.name=/^(scopeLabel|groupLabel|scopeWord|SCOPE_OF_WORD|SCOPE_WORD|WORD_OF_SCOPE)$/]",
    message:
      "Scope labels and a stack file's scope words are defined once: import scopeLabel, groupLabel or scopeWord from src/domain/permission-group.ts.",
  },
  {
    definedIn: "src/automation/pulumi-environment.ts",
    selector: "Literal[value='CLOUDFLARE_API_TOKEN'], VariableDeclarator[id.name='PROVIDER_TOKEN_ENV']",
    message: "The provider's token variable is defined once: import PROVIDER_TOKEN_ENV from src/automation/pulumi-environment.ts.",
  },
  {
    definedIn: "src/cloudflare/client.ts",
    selector: "Literal[value=/api\\.cloudflare\\.com/], TemplateElement[value.raw=/api\\.cloudflare\\.com/]",
    message: "Cloudflare's API base is defined once: import CLOUDFLARE_API_BASE from src/cloudflare/client.ts.",
  },
];

const restrictedExcept = (file) => [
  "error",
  ...DEFINED_ONCE.filter((entry) => entry.definedIn !== file).map(({ selector, message }) => ({ selector, message })),
];

export default tseslint.config(
  { ignores: ["**/node_modules/**", "dist/**", "evidence/**", ".cfct/**", "**/*.js", "**/*.cjs"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["src/**/*.ts", "policies/**/*.ts", "bench/**/*.ts"],
    rules: { "no-restricted-syntax": restrictedExcept(undefined) },
  },
  ...DEFINED_ONCE.map(({ definedIn }) => ({ files: [definedIn], rules: { "no-restricted-syntax": restrictedExcept(definedIn) } })),
  {
    rules: {
      // A leading underscore names what is left out on purpose (a destructured field dropped, an unused parameter).
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", ignoreRestSiblings: true }],
    },
  },
  {
    // Tests and benchmarks read API response bodies of every shape; typing each would restate the OpenAPI.
    files: ["test/**/*.ts", "bench/**/*.ts"],
    rules: { "@typescript-eslint/no-explicit-any": "off" },
  },
  {
    // One composition root: clients are built in src/cli/ and passed down (src/cloudflare/ defines them).
    files: ["src/**/*.ts", "policies/**/*.ts"],
    ignores: ["src/cli/**", "src/cloudflare/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["**/cloudflare/client"],
              importNames: ["createCloudflareClient"],
              message:
                "Clients are built in src/cli/ (build-pipeline.ts, clients.ts, verify-clients.ts) and passed down: take a CloudflareClient or a CloudflareClientFactory as a parameter.",
            },
          ],
        },
      ],
    },
  },
  {
    // Loaded on demand with require(): command modules (so `cfct plan` loads no Pulumi), the policy
    // pack under ts-node, as Pulumi's policy host loads it, and Datadog's client (seconds to load).
    files: ["src/cli/main.ts", "src/cli/commands/diff.ts", "src/diff/policy-verdict.ts", "src/registration/datadog-client.ts"],
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
);
