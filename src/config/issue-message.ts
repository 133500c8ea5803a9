import type { z } from "zod";

const FIX = /\bFix:/;

/** A YAML example of each type zod may expect, for the fix of a value of the wrong type. */
const EXAMPLES: Record<string, { what: string; fix: string }> = {
  number: { what: "a number", fix: "write the number without quotes, e.g. 90" },
  int: { what: "a whole number", fix: "write a whole number without quotes, e.g. 90" },
  string: { what: "a string", fix: 'write text, quoted if YAML would read it as something else (e.g. "123")' },
  boolean: { what: "true or false", fix: "write true or false without quotes" },
  array: { what: "a list", fix: 'write a YAML list: [a, b], or one "- item" per line' },
  object: { what: "a map of keys", fix: "write indented key: value lines under it" },
};

/**
 * The one place a zod issue of the stack schema becomes text: "what is wrong. Fix: what to do". A
 * message the schema wrote itself (it carries "Fix:") is kept; zod's own defaults ("Invalid input")
 * are replaced by one built from the issue, so no problem reaches a user without a fix. The key
 * path and the value are the caller's (ConfigProblem.path and .value).
 */
export function issueMessage(issue: z.core.$ZodIssue): string {
  if (FIX.test(issue.message)) return issue.message;
  switch (issue.code) {
    case "invalid_type": {
      const wanted = EXAMPLES[issue.expected] ?? { what: issue.expected, fix: "see schema/stack-config.schema.json for this key" };
      if (issue.input === undefined) return `is required. Fix: add it (${wanted.what})`;
      return `must be ${wanted.what}, not ${kindOf(issue.input)}. Fix: ${wanted.fix}`;
    }
    case "invalid_union": {
      const forms = [...new Set(issue.errors.flatMap((branch) => branch.filter((i) => i.path.length === 0).map(expectedForm)))];
      const fixes = [...new Set(issue.errors.flatMap((branch) => branch.filter((i) => i.path.length === 0).map(formFix)))];
      return `must be ${forms.join(" or ")}, not ${kindOf(issue.input)}. Fix: ${fixes.join("; or ")}`;
    }
    case "invalid_value":
      return `is not allowed. Fix: use ${issue.values.map((v) => JSON.stringify(v)).join(" or ")}`;
    case "too_small":
    case "too_big": {
      const bound = issue.code === "too_small" ? `at least ${String(issue.minimum)}` : `at most ${String(issue.maximum)}`;
      const unit = issue.origin === "array" || issue.origin === "set" ? " items" : issue.origin === "string" ? " characters" : "";
      return `is too ${issue.code === "too_small" ? "small" : "big"}. Fix: use ${bound}${unit}`;
    }
    case "invalid_key": {
      // A map key that fails its own schema: the key's issue carries the message that says why.
      const [inner] = issue.issues;
      return inner ? issueMessage(inner) : `is not an allowed key. Fix: see schema/stack-config.schema.json for this key`;
    }
    case "invalid_format":
      return `does not have the expected form (${issue.format === "regex" ? `pattern ${issue.pattern ?? "?"}` : issue.format}). Fix: see schema/stack-config.schema.json for this key`;
    default:
      return `${issue.message}. Fix: see schema/stack-config.schema.json for this key`;
  }
}

function expectedForm(issue: z.core.$ZodIssue): string {
  if (issue.code === "invalid_value") return issue.values.map((v) => `the word ${String(v)}`).join(" or ");
  if (issue.code === "invalid_type") return EXAMPLES[issue.expected]?.what ?? issue.expected;
  return "a valid value";
}

function formFix(issue: z.core.$ZodIssue): string {
  if (issue.code === "invalid_value") return `write ${issue.values.map(String).join(" or ")}`;
  if (issue.code === "invalid_type") return EXAMPLES[issue.expected]?.fix ?? "see schema/stack-config.schema.json for this key";
  return "see schema/stack-config.schema.json for this key";
}

/** What YAML made of the value, in the words a stack-file author uses. */
function kindOf(value: unknown): string {
  if (value === null) return "empty (null)";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a map";
  if (typeof value === "string") return "text";
  return `a ${typeof value}`;
}
