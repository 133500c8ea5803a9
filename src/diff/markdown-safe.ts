/**
 * Text from a stack file, a pack config or a rule, made inert for a pull-request comment. A pull
 * request (from a fork too) chooses these strings, and the comment is posted as the repository's
 * bot: nothing in them may become HTML, a link, a notification, a heading or emphasis that reads
 * as cfct's own words ("Policy pack: passes").
 */

/** C0/C1 controls, zero-width and bidirectional marks: they hide or reorder what a reviewer reads. */
// eslint-disable-next-line no-control-regex -- matching control characters is this expression's purpose
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g;
const LINE_BREAKS = /[\r\n\t\u2028\u2029]+/g;
/** Longer values are cut: a comment line is for reading, and GitHub caps a comment's length. */
export const MAX_SHOWN = 200;
/** U+200B ZERO WIDTH SPACE: breaks what GitHub would turn into a mention, a reference or an autolink. */
const BREAK = "\u200b";

function oneLine(value: string): string {
  const flat = value.replace(LINE_BREAKS, " ").replace(INVISIBLE, "");
  return flat.length > MAX_SHOWN ? `${flat.slice(0, MAX_SHOWN - 1)}…` : flat;
}

/**
 * Inline Markdown text: every character that can open a Markdown or HTML construct is
 * backslash-escaped (so `<img>` is text, `[a](b)` is not a link, `**x**` is not bold), and
 * GitHub's own extensions, which act on the rendered text and so ignore escapes, are broken with a
 * zero-width space: @-mentions (and e-mail autolinks), #123 and GH-123 references, and bare
 * `https://` / `www.` autolinks.
 */
export function markdownText(value: string): string {
  return oneLine(value)
    .replace(/[\\`*_[\]<>&|~!#]/g, "\\$&")
    .replace(/@/g, `@${BREAK}`)
    .replace(/(#|\bGH-)(?=\d)/gi, `$1${BREAK}`)
    .replace(/:\/\//g, `:${BREAK}//`)
    .replace(/www\./gi, (www) => `${www.slice(0, 3)}${BREAK}.`);
}

/**
 * A code span: GitHub renders its content literally (no HTML, links, mentions or emphasis), so
 * only a backtick, which would close it, and line breaks, which would end it, are replaced.
 */
export function markdownCode(value: string): string {
  return `\`${oneLine(value).replace(/`/g, "'")}\``;
}
