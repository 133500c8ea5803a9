/** Text made safe for one cell of a Markdown table: a pipe would end the cell and a line break the row. */
export function markdownCell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/[\r\n]+/g, " ");
}
