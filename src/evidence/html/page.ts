import { html as honoHtml, raw } from "hono/html";

/**
 * Self-contained HTML documents for auditors: one file, inline CSS and SVG, no script, and a
 * Content-Security-Policy that forbids every request (fonts, images, styles), so a report opened
 * from a mail attachment or an archive shows the same on every machine and tells nobody it was read.
 */

export type Markup = Exclude<ReturnType<typeof honoHtml>, Promise<unknown>>;

/** Markup from a template: every interpolated value is escaped for text and attributes; nested markup stays markup. */
export function html(strings: TemplateStringsArray, ...values: unknown[]): Markup {
  const markup = honoHtml(strings, ...values);
  if (markup instanceof Promise) throw new TypeError("html: a value was a Promise; reports are rendered synchronously");
  return markup;
}

/** Forbids every fetch: only the inline stylesheet applies. */
const CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

const STYLE = `
:root { --ink: #1b1f24; --muted: #57606a; --line: #d0d7de; --soft: #f6f8fa; --ok: #1a7f37; --ok-bg: #dafbe1; --bad: #cf222e; --bad-bg: #ffebe9; --accent: #0969da; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0 auto; max-width: 74rem; padding: 1rem 1.25rem 3rem; color: var(--ink); background: #fff;
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
h1 { font-size: 1.6rem; margin: .5rem 0; }
h2 { font-size: 1.25rem; margin: 2rem 0 .6rem; padding-bottom: .2rem; border-bottom: 1px solid var(--line); }
h3 { font-size: 1.05rem; margin: 1.2rem 0 .4rem; }
p, ul { margin: .4rem 0 .8rem; }
/* Commit hashes and token IDs are long unbroken words; a phone wraps them rather than scrolling the page. */
p, li { overflow-wrap: anywhere; }
a { color: var(--accent); }
code, .id { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; font-size: .85em; overflow-wrap: anywhere; }
.muted { color: var(--muted); }
.notice { border-left: 4px solid #bf8700; background: #fff8c5; padding: .4rem .7rem; margin: .5rem 0; }
nav ol { columns: 2 14rem; padding-left: 1.2rem; }
.box { border: 2px solid var(--line); border-radius: 6px; padding: .6rem 1rem; margin: .6rem 0; }
.box.ok { border-color: var(--ok); background: var(--ok-bg); }
.box.bad { border-color: var(--bad); background: var(--bad-bg); }
.box dl { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem; margin: .4rem 0; }
.box dt { font-weight: 600; }
.box dd { margin: 0; min-width: 0; overflow-wrap: anywhere; }
.table-wrap { overflow-x: auto; margin: .4rem 0 1rem; }
table { border-collapse: collapse; width: 100%; font-size: .85rem; }
th, td { border: 1px solid var(--line); padding: .3rem .45rem; text-align: left; vertical-align: top; }
th { background: var(--soft); }
td.num { text-align: right; }
td.time { white-space: nowrap; }
td.id { min-width: 11em; }
.pass { color: var(--ok); font-weight: 600; }
.fail { color: var(--bad); font-weight: 600; }
.gaps li { color: var(--bad); font-weight: 600; }
.gaps li.none { color: var(--ok); }
.chart { overflow-x: auto; margin: .4rem 0; }
.chart svg { display: block; width: 100%; min-width: 40rem; height: auto; }
.legend { display: flex; flex-wrap: wrap; gap: .3rem 1.2rem; list-style: none; padding: 0; font-size: .85rem; }
.legend svg { vertical-align: middle; margin-right: .3rem; }
.sign td.blank { height: 2.4rem; min-width: 7rem; }
:target { outline: 3px solid #bf8700; }
@media (max-width: 40rem) {
  body { padding: .6rem .7rem 2rem; font-size: 14px; }
  h1 { font-size: 1.3rem; }
}
@page { margin: 14mm 12mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 9.5pt; }
  nav { display: none; }
  section.new-page { break-before: page; }
  h2, h3 { break-after: avoid; }
  tr, .box, figure, li { break-inside: avoid; }
  thead { display: table-header-group; }
  .table-wrap, .chart { overflow: visible; }
  .chart svg { min-width: 0; }
  table { font-size: 7.5pt; }
  td { overflow-wrap: anywhere; }
  td.id { min-width: 0; word-break: break-all; }
  td.time { white-space: normal; }
  a { color: inherit; text-decoration: none; }
  .notice, .box, th { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
`;

export interface Page {
  readonly title: string;
  /** Under the title: what the document covers. */
  readonly lead: Markup;
  /** Sections in reading order; each but the first prints from a new page unless `sameSheet`. */
  readonly sections: readonly { readonly id: string; readonly title: string; readonly body: Markup; readonly sameSheet?: boolean }[];
}

export function renderPage(page: Page): string {
  const document = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}">
<meta name="generator" content="cf-compliance-tokens">
<title>${page.title}</title>
<style>${raw(STYLE)}</style>
</head>
<body>
<header>
<h1>${page.title}</h1>
${page.lead}
<nav aria-label="Contents"><ol>${page.sections.map((s) => html`<li><a href="#${s.id}">${s.title}</a></li>`)}</ol></nav>
</header>
<main>
${page.sections.map((s, i) => html`<section id="${s.id}" class="${i > 0 && !s.sameSheet ? "new-page" : ""}" aria-labelledby="${s.id}-title">
<h2 id="${s.id}-title">${s.title}</h2>
${s.body}
</section>
`)}
</main>
</body>
</html>
`;
  return document.toString();
}

/** A table that scrolls sideways on a phone instead of widening the page. */
export function table(head: readonly string[], rows: readonly Markup[], className?: string): Markup {
  return html`<div class="table-wrap"><table class="${className ?? ""}"><thead><tr>${head.map((h) => html`<th scope="col">${h}</th>`)}</tr></thead><tbody>${rows}</tbody></table></div>`;
}
