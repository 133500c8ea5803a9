import { clockLabel } from "../period";
import { gapLines } from "../period-report";
import type { MarkerKind, Timeline, TimelineBar, TimelineLane, TimelineMarker } from "../timeline";
import { html, table, type Markup } from "./page";

/**
 * The timeline drawn: one lane per token key, one bar per generation (light until registered, solid
 * from then on), markers for what happened to it, and a red band wherever the key had no live,
 * registered generation. Generations that overlap during a rotation take separate rows of their
 * lane, so the overlap shows. Every bar, gap and marker carries its facts as data- attributes (ISO
 * times), so a test reads the drawing back and compares it with the records.
 */

const WIDTH = 960;
const LABEL_WIDTH = 180;
const RIGHT_PAD = 16;
const AXIS_HEIGHT = 40;
const ROW_HEIGHT = 24;
const LANE_PAD = 8;
const BAR_HEIGHT = 12;
const TICKS = 5;

const COLOURS = {
  pending: "#9ec5fe",
  registered: "#0969da",
  gap: "#cf222e",
  verified: "#1a7f37",
  failed: "#cf222e",
  registeredMarker: "#8250df",
  pickup: "#bf8700",
  revoked: "#1b1f24",
  grid: "#d0d7de",
  laneShade: "#f6f8fa",
} as const;

/** `above`: drawn on the bar's top edge, so a registration at the same moment does not hide it. */
const MARKERS: Record<MarkerKind, { readonly label: string; readonly shape: (x: number, y: number) => Markup; readonly above?: boolean }> = {
  verified: {
    label: "verification passed",
    shape: (x, y) => html`<circle cx="${n(x)}" cy="${n(y)}" r="4.5" fill="${COLOURS.verified}" stroke="#fff"/>`,
    above: true,
  },
  "verification-failed": {
    label: "verification FAILED",
    shape: (x, y) => html`<circle cx="${n(x)}" cy="${n(y)}" r="5" fill="#fff" stroke="${COLOURS.failed}" stroke-width="2.5"/>`,
    above: true,
  },
  registered: { label: "registered / handed off", shape: (x, y) => diamond(x, y, COLOURS.registeredMarker) },
  "registration-failed": { label: "registration FAILED", shape: (x, y) => diamond(x, y, COLOURS.failed) },
  "picked-up": {
    label: "picked up by the platform",
    shape: (x, y) => html`<path d="M${n(x)} ${n(y - 6)} L${n(x + 5.5)} ${n(y + 4)} L${n(x - 5.5)} ${n(y + 4)} Z" fill="${COLOURS.pickup}" stroke="#fff"/>`,
  },
  revoked: {
    label: "revoked",
    shape: (x, y) => html`<path d="M${n(x - 4.5)} ${n(y - 4.5)} L${n(x + 4.5)} ${n(y + 4.5)} M${n(x + 4.5)} ${n(y - 4.5)} L${n(x - 4.5)} ${n(y + 4.5)}" stroke="${COLOURS.revoked}" stroke-width="2.5"/>`,
  },
  "rotation-failed": {
    label: "rotation FAILED",
    shape: (x, y) => html`<path d="M${n(x)} ${n(y + 6)} L${n(x + 5.5)} ${n(y - 4)} L${n(x - 5.5)} ${n(y - 4)} Z" fill="${COLOURS.failed}" stroke="#fff"/>`,
  },
};

const n = (value: number) => Math.round(value * 10) / 10;
const diamond = (x: number, y: number, fill: string) => html`<path d="M${n(x)} ${n(y - 5.5)} L${n(x + 5.5)} ${n(y)} L${n(x)} ${n(y + 5.5)} L${n(x - 5.5)} ${n(y)} Z" fill="${fill}" stroke="#fff"/>`;
const ms = (time: string) => Date.parse(time);
/** An axis label in two short lines: 2026-12-07 over 16:40 (UTC). */
const axisDate = (time: number) => new Date(time).toISOString().slice(0, 10);
const axisClock = (time: number) => new Date(time).toISOString().slice(11, 16);

/** Rows within a lane: a generation takes the first row free at its start, so overlapping generations sit one above the other. */
function rowsOf(bars: readonly TimelineBar[]): Map<TimelineBar, number> {
  const rowEnds: number[] = [];
  const rows = new Map<TimelineBar, number>();
  for (const bar of bars) {
    let row = rowEnds.findIndex((end) => end <= ms(bar.start));
    if (row === -1) row = rowEnds.length;
    rowEnds[row] = ms(bar.end);
    rows.set(bar, row);
  }
  return rows;
}

export function renderTimeline(timeline: Timeline, id: string): Markup {
  const start = ms(timeline.start);
  const span = Math.max(ms(timeline.end) - start, 1000);
  const x = (time: number) => LABEL_WIDTH + ((Math.min(Math.max(time, start), start + span) - start) / span) * (WIDTH - LABEL_WIDTH - RIGHT_PAD);
  const xOf = (time: string) => x(ms(time));

  let top = AXIS_HEIGHT;
  const lanes = timeline.lanes.map((lane, index) => {
    const rows = rowsOf(lane.bars);
    const rowCount = Math.max(1, ...[...rows.values()].map((r) => r + 1));
    const height = rowCount * ROW_HEIGHT + 2 * LANE_PAD;
    const laneTop = top;
    top += height;
    return { lane, index, rows, laneTop, height };
  });
  const height = top + 6;

  const ticks = Array.from({ length: TICKS + 1 }, (_, i) => start + (span * i) / TICKS);
  const rowY = (laneTop: number, row: number) => laneTop + LANE_PAD + row * ROW_HEIGHT + ROW_HEIGHT / 2;

  const laneMarkup = ({ lane, index, rows, laneTop, height: laneHeight }: (typeof lanes)[number]) => {
    const rowOfGeneration = (generation: number | null) => {
      const bar = lane.bars.find((b) => b.generation === generation);
      return bar ? (rows.get(bar) ?? 0) : 0;
    };
    return html`<g class="lane" data-lane="${lane.key}">
<rect x="0" y="${laneTop}" width="${WIDTH}" height="${laneHeight}" fill="${index % 2 === 0 ? COLOURS.laneShade : "#fff"}"/>
<text x="8" y="${n(laneTop + laneHeight / 2 + 4)}" font-size="13" font-weight="600" fill="#1b1f24">${lane.key}</text>
${timeline.gaps
  .filter((g) => g.key === lane.key)
  .map(
    (g) =>
      html`<rect class="gap" data-gap="" data-key="${g.key}" data-start="${g.start}" data-end="${g.end}" x="${n(xOf(g.start))}" y="${laneTop + 2}" width="${n(Math.max(xOf(g.end) - xOf(g.start), 3))}" height="${laneHeight - 4}" fill="${COLOURS.gap}" fill-opacity="0.35" stroke="${COLOURS.gap}" stroke-width="1.5"><title>GAP: ${g.key} had no live, registered generation from ${g.start} to ${g.end}</title></rect>`,
  )}
${lane.bars.map((bar) => barMarkup(bar, rowY(laneTop, rows.get(bar) ?? 0), xOf))}
${lane.markers.map((m) => markerMarkup(m, rowY(laneTop, rowOfGeneration(m.generation)), xOf))}
</g>`;
  };

  const labelId = `${id}-title`;
  return html`<figure class="chart" id="${id}">
<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${n(height)}" role="img" aria-labelledby="${labelId} ${id}-desc" data-clock="${timeline.clock.source}" data-start="${timeline.start}" data-end="${timeline.end}" font-family="system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif">
<title id="${labelId}">Token generations on ${clockLabel(timeline.clock)}, ${timeline.start} to ${timeline.end}</title>
<desc id="${id}-desc">One lane per token key, one bar per generation; red bands are gaps. The tables below state the same facts.</desc>
${ticks.map(
  (t, i) => html`<line x1="${n(x(t))}" y1="${AXIS_HEIGHT - 6}" x2="${n(x(t))}" y2="${n(height - 6)}" stroke="${COLOURS.grid}" stroke-width="1"/>
<text x="${n(x(t))}" y="${AXIS_HEIGHT - 22}" font-size="11" fill="#57606a" text-anchor="${i === 0 ? "start" : i === TICKS ? "end" : "middle"}"><tspan>${axisDate(t)}</tspan><tspan x="${n(x(t))}" dy="12">${axisClock(t)}</tspan></text>`,
)}
${lanes.map(laneMarkup)}
</svg>
</figure>`;
}

function barMarkup(bar: TimelineBar, y: number, xOf: (time: string) => number): Markup {
  const from = xOf(bar.start);
  const to = Math.max(xOf(bar.end), from + 2);
  const registeredFrom = bar.registeredAt ? Math.min(Math.max(xOf(bar.registeredAt), from), to) : to;
  const summary = `${bar.name} (generation ${bar.generation}, token ${bar.tokenId}): from ${bar.start} to ${bar.end}, ${bar.ended === "live" ? "live at the end of the period" : bar.ended}; ${bar.registeredAt ? `registered ${bar.registeredAt}` : "never registered"}`;
  return html`<a href="#${bar.issuedIn.anchor}"><rect class="bar" data-bar="" data-key="${bar.key}" data-generation="${bar.generation}" data-token-id="${bar.tokenId}" data-start="${bar.start}" data-end="${bar.end}" data-ended="${bar.ended}" data-registered-at="${bar.registeredAt ?? ""}" x="${n(from)}" y="${n(y - BAR_HEIGHT / 2)}" width="${n(to - from)}" height="${BAR_HEIGHT}" rx="2" fill="${COLOURS.pending}"><title>${summary}</title></rect>${
    registeredFrom < to
      ? html`<rect x="${n(registeredFrom)}" y="${n(y - BAR_HEIGHT / 2)}" width="${n(to - registeredFrom)}" height="${BAR_HEIGHT}" rx="2" fill="${COLOURS.registered}" pointer-events="none"/>`
      : ""
  }${
    to - from >= 28
      ? html`<text x="${n(to - 4)}" y="${n(y + 4)}" font-size="10" text-anchor="end" fill="${registeredFrom < to - 20 ? "#fff" : "#1b1f24"}" pointer-events="none">g${bar.generation}</text>`
      : html`<text x="${n(to + 8)}" y="${n(y + 4)}" font-size="10" fill="#1b1f24" pointer-events="none">g${bar.generation}</text>`
  }</a>`;
}

function markerMarkup(marker: TimelineMarker, y: number, xOf: (time: string) => number): Markup {
  const { label, shape, above } = MARKERS[marker.kind];
  return html`<g class="marker" data-marker="${marker.kind}" data-key="${marker.key}" data-generation="${marker.generation ?? ""}" data-at="${marker.at}">${shape(xOf(marker.at), above ? y - BAR_HEIGHT / 2 - 3 : y)}<title>${label} at ${marker.at}: ${marker.detail} (record ${marker.record.label})</title></g>`;
}

export function renderLegend(): Markup {
  const swatch = (inner: Markup) => html`<svg width="22" height="14" viewBox="0 0 22 14" aria-hidden="true">${inner}</svg>`;
  const items: Markup[] = [
    html`<li>${swatch(html`<rect x="1" y="1" width="20" height="12" rx="2" fill="${COLOURS.pending}"/>`)}generation issued, not yet registered</li>`,
    html`<li>${swatch(html`<rect x="1" y="1" width="20" height="12" rx="2" fill="${COLOURS.registered}"/>`)}generation live and registered</li>`,
    html`<li>${swatch(html`<rect x="1" y="1" width="20" height="12" fill="${COLOURS.gap}" fill-opacity="0.35" stroke="${COLOURS.gap}"/>`)}gap: no live, registered generation</li>`,
    ...(Object.keys(MARKERS) as MarkerKind[]).map((kind) => html`<li>${swatch(MARKERS[kind].shape(11, 7))}${MARKERS[kind].label}</li>`),
  ];
  return html`<ul class="legend">${items}</ul>`;
}

/** What the chart shows, as tables a screen reader reads and a printout keeps. */
export function renderTimelineText(timeline: Timeline): Markup {
  const lanes: readonly TimelineLane[] = timeline.lanes;
  return html`<ul class="gaps">${gapLines(timeline).map((line) => html`<li class="${timeline.gaps.length === 0 && line.startsWith("No gap") ? "none" : ""}">${line}</li>`)}</ul>
<h4>The chart as a table: generations</h4>
${table(
  ["token key", "generation", "token ID", "from", "to", "how it ended", "registered", "record"],
  lanes.flatMap((lane) =>
    lane.bars.map(
      (b) =>
        html`<tr><td>${b.key}</td><td class="num">${b.generation}</td><td class="id">${b.tokenId}</td><td class="time">${b.start}</td><td class="time">${b.end}</td><td>${b.ended === "live" ? "live at the end of the period" : b.ended}</td><td class="time">${b.registeredAt ?? "never"}</td><td><a href="#${b.issuedIn.anchor}">${b.issuedIn.label}</a>${b.endedIn ? html`, <a href="#${b.endedIn.anchor}">${b.endedIn.label}</a>` : ""}</td></tr>`,
    ),
  ),
)}
<h4>The chart as a table: events</h4>
${table(
  ["time", "token key", "generation", "event", "detail", "record"],
  lanes
    .flatMap((lane) => lane.markers)
    .sort((a, b) => ms(a.at) - ms(b.at))
    .map(
      (m) =>
        html`<tr><td class="time">${m.at}</td><td>${m.key}</td><td class="num">${m.generation ?? ""}</td><td class="${m.kind.endsWith("failed") ? "fail" : ""}">${MARKERS[m.kind].label}</td><td>${m.detail}</td><td><a href="#${m.record.anchor}">${m.record.label}</a></td></tr>`,
    ),
)}`;
}
