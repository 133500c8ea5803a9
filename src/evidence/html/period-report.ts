import { clockLabel } from "../period";
import { groupsText, ownerText, periodText, resourcesText, type PeriodReport } from "../period-report";
import type { RecordRef } from "../period";
import { html, renderPage, table } from "./page";
import { signOffTable } from "./review";
import { reviewSummaryText } from "../access-review";
import { renderLegend, renderTimeline, renderTimelineText } from "./timeline";

const link = (ref: RecordRef) => html`<a href="#${ref.anchor}">${ref.label}</a>`;
const links = (refs: readonly RecordRef[]) =>
  refs.map((ref, i) => html`${i > 0 ? ", " : ""}${link(ref)}`);
const result = (ok: boolean, yes: string, no: string) => html`<span class="${ok ? "pass" : "fail"}">${ok ? yes : no}</span>`;

/** The period report as one self-contained HTML document: the same facts as the Markdown, with the timeline drawn. */
export function renderPeriodHtml(report: PeriodReport): string {
  const { integrity } = report;
  const lead = html`${report.periods.map((p) => html`<p>${periodText(p)}.</p>`)}
${report.periods.length === 0 ? html`<p>No records in this period.</p>` : ""}
${report.notices.map((n) => html`<p class="notice" role="note"><strong>Left out:</strong> ${n}.</p>`)}`;

  const integrityBox = html`<div class="box ${integrity.broken ? "bad" : "ok"}" role="status">
<p><strong>${integrity.broken ? "The hash chain is BROKEN" : "The hash chain verifies"}</strong>${integrity.broken ? html` at <code>${integrity.broken.file}</code> (${integrity.broken.kind}): ${integrity.broken.detail}. Records from there on cannot be trusted.` : "."}</p>
<dl>
<dt>records verified</dt><dd>${integrity.verified}</dd>
<dt>newest record</dt><dd>${integrity.head ? html`#${integrity.head.sequence}, SHA-256 <code>${integrity.head.hash}</code>` : "none chained"}</dd>
${integrity.unchained.length > 0 ? html`<dt>unchained</dt><dd>${integrity.unchained.length} record(s) written before the hash chain existed, not verifiable: ${integrity.unchained.join(", ")}</dd>` : ""}
<dt>check it again</dt><dd><code>${integrity.recheck}</code></dd>
</dl>
<p class="muted">A chain cannot show that its newest records were deleted: compare the newest hash with the one kept apart (e.g. in the CI log).</p>
</div>`;

  const timelines = html`<p>One lane per token key, one bar per generation from its issue to its revocation or expiry. A rotation shows as two generations overlapping; any moment a key had no live, registered generation is a red band, listed under its chart.
Times are UTC, and each chart keeps to one clock: a rehearsal's sandbox clock is never drawn on real time.</p>
${renderLegend()}
${report.timelines.map(
  (timeline, i) => html`<h3>On ${clockLabel(timeline.clock)}</h3>
${renderTimeline(timeline, `timeline-${i + 1}`)}
${renderTimelineText(timeline)}`,
)}`;

  const controls = html`<ul>${report.controls.map(
    (c) => html`<li><strong>${c.control}</strong> (${c.title})<ul>${c.statements.map((s) => html`<li>${s.proves} — ${s.records.length > 1 ? "records" : "record"} ${links(s.records)}</li>`)}</ul></li>`,
  )}</ul>`;

  const tokens = table(
    ["token", "ID", "owner", "platform", "generation", "expires", "IP filter", "permission groups", "resources", "record"],
    report.tokens.length === 0
      ? [html`<tr><td colspan="10">None recorded in this period.</td></tr>`]
      : report.tokens.map(
          ({ token: t, record }) =>
            html`<tr><td>${t.name}</td><td class="id">${t.id}</td><td class="id">${ownerText(t.owner)}</td><td>${t.platform}</td><td class="num">${t.generation}</td><td class="time">${t.expiresOn ?? "never"}</td><td>${t.ipFilter.allowed.join(", ") || "none"}${t.ipFilter.denied.length > 0 ? `; never ${t.ipFilter.denied.join(", ")}` : ""}</td><td>${groupsText(t)}</td><td class="id">${resourcesText(t)}</td><td>${link(record)}</td></tr>`,
        ),
  );

  const verifications = table(
    ["time", "token", "result", "checks", "record"],
    report.verifications.map(
      (v) =>
        html`<tr><td class="time">${v.at}</td><td>${v.name}</td><td>${result(v.ok, "passed", "FAILED")}</td><td>${v.checks} checks${v.failed.length ? `; failed: ${v.failed.join(", ")}` : ""}</td><td>${link(v.record)}</td></tr>`,
    ),
  );

  const registrations = table(
    ["time", "token", "status", "registrar", "detail", "record"],
    report.registrations.map(
      (r) =>
        html`<tr><td class="time">${r.at}</td><td>${r.name}</td><td>${result(r.status !== "failed", r.status, r.status)}</td><td>${r.registrar}</td><td>${r.detail}</td><td>${link(r.record)}</td></tr>`,
    ),
  );

  const rotations = table(
    ["time", "token", "event", "detail", "record"],
    report.rotations.map((r) => html`<tr><td class="time">${r.at}</td><td>${r.subject}</td><td>${r.event}</td><td>${r.detail}</td><td>${link(r.record)}</td></tr>`),
  );

  const reviews =
    report.reviews.length === 0
      ? html`<p>None in this period.</p>`
      : report.reviews.map(
          ({ at, review, record }) => html`<h3>Review of ${at} (${link(record)})</h3>
<p>${reviewSummaryText(review)}</p>
${signOffTable(review)}`,
        );

  const records = table(
    ["record", "command", "finished", "clock", "result", "chain"],
    report.records.map(
      (r) =>
        html`<tr id="${r.ref.anchor}"><td class="id">${r.file}</td><td>${r.command}</td><td class="time">${r.finishedAt}</td><td>${r.clock}</td><td>${result(r.ok, "ok", "FAILED")}</td><td>${
          r.chain === null ? "—" : r.chain === "unchained" ? "unchained (older record)" : html`#${r.chain.sequence} <code>${r.chain.hash.slice(0, 16)}…</code>`
        }</td></tr>`,
    ),
  );

  return renderPage({
    title: `Evidence report — stack ${report.stack}`,
    lead,
    sections: [
      { id: "integrity", title: "Integrity of this evidence", body: integrityBox },
      { id: "timeline", title: "Timeline of token generations", body: timelines },
      { id: "controls", title: "Controls evidenced", body: controls },
      { id: "tokens", title: "Tokens that existed", body: tokens },
      { id: "verifications", title: "Verifications", body: verifications },
      { id: "registrations", title: "Registrations", body: registrations },
      { id: "rotations", title: "Rotations and revocations", body: rotations },
      { id: "reviews", title: "Access reviews held", body: html`${reviews}` },
      { id: "records", title: "Records covered", body: records },
    ],
  });
}
