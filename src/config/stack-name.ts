const SEGMENT = /^[A-Za-z0-9_.-]+$/;
/** Pulumi refuses longer stack names. */
const MAX_LENGTH = 100;

/**
 * Why `value` is not a stack name by Pulumi's rules, or undefined when it is one. A stack name
 * becomes part of file paths (stack file, rehearsal state, sealing key, evidence), so it must never
 * be able to act as one: letters, digits, '-', '_' and '.' only, optionally qualified as
 * org/stack or org/project/stack, with no empty, '.' or '..' segment.
 */
export function stackNameProblem(value: string): string | undefined {
  const rules = "letters, digits, '-', '_' and '.', optionally qualified as org/stack or org/project/stack";
  if (value.length === 0) return `a stack name is required (${rules})`;
  if (value.length > MAX_LENGTH) return `a stack name has at most ${MAX_LENGTH} characters`;
  if (value.startsWith("/") || /^[A-Za-z]:[\\/]/.test(value))
    return `a stack name is not a path (${rules}). To read a file, use --config <file>`;
  const segments = value.split("/");
  if (segments.length > 3) return `a stack name has at most three parts, org/project/stack (${rules})`;
  for (const segment of segments) {
    if (segment === "") return `a stack name has no empty parts ('//', or '/' at either end) (${rules})`;
    if (/^\.+$/.test(segment))
      return `'${segment}' is not allowed in a stack name: it is not a path (${rules}). To read a file, use --config <file>`;
    if (!SEGMENT.test(segment)) return `a stack name may contain only ${rules}`;
  }
  return undefined;
}
