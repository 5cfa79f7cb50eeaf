// @vitest-environment node
/**
 * The status page in a real browser: Debian's Chromium, headless, driven by puppeteer-core (which
 * downloads no browser). The serve machinery (`scripts/lib/serveEmbedded.ts`, what `npm run serve`
 * runs) makes its two demo runs, the 2026 golden base a day ago and the next day now, and serves
 * the HTTP routes on a free loopback port; the browser opens `/`.
 *
 * Expected figures come from elsewhere than the page's code: the `snapshot_runs` and `or_changes`
 * rows read from the tables, the raw recordings counted by tests/support/recording.ts, and the
 * golden manifest of the next day's changes. The chart is read back from the drawing itself: each
 * panel's gridlines give its scale, and each step of the price line must sit at the price the raw
 * recordings hold for that period. A full-page screenshot is saved (its path is printed).
 *
 * Needs Chromium at /usr/bin/chromium (`apt-get install chromium`; `.ci/run` installs it) or at
 * `$CHROMIUM`.
 */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import puppeteer, { type Browser, type Page } from "puppeteer-core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { Doc } from "../../convex/_generated/dataModel";
import { demoPlan, runPlan, startHttpBridge, type HttpBridge } from "../../scripts/lib/serveEmbedded";
import { allRows, setupTest, type TestConvex } from "../convex/setup";
import { CHANGES_2026_NEXT_DAY_PATH, countRaw, endpointsKeyIn, GOLDEN_2026_PATHS, loadRecording, type RawRecording } from "../support/recording";

/** Debian's Chromium, or the one `CHROMIUM` names, or the first `chromium` on PATH. */
const CHROMIUM =
  process.env.CHROMIUM ??
  ["/usr/bin/chromium", ...(process.env.PATH ?? "").split(":").map((dir) => join(dir, "chromium"))].find((path) => existsSync(path)) ??
  "/usr/bin/chromium";
const SCREENSHOT = join(tmpdir(), "openrouter-snapshots", "status-page.png");

const base = loadRecording(GOLDEN_2026_PATHS.base);
const nextDay = loadRecording(GOLDEN_2026_PATHS.nextDay);
const manifest = JSON.parse(readFileSync(CHANGES_2026_NEXT_DAY_PATH, "utf8"));

/** "2026-07-24 12:00 UTC", written here from the ISO form rather than taken from the page's code. */
const utc = (ms: number) => `${new Date(ms).toISOString().slice(0, 10)} ${new Date(ms).toISOString().slice(11, 16)} UTC`;
const keyOf = (permaslug: string, variant: string, id: string) => JSON.stringify([permaslug, variant, id]);

/** An endpoint's flat rate in a raw recording. */
function rawRate(recording: RawRecording, [permaslug, variant, id]: string[], rate: string): number {
  const record = recording[endpointsKeyIn("v1", permaslug, variant)].data.find((item: any) => item.id === id);
  return Number(record.pricing[rate]);
}

let t: TestConvex;
let bridge: HttpBridge;
let browser: Browser;
let runs: Doc<"snapshot_runs">[];
const problems: string[] = [];

/** A page of the browser that records console errors and uncaught exceptions (a CSP refusal is one). */
async function openPage(path: string, { script = true } = {}): Promise<Page> {
  const page = await browser.newPage();
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`${path}: console: ${message.text()}`);
  });
  page.on("pageerror", (error) => problems.push(`${path}: ${error instanceof Error ? error.message : String(error)}`));
  await page.setJavaScriptEnabled(script);
  await page.setViewport({ width: 1280, height: 900 });
  const response = await page.goto(new URL(path, bridge.url).href, { waitUntil: "load" });
  // The browser revalidates what it holds (Cache-Control: no-cache): the same page within the same minute is a 304.
  expect([200, 304], path).toContain(response?.status());
  return page;
}

const textOf = (page: Page, selector: string) => page.$eval(selector, (element) => element.textContent?.replace(/\s+/g, " ").trim() ?? "");

/** One panel of the chart as drawn: its gridlines (value and height), its price line's horizontal steps, its points, and the line's laid-out size. */
async function readPanel(page: Page, rate: string) {
  const drawn = await page.$eval(`svg.chart g.panel[data-rate="${rate}"]`, (panel) => {
    const line = panel.querySelector<SVGPathElement>("path.step:not(.gone)")!;
    const box = line.getBBox();
    return {
      grid: [...panel.querySelectorAll<SVGLineElement>("line.grid")].map((grid) => ({ value: Number(grid.dataset.value), y: Number(grid.getAttribute("y1")) })),
      d: line.getAttribute("d")!,
      points: [...panel.querySelectorAll<SVGCircleElement>("circle")].map((point) => ({ from: point.dataset.from!, x: Number(point.getAttribute("cx")) })),
      box: { width: box.width, height: box.height },
    };
  });
  // Horizontal steps from the path: M x y, then H x (a step), V y (a change of level), H x …
  const steps: { x0: number; x1: number; y: number }[] = [];
  let x = 0;
  let y = 0;
  for (const [, command, a, b] of drawn.d.matchAll(/([MHV])([\d.]+)(?:\s([\d.]+))?/g)) {
    if (command === "M") [x, y] = [Number(a), Number(b)];
    else if (command === "V") y = Number(a);
    else {
      steps.push({ x0: x, x1: Number(a), y });
      x = Number(a);
    }
  }
  const zero = drawn.grid.find((grid) => grid.value === 0)!;
  const top = drawn.grid.reduce((a, b) => (b.value > a.value ? b : a));
  const valueAt = (height: number) => ((zero.y - height) / (zero.y - top.y)) * top.value;
  return { ...drawn, steps, valueAt };
}

/** Checks that a panel draws one step per period, oldest first, each at the price the raw recordings hold. */
async function expectSteps(page: Page, rate: string, expected: { from: number; value: number }[]) {
  const panel = await readPanel(page, rate);
  expect(panel.box.width, `${rate}: the line is laid out`).toBeGreaterThan(100);
  expect(panel.steps.length, `${rate}: ${panel.d}`).toBe(expected.length);
  expected.forEach((period, index) => {
    const step = panel.steps[index];
    // Half a pixel of rounding over a plot some 80 px tall.
    expect(
      Math.abs(panel.valueAt(step.y) - period.value) / period.value,
      `${rate} period ${index}: drawn at ${panel.valueAt(step.y)}, price ${period.value}`,
    ).toBeLessThan(0.01);
    expect(panel.points[index]).toEqual({ from: new Date(period.from).toISOString(), x: step.x0 });
    if (index > 0) expect(step.x0).toBe(panel.steps[index - 1].x1);
  });
}

describe("the status page in headless Chromium", () => {
  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: install Debian's (apt-get install chromium) or set CHROMIUM to one`);
    t = setupTest();
    const log = vi.spyOn(console, "log").mockImplementation(() => undefined);
    try {
      const reports = await runPlan(t, demoPlan(Date.now()));
      expect(reports.map((report) => report.status)).toEqual(["ok", "ok"]);
    } finally {
      log.mockRestore();
    }
    runs = (await allRows(t, "snapshot_runs")).sort((a, b) => a.snapshot_at - b.snapshot_at);
    bridge = await startHttpBridge(t, { port: 0 });
    browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox", "--disable-gpu"] });
  });

  afterAll(async () => {
    await browser?.close();
    await bridge?.close();
  });

  it("shows the card with the figures of the runs it made", async () => {
    expect(runs).toHaveLength(2);
    const [first, last] = runs;
    const page = await openPage("/");
    expect(last.health).toBe("healthy");
    expect(await textOf(page, "[data-figure=verdict]")).toBe("Healthy");
    expect(await textOf(page, "[data-figure=status]")).toBe(last.status);
    expect(await textOf(page, "[data-figure=health]")).toBe(last.health);
    expect(await textOf(page, "[data-figure=snapshot]")).toContain(utc(last.snapshot_at));
    expect(await textOf(page, "[data-figure=last-success]")).toContain(utc(last.snapshot_at));
    expect(await textOf(page, "[data-figure=running]")).toBe("not running");
    expect(await textOf(page, "[data-figure=errors]")).toBe(String(last.metrics?.errors));
    // The run's duration to a tenth of a second (or in ms under one): the same figure, however it rounds.
    const duration = await textOf(page, "[data-figure=duration]");
    if (last.duration_ms! < 1000) expect(duration).toBe(`${last.duration_ms} ms`);
    else expect(Math.abs(Number(duration.replace(/ s$/, "")) * 1000 - last.duration_ms!)).toBeLessThanOrEqual(50);
    // Seen: counted in the raw next-day recording; changed: the golden manifest's lists of that day.
    const raw = countRaw(nextDay);
    const changed = (kind: "models" | "endpoints") => ["insert", "update", "unavailable"].reduce((sum, list) => sum + manifest[kind][list].length, 0);
    expect(await textOf(page, "[data-figure=models]")).toBe(`${raw.models} processed, ${changed("models")} changed`);
    expect(await textOf(page, "[data-figure=endpoints]")).toBe(`${raw.endpoints} processed, ${changed("endpoints")} changed`);
    expect(await page.$("[data-figure=reasons]")).toBeNull();

    // The latest runs, newest first; the base run added every model and endpoint it saw.
    const rows = await page.$$eval("table.runs tbody tr", (trs) =>
      trs.map((tr) => ({ run: tr.getAttribute("data-run"), cells: [...tr.cells].map((td) => td.textContent!.trim()) })),
    );
    expect(rows.map((row) => row.run)).toEqual([last._id, first._id]);
    expect(rows[1].cells[0]).toContain(utc(first.snapshot_at));
    const rawBase = countRaw(base);
    expect(rows[1].cells[4]).toBe(`${rawBase.models} +${rawBase.models} ~0 −0`);
    expect(rows[1].cells[5]).toBe(`${rawBase.endpoints} +${rawBase.endpoints} ~0 −0`);
    expect(rows[0].cells[7]).toBe(String(last.report?.events));
    await page.close();
  });

  it("draws the price chart of the newest largest price move, and of another endpoint picked in place", async () => {
    const changes = await allRows(t, "or_changes");
    const priceRows = changes.filter((row) => row.tags.includes("price")).sort((a, b) => b.max_abs_percent! - a.max_abs_percent!);
    const [first, last] = runs;
    const page = await openPage("/");
    const deepseek = ["deepseek/deepseek-chat-v3-0324", "standard", "820376cb-f110-4d56-ab52-5bd6ca269420"];
    expect(priceRows[0].key).toBe(keyOf(deepseek[0], deepseek[1], deepseek[2]));
    expect(await page.$eval("svg.chart", (svg) => svg.getAttribute("data-endpoint"))).toBe(priceRows[0].key);
    for (const rate of ["prompt", "completion"]) {
      await expectSteps(page, `pricing.${rate}`, [
        { from: first.snapshot_at, value: rawRate(base, deepseek, rate) },
        { from: last.snapshot_at, value: rawRate(nextDay, deepseek, rate) },
      ]);
    }

    // Picking another endpoint swaps the chart in place (the page's script) and keeps the address in step.
    const mistral = ["mistralai/mistral-medium-3", "standard", "9d5ba5bf-8465-46df-9185-1330820338f5"];
    const mistralKey = keyOf(mistral[0], mistral[1], mistral[2]);
    expect(await page.$$eval("#endpoint option", (options) => options.map((option) => option.value))).toEqual([
      ...new Set(priceRows.sort((a, b) => b._creationTime - a._creationTime).map((row) => row.key)),
    ]);
    await page.evaluate(() => window.scrollTo(0, 400));
    await page.select("#endpoint", mistralKey);
    await page.waitForFunction((key) => document.querySelector("svg.chart")?.getAttribute("data-endpoint") === key, { timeout: 5000 }, mistralKey);
    expect(new URL(page.url()).searchParams.get("endpoint")).toBe(mistralKey);
    expect(await page.evaluate(() => window.scrollY)).toBe(400);
    expect(rawRate(base, mistral, "prompt")).not.toBe(rawRate(nextDay, mistral, "prompt"));
    await expectSteps(page, "pricing.prompt", [
      { from: first.snapshot_at, value: rawRate(base, mistral, "prompt") },
      { from: last.snapshot_at, value: rawRate(nextDay, mistral, "prompt") },
    ]);
    await page.close();
  });

  it("reads without script: the card, the chart and the runs are all in the document", async () => {
    const page = await openPage("/", { script: false });
    expect(await textOf(page, "[data-figure=verdict]")).toBe("Healthy");
    expect(await textOf(page, "[data-figure=models]")).toContain(`${countRaw(nextDay).models} processed`);
    expect(await page.$$eval("svg.chart g.panel", (panels) => panels.length)).toBeGreaterThan(0);
    expect(await page.$$eval("table.runs tbody tr", (trs) => trs.length)).toBe(2);
    // Without script the picker has its own button.
    expect(await page.$eval("#price form button", (button) => button.textContent)).toBe("Show");
    await page.close();
  });

  it("filters the change feed: tag=price lists exactly the price changes", async () => {
    const changes = await allRows(t, "or_changes");
    const price = changes.filter((row) => row.tags.includes("price"));
    expect(price.length).toBeGreaterThan(0);
    const page = await openPage("/?tag=price&limit=200");
    expect(await page.$eval("select[name=tag]", (select) => (select as HTMLSelectElement).value)).toBe("price");
    const items = await page.$$eval("li.change", (lis) => lis.map((li) => li.textContent!));
    expect(items).toHaveLength(price.length);
    for (const item of items) expect(item).toMatch(/price/);
    await page.close();
  });

  it("saves a screenshot of the whole page, with no console error or uncaught exception on the way", async () => {
    const page = await openPage("/");
    mkdirSync(join(tmpdir(), "openrouter-snapshots"), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    process.stdout.write(`status page screenshot: ${SCREENSHOT}\n`);
    expect(existsSync(SCREENSHOT)).toBe(true);
    await page.close();
    expect(problems).toEqual([]);
  });
});
