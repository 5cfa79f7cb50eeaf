/**
 * priceChart: an endpoint's price history as an SVG step chart, drawn on the server so the page
 * shows it without script and without a second request.
 *
 * Owns: which rates are charted (`chartSeries`), the time axis, and the drawing: one small panel
 * per rate, each with its own scale from zero, so a per-token rate and a per-image one never share
 * an axis. Must not touch: Convex (the caller reads `changes:priceHistory`), the rest of the page.
 *
 * Rules:
 * - Charted: every rate whose value differs between periods, once per distinct series (the same
 *   numbers under `pricing_json` or `display_pricing` repeat `pricing.*` and are left out), the
 *   normalised `pricing.*` rates first, at most `MAX_SERIES`; then `pricing.prompt` and
 *   `pricing.completion` when fewer than two changed. Not prices (multipliers, token thresholds,
 *   the discount share) never are.
 * - Time runs left to right in proportion, from the oldest period's start (a short lead-in marked
 *   "before history" when it began before the history did) to now; the current period is given at
 *   least a quarter of the span before it, so a change an hour ago is still visible next to a day.
 * - A period when the endpoint was unavailable is drawn dashed and grey.
 * Each panel's gridlines carry their value (`data-value`) and each step its period (`data-from`),
 * so a test can read the drawing back against the prices it expects.
 */
import { isoTime, signedPercent, type PriceHistory } from "../history/feedFormat";
import { amountIn, isPricePath, rateText, rateUnit, utcText, type RateUnit } from "./format";
import { markup, type SafeHtml } from "./html";

/** A price period, oldest first in what this file works with. */
type Period = PriceHistory["periods"][number];

/** One charted rate: its path, unit, and its value in each period, oldest first (null: the period had none). */
export type ChartSeries = { path: string; unit: RateUnit; values: (number | null)[] };

/** At most this many panels: more would make the chart a wall. */
export const MAX_SERIES = 4;

const HOUR_MS = 3_600_000;
const WIDTH = 720;
const LEFT = 72;
const RIGHT = 16;
const PANEL_TITLE = 22;
const PLOT = 84;
const PANEL_GAP = 18;
const AXIS = 26;
const TICK_GAP = 96;
const LINE = "#2563eb";
const MUTED = "#9ca3af";

/**
 * The rates to chart for these periods (oldest first) and the paths of those that changed but are
 * not charted.
 *
 * @example chartSeries([{ from: 1, to: 2, available: true, rates: { "pricing.prompt": 3e-7, "pricing_json.x:prompt_tokens": 3e-7 } },
 *   { from: 2, to: null, available: true, rates: { "pricing.prompt": 2.7e-7, "pricing_json.x:prompt_tokens": 2.7e-7 } }]).series.map((s) => s.path)
 * // → ["pricing.prompt"]
 */
export function chartSeries(periods: readonly Period[]): { series: ChartSeries[]; notCharted: string[] } {
  const paths = [...new Set(periods.flatMap((period) => Object.keys(period.rates)))].filter(isPricePath).sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : 1));
  const seen = new Set<string>();
  const distinct: ChartSeries[] = [];
  for (const path of paths) {
    const values = periods.map((period) => period.rates[path] ?? null);
    const signature = JSON.stringify(values);
    if (seen.has(signature)) continue;
    seen.add(signature);
    distinct.push({ path, unit: rateUnit(path), values });
  }
  const changed = distinct.filter((series) => series.values.some((value) => value !== series.values[0]));
  const series = changed.slice(0, MAX_SERIES);
  const nonZero = (candidate: ChartSeries) => candidate.values.some((value) => value !== null && value !== 0);
  for (const path of ["pricing.prompt", "pricing.completion"]) {
    const candidate = distinct.find((item) => item.path === path);
    if (series.length < 2 && candidate && nonZero(candidate) && !series.includes(candidate)) series.push(candidate);
  }
  if (series.length === 0) {
    const first = distinct.find(nonZero);
    if (first) series.push(first);
  }
  return { series, notCharted: changed.slice(MAX_SERIES).map((item) => item.path) };
}

/** The normalised `pricing.*` rates first, then overrides, `pricing_json`, anything else, and the presentation copies last. */
function rank(path: string): number {
  if (path === "pricing.prompt") return 0;
  if (path === "pricing.completion") return 1;
  if (/^pricing\.[A-Za-z0-9_]+$/.test(path)) return 2;
  if (path.startsWith("pricing.overrides")) return 3;
  if (path.startsWith("pricing_json.")) return 4;
  if (path.startsWith("pricing.display_pricing")) return 6;
  return 5;
}

/**
 * The time axis: where each period starts and ends (null ends filled in), and the axis's ends.
 */
function timeAxis(periods: readonly Period[], now: number) {
  const known = periods.flatMap((period) => [period.from, period.to]).filter((time): time is number => time !== null);
  const earliest = Math.min(now, ...known);
  const lastFrom = periods[periods.length - 1].from ?? earliest;
  const end = Math.max(now, lastFrom + Math.max((lastFrom - earliest) / 4, HOUR_MS));
  const start = periods[0].from ?? earliest - Math.max((end - earliest) / 8, HOUR_MS);
  const spans = periods.map((period) => ({ from: period.from ?? start, to: period.to ?? end }));
  return { start, end, spans, beforeHistory: periods[0].from === null };
}

/** A value a little above `value` that reads well on an axis: 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 times a power of ten. */
function niceCeiling(value: number): number {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  const step = [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10].find((candidate) => candidate * power >= value * (1 - 1e-12))!;
  return Number((step * power).toPrecision(12));
}

const round = (value: number) => Math.round(value * 10) / 10;

/**
 * The chart of an endpoint's price history (periods newest first, as `changes:priceHistory`
 * returns them) at `now`, as inline SVG; null when no period holds a price to chart.
 *
 * @example renderPriceChart(history, { now: Date.now(), label: "deepseek/deepseek-chat-v3-0324 · chutes" })
 */
export function renderPriceChart(
  history: PriceHistory,
  { now, label }: { now: number; label: string },
): { svg: SafeHtml; charted: ChartSeries[]; notCharted: string[] } | null {
  const periods = [...history.periods].reverse();
  if (periods.length === 0) return null;
  const { series, notCharted } = chartSeries(periods);
  if (series.length === 0) return null;
  const axis = timeAxis(periods, now);
  const plotWidth = WIDTH - LEFT - RIGHT;
  const x = (time: number) => round(LEFT + ((time - axis.start) / (axis.end - axis.start)) * plotWidth);
  const panelTop = (index: number) => 4 + index * (PANEL_TITLE + PLOT + PANEL_GAP);
  const plotsBottom = panelTop(series.length - 1) + PANEL_TITLE + PLOT;
  const height = plotsBottom + AXIS;
  const changes = periods.flatMap((period) => (period.from === null ? [] : [period.from]));

  const panels = series.map((item, index) => {
    const top = panelTop(index) + PANEL_TITLE;
    const max = niceCeiling(Math.max(0, ...item.values.filter((value): value is number => value !== null)) * 1.15);
    const y = (value: number) => round(top + PLOT - (value / max) * PLOT);
    const grid = [0, max / 2, max].map(
      (value) =>
        markup`<line class="grid" data-value="${value}" x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${y(value)}" y2="${y(value)}" stroke="currentColor" stroke-opacity="${value === 0 ? 0.45 : 0.15}"/>
          <text x="${LEFT - 6}" y="${y(value) + 4}" text-anchor="end" fill="currentColor" fill-opacity="0.7">${amountIn(value, item.unit)}</text>`,
    );
    const live: string[] = [];
    const gone: string[] = [];
    let previous: { to: number; available: boolean } | null = null;
    periods.forEach((period, at) => {
      const value = item.values[at];
      const span = axis.spans[at];
      if (value === null) {
        previous = null;
        return;
      }
      const target = period.available ? live : gone;
      const joined: boolean = previous !== null && previous.to === span.from && previous.available === period.available;
      target.push(joined ? `V${y(value)}H${x(span.to)}` : `M${x(span.from)} ${y(value)}H${x(span.to)}`);
      previous = { to: span.to, available: period.available };
    });
    const points = periods.map((period, at) => {
      const value = item.values[at];
      if (value === null || period.from === null) return null;
      const title = `${utcText(period.from)}: ${rateText(value, item.unit)}${period.available ? "" : " (unavailable)"}`;
      return markup`<circle class="${period.available ? "point" : "point gone"}" data-from="${isoTime(period.from)}" data-value="${value}" cx="${x(period.from)}" cy="${y(value)}" r="3.5" fill="${period.available ? LINE : MUTED}"><title>${title}</title></circle>`;
    });
    const latest = item.values[item.values.length - 1];
    const before = item.values.length > 1 ? item.values[item.values.length - 2] : null;
    const move =
      latest !== null && before !== null && before !== 0 && latest !== before ? ` (${signedPercent(Math.round(((latest - before) / before) * 10_000) / 100)})` : "";
    const current = latest === null ? "none now" : `now ${rateText(latest, item.unit)}${move}`;
    const gonePath = gone.length > 0 ? markup`<path class="step gone" d="${gone.join("")}" fill="none" stroke="${MUTED}" stroke-width="2" stroke-dasharray="4 3"/>` : "";
    const livePath =
      live.length > 0
        ? markup`<path class="step" data-rate="${item.path}" d="${live.join("")}" fill="none" stroke="${LINE}" stroke-width="2.5" stroke-linejoin="round"/>`
        : "";
    return markup`<g class="panel" data-rate="${item.path}">
      <text x="${LEFT}" y="${panelTop(index) + 14}" fill="currentColor" font-weight="600">${item.path}</text>
      <text x="${WIDTH - RIGHT}" y="${panelTop(index) + 14}" text-anchor="end" fill="currentColor">${current}</text>
      ${grid}${gonePath}${livePath}${points}
    </g>`;
  });

  const boundaries = changes.map(
    (time) =>
      markup`<line x1="${x(time)}" x2="${x(time)}" y1="${panelTop(0) + PANEL_TITLE}" y2="${plotsBottom}" stroke="currentColor" stroke-opacity="0.2" stroke-dasharray="2 3"/>`,
  );
  const ticks = timeTicks([
    { at: x(axis.start), text: axis.beforeHistory ? "before history" : utcText(axis.start).replace(" UTC", "") },
    ...changes.filter((time) => time !== axis.start).map((time) => ({ at: x(time), text: utcText(time).replace(" UTC", "") })),
    { at: x(axis.end), text: "now" },
  ]).map(
    (tick, index, all) =>
      markup`<text class="tick" x="${tick.at}" y="${plotsBottom + 17}" text-anchor="${index === 0 ? "start" : index === all.length - 1 ? "end" : "middle"}" fill="currentColor" fill-opacity="0.7">${tick.text}</text>`,
  );
  const svg = markup`<svg
    class="chart"
    xmlns="http://www.w3.org/2000/svg"
    viewBox="0 0 ${WIDTH} ${height}"
    width="${WIDTH}"
    height="${height}"
    role="img"
    aria-labelledby="chart-title"
    font-family="system-ui, sans-serif"
    font-size="12"
    data-endpoint="${history.key}"
  >
    <title id="chart-title">Price history of ${label}</title>
    ${boundaries}${panels}${ticks}
  </svg>`;
  return { svg, charted: series, notCharted };
}

/** Ticks kept from left to right at least `TICK_GAP` apart; the last ("now") always, dropping the one before it if they collide. */
function timeTicks(candidates: { at: number; text: string }[]): { at: number; text: string }[] {
  const kept: { at: number; text: string }[] = [];
  const last = candidates[candidates.length - 1];
  for (const tick of candidates.slice(0, -1)) if (kept.length === 0 || tick.at - kept[kept.length - 1].at >= TICK_GAP) kept.push(tick);
  while (kept.length > 1 && last.at - kept[kept.length - 1].at < TICK_GAP) kept.pop();
  return [...kept, last];
}
