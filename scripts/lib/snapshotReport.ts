/**
 * What `npm run snapshot` prints about one run: the JSON line (`--json`) and the labelled report a
 * person reads, with bytes and durations written for people. Pure: takes what the command
 * gathered after the run, returns text or a plain object; no I/O.
 *
 * @example
 * const line = snapshotLine({ index: 0, total: 1, recording: "a.json", report, run, tables, archive }, { metrics: false });
 * process.stdout.write(describeRun(line));
 */
import type { SnapshotReport } from "../../convex/lib/runSnapshot";

export type ArchiveStats = { bundles: number; responses: number; rows: number; blobs: number; stored_bytes: number; logical_bytes: number };
export type TableCounts = {
  or_models: number;
  available_models: number;
  or_endpoints: number;
  available_endpoints: number;
  archive_bundles: number;
  upstream_fields: number;
};

export type RunFacts = {
  /** 0-based position in the command's runs, and how many there are. */
  index: number;
  total: number;
  /** The recording file, or "live". */
  recording: string;
  report: SnapshotReport;
  /** From the run's `snapshot_runs` row. */
  run: { health_reasons?: string[]; metrics?: unknown } | null;
  tables: TableCounts;
  archive: ArchiveStats;
};

/** One `--json` line: the report's figures with the run's reasons, the tables and the archive after it. */
export function snapshotLine(facts: RunFacts, options: { metrics: boolean }) {
  const { report, run } = facts;
  return {
    run: facts.index + 1,
    run_id: report.run_id,
    ok: report.ok,
    status: report.status,
    health: report.health,
    health_reasons: run?.health_reasons ?? [],
    snapshot_at: report.snapshot_at,
    recording: facts.recording,
    output: report.output,
    models: report.models,
    endpoints: report.endpoints,
    empty_lists: report.empty_lists,
    /** validation_issues + failed_fetches, as the report counts them. */
    issues: report.issues,
    validation_issues: report.validation_issues,
    failed_fetches: report.failed_fetches,
    mutations: report.mutations,
    events: report.events,
    archived: report.archived,
    fields: report.fields ?? null,
    duration_ms: report.duration_ms,
    tables: facts.tables,
    archive: facts.archive,
    ...(report.entities_skipped ? { entities_skipped: report.entities_skipped } : {}),
    ...(report.error ? { error: report.error } : {}),
    ...(options.metrics ? { metrics: run?.metrics ?? null } : {}),
  };
}

export type SnapshotLine = ReturnType<typeof snapshotLine>;

const LABEL_WIDTH = 19;

/** The report a person reads: a heading, then one labelled line per figure. */
export function describeRun(line: SnapshotLine, total: number): string {
  const row = (label: string, text: string) => `  ${label.padEnd(LABEL_WIDTH)} ${text}`;
  const dryRun = line.output === "dry-run";
  const kind = (k: SnapshotLine["models"]) => `${k.total} seen: ${k.insert} new, ${k.update} updated, ${k.stable} unchanged, ${k.unavailable} newly unavailable`;
  const lines = [
    `run ${line.run}${total > 1 ? ` of ${total}` : ""} — ${line.recording} — ${headline(line)}`,
    row("run id", line.run_id),
    row("snapshot hour", formatHour(line.snapshot_at)),
    row("took", formatDuration(line.duration_ms)),
  ];
  if (line.status === "ok" && !line.ok) {
    for (const [index, reason] of line.health_reasons.entries()) lines.push(row(index === 0 ? "unhealthy because" : "", reason));
    if (line.health_reasons.length === 0) lines.push(row("health", line.health));
  }
  if (line.status === "skipped") lines.push(row("skipped", line.health.replace(/^skipped: /, "")));
  if (line.error) lines.push(row("error", line.error));
  // A run that failed before it saw a model has no figures worth a line.
  if (line.status === "ok" || line.models.total > 0) {
    const moved = line.endpoints.moved ? ` (${line.endpoints.moved} moved to another model)` : "";
    lines.push(
      row("models", kind(line.models)),
      row("endpoints", kind(line.endpoints) + moved),
      ...(line.empty_lists > 0 ? [row("empty lists", `${line.empty_lists} endpoint lists empty or 404: those variants have no endpoints now`)] : []),
      row("validation issues", `${line.validation_issues} ${plural(line.validation_issues, "record", "records")} failed validation`),
      row("failed fetches", `${line.failed_fetches} endpoint ${plural(line.failed_fetches, "list", "lists")} could not be fetched`),
      row(
        "change rows",
        dryRun
          ? `${line.events} would be written (a dry run stores nothing)`
          : `${line.events} written (or_changes), in ${line.mutations} entity-table ${plural(line.mutations, "mutation", "mutations")}`,
      ),
      ...(line.entities_skipped ? [row("entities left alone", line.entities_skipped)] : []),
      row("archived", dryRun ? "nothing (dry run)" : `${line.archived} responses`),
      row("upstream fields", describeFields(line.fields)),
    );
  }
  const t = line.tables;
  lines.push(
    row(
      "tables now",
      `or_models ${t.or_models} (${t.available_models} available), or_endpoints ${t.or_endpoints} (${t.available_endpoints} available), upstream_fields ${t.upstream_fields}`,
    ),
    row("archive now", describeArchive(line.archive)),
  );
  if ("metrics" in line) lines.push(row("metrics", JSON.stringify(line.metrics)));
  return `${lines.join("\n")}\n`;
}

function plural(count: number, one: string, many: string): string {
  return count === 1 ? one : many;
}

/** "ok, healthy", "ok, unhealthy", "failed" or "skipped". */
function headline(line: SnapshotLine): string {
  if (line.status !== "ok") return line.status;
  return line.ok ? "ok, healthy" : "ok, unhealthy";
}

function describeFields(fields: SnapshotLine["fields"]): string {
  if (!fields) return "not compared (no models list)";
  if (fields.baseline) return `${fields.seen} seen; the drift ledger starts with them`;
  const listed = fields.new_fields.length > 0 ? ` (${fields.new_fields.join(", ")}${fields.new > fields.new_fields.length ? ", …" : ""})` : "";
  return `${fields.seen} seen, ${fields.new} new${listed}, ${fields.gone} gone${fields.written ? "" : "; ledger unchanged"}`;
}

/** Bundles, and legacy rows only when there are any. */
function describeArchive(archive: ArchiveStats): string {
  const legacy = archive.rows > 0 ? `, plus ${archive.rows} legacy rows in ${archive.blobs} blobs` : "";
  const bundles = `${archive.bundles} ${archive.bundles === 1 ? "bundle" : "bundles"}`;
  return `${bundles} holding ${archive.responses} responses${legacy}: ${formatBytes(archive.stored_bytes)} in file storage`;
}

/**
 * Bytes in binary units, three significant figures.
 *
 * @example formatBytes(970_832) === "948 KiB"; formatBytes(512) === "512 B"
 */
export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  if (unit === 0) return `${bytes} B`;
  return `${value >= 100 ? Math.round(value) : value >= 10 ? value.toFixed(1) : value.toFixed(2)} ${units[unit]}`;
}

/**
 * A duration for people: milliseconds below a second, then seconds, then minutes and seconds.
 *
 * @example formatDuration(850) === "850 ms"; formatDuration(3_745) === "3.7 s"; formatDuration(125_000) === "2 min 5 s"
 */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

/** The snapshot hour in UTC, e.g. "2026-11-29 06:00 UTC". */
export function formatHour(at: number): string {
  return `${new Date(at).toISOString().slice(0, 16).replace("T", " ")} UTC`;
}
