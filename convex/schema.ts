/**
 * The database of openrouter-snapshots. Every table says who writes it and who reads it.
 *
 * Entity rows (`or_models`, `or_endpoints`) hold the transformed upstream record plus
 * bookkeeping: `content_hash` (what `decide` compares), `first_seen_at`, `changed_at` (the
 * snapshot at which the content last changed) and `unavailable_at` (set when the entity vanished
 * upstream, or a model is listed with no endpoint now, in a healthy run; cleared when it returns).
 * An unchanged entity is never written, so there is no per-run timestamp on it.
 */
import { defineSchema, defineTable } from "convex/server";
import { v } from "convex/values";
import { endpointTableFields, modelTableFields, vEntityBookkeeping, vFieldsReport, vKindReport, vRunMetrics, vWithheld } from "./lib/validators";
import { changeRowFields, vFeedFilter } from "./history/validators";
import { vBackfillWalk } from "./history/backfillValidators";

const vManifestTable = v.union(v.literal("or_models"), v.literal("or_endpoints"));

export default defineSchema({
  /** One row per model slug. Written by `entities.applyBatch` (the ConvexWriter). Read by the writer's pre-load (`loadStatePage`) and the public `or_models.get`/`list`. */
  or_models: defineTable({ ...modelTableFields, ...vEntityBookkeeping.fields })
    .index("by_slug", ["slug"])
    .index("by_unavailable_reason_and_unavailable_at", ["unavailable_reason", "unavailable_at"]),

  /** One row per upstream endpoint record, keyed (model_permaslug, variant, endpoint_id). Written by `entities.applyBatch`. Read by the writer's pre-load and the public `or_endpoints.forModel`/`list`. */
  or_endpoints: defineTable({ ...endpointTableFields, ...vEntityBookkeeping.fields })
    .index("by_model_permaslug_and_variant_and_endpoint_id", ["model_permaslug", "variant", "endpoint_id"])
    .index("by_model_slug", ["model_slug"])
    .index("by_unavailable_reason_and_unavailable_at", ["unavailable_reason", "unavailable_at"]),

  /**
   * The change history, append-only: one row per entity change (added, removed, returned, moved,
   * updated, with the field diff, tags, rates and the exact revert), and one `rewrite` row per
   * (run, field path) changed across more than a share of a table. Entity rows are written by
   * `entities.applyBatch` in the same transaction as the state they describe (`ChangeLog`,
   * convex/history/changeLog.ts), rewrites by `changes.recordRewrites` at the run's end, and both
   * by the backfill (`history/backfill`) for time before history. Read by the `changes:*` queries,
   * the HTTP feeds and webhook deliveries.
   */
  or_changes: defineTable(changeRowFields)
    .index("by_snapshot_at", ["snapshot_at"])
    .index("by_entity_and_snapshot_at", ["entity", "snapshot_at"])
    .index("by_model_slug_and_snapshot_at", ["model_slug", "snapshot_at"])
    .index("by_provider_slug_and_snapshot_at", ["provider_slug", "snapshot_at"])
    .index("by_entity_and_key_and_snapshot_at", ["entity", "key", "snapshot_at"])
    .index("by_run_id_and_event", ["run_id", "event"]),

  /**
   * What the history covers, one row (name "history"): from when as-of queries are exact. Written
   * by the first `entities.applyBatch` that records history (`live_from`) and by the backfill
   * (`covered_from` moves earlier). Read by the as-of queries and `changes.coverage`.
   */
  history_state: defineTable({
    name: v.string(),
    /** The earliest snapshot from which every change has a row: as-of is exact from here on. */
    covered_from: v.number(),
    /** The first snapshot whose changes the runs themselves recorded. */
    live_from: v.number(),
    /** The earliest archived snapshot a backfill rebuilt history from, when one ran. */
    backfilled_from: v.optional(v.number()),
  }).index("by_name", ["name"]),

  /**
   * Stretches of time the backfill could not rebuild, one row each: runs changed the catalogue there
   * and cannot be replayed (their archives were compacted away or never made, or they failed part
   * way). Written by the backfill (`history/backfill`, once per stretch); read by `changes.coverage`.
   */
  history_gaps: defineTable({
    from: v.number(),
    to: v.number(),
    reason: v.string(),
    backfill_id: v.id("history_backfills"),
  }).index("by_from", ["from"]),

  /** One row per backfill walk: where it is and what it wrote. Written by `history/backfill` as it goes; read by `history/backfill:status`. */
  history_backfills: defineTable({
    started_at: v.number(),
    status: v.union(v.literal("running"), v.literal("done"), v.literal("failed")),
    /** Archived runs replayed so far, and events written. */
    runs: v.number(),
    events: v.number(),
    gaps: v.number(),
    /** The snapshot of the last run the walk looked at: it continues after it. */
    cursor: v.union(v.number(), v.null()),
    ended_at: v.optional(v.number()),
    error: v.optional(v.string()),
    /** Runs looked at, and of those the runs that changed the catalogue but could not be replayed (in gaps). */
    walked: v.optional(v.number()),
    lost: v.optional(v.number()),
    /** Actions the walk took (it continues in a new one when its time budget is spent), and when it last made progress. */
    steps: v.optional(v.number()),
    updated_at: v.optional(v.number()),
    /** Set when done: from when the history it rebuilt is continuous. */
    covered_from: v.optional(v.number()),
    /** While running: what the next action continues from (the walk's state and its shadow catalogue's checkpoint file). */
    walk: v.optional(vBackfillWalk),
  }).index("by_started_at", ["started_at"]),

  /**
   * Webhook subscriptions: where to post the events that match a filter, signed with the secret.
   * Written by the internal `webhooks:subscribe`/`unsubscribe` (never deleted: deliveries name
   * them); read by `webhooks:list` (without the secret) and the delivery (`webhooks:deliverRun`, `webhooks:deliver`).
   */
  webhook_subscriptions: defineTable({
    url: v.string(),
    /** HMAC-SHA256 key of the signature header. Never returned by any function but the delivery's own read. */
    secret: v.string(),
    filter: vFeedFilter,
    active: v.boolean(),
    created_at: v.number(),
    /** When `unsubscribe` made it inactive; null while active. */
    unsubscribed_at: v.union(v.number(), v.null()),
  }).index("by_active", ["active"]),

  /**
   * One row per (subscription, run with matching events): its status, attempts and last error.
   * Written by the delivery (`webhooks:deliver`, through `webhooks:claimAttempt`/`recordAttempt`)
   * as it tries; read by the delivery and `webhooks:deliveries`.
   */
  webhook_deliveries: defineTable({
    subscription_id: v.id("webhook_subscriptions"),
    run_id: v.id("snapshot_runs"),
    snapshot_at: v.number(),
    /** The run's events that match the subscription's filter, and the POSTs they make (`planBatches`). */
    events: v.number(),
    batches: v.number(),
    /** Batches answered 2xx, in order: the next attempt starts at this one. */
    batches_delivered: v.number(),
    status: v.union(v.literal("pending"), v.literal("delivered"), v.literal("failed")),
    /** Attempts that ended (delivered, failed, or stopped without finishing). */
    attempts: v.number(),
    last_status: v.union(v.number(), v.null()),
    last_error: v.union(v.string(), v.null()),
    last_attempt_at: v.union(v.number(), v.null()),
    /** When the scheduled retry runs; null when none is due. */
    next_attempt_at: v.union(v.number(), v.null()),
    delivered_at: v.union(v.number(), v.null()),
    created_at: v.number(),
    /** An attempt in flight holds the delivery until then; null when none is. */
    leased_until: v.union(v.number(), v.null()),
    /** The scheduled `webhooks:deliver` that continues this delivery (a retry, or the check after a lease), cancelled when superseded. */
    next_job: v.union(v.id("_scheduled_functions"), v.null()),
  })
    .index("by_subscription_id_and_created_at", ["subscription_id", "created_at"])
    .index("by_subscription_id_and_run_id", ["subscription_id", "run_id"]),

  /**
   * The catalogue manifest (see `src/manifest/catalogueManifest.ts`): every entity row's key,
   * fingerprint and availability, packed into one chunk per (table, bucket). Written only through
   * `ManifestEdits` (`convex/lib/manifestStore.ts`) by the mutations that write entity rows, in
   * the same transaction, and by the rebuild (`manifest.rebuildPage`). Read by the ConvexWriter
   * for the buckets whose digests differ from what its run saw, and by `manifest.verify`.
   */
  manifest_chunks: defineTable({
    table: vManifestTable,
    bucket: v.number(),
    /** Packed entries (`encodeChunk`). */
    entries: v.bytes(),
    count: v.number(),
  }).index("by_table_and_bucket", ["table", "bucket"]),

  /** One row per (entity table, segment of 32 buckets): those buckets' digests, laid end to end. Read only for segments whose digest in the root differs. Written with the chunks. */
  manifest_bucket_digests: defineTable({ table: vManifestTable, segment: v.number(), digests: v.bytes() }).index("by_table_and_segment", ["table", "segment"]),

  /**
   * One row per entity table: the manifest's root digest, its size and the newest time any row
   * speaks for. The one document an unchanged run reads to know it is unchanged. `complete` is
   * false until the manifest was built from the rows (`manifest.rebuild`) or began with empty
   * tables; writers read the entity tables while it is.
   */
  manifest_roots: defineTable({
    table: vManifestTable,
    digest: v.string(),
    /** Each segment's digest (8 bytes each), laid end to end: the root digest is taken over these. */
    segments: v.bytes(),
    /** Entries (rows) in the manifest. */
    entries: v.number(),
    newest_as_of: v.union(v.number(), v.null()),
    complete: v.boolean(),
    /** While a rebuild walks the rows: when it started. */
    rebuilding_since: v.optional(v.number()),
  }).index("by_table", ["table"]),

  /**
   * Removals the share guard withheld, one row per entity, kept so that a person can accept them
   * (`removals.acceptWithheld`) without re-running. Written by the ConvexWriter at the end of a
   * run that withheld (`removals.recordWithheld`); read and deleted by `acceptWithheld`.
   */
  withheld_removals: defineTable({
    run_id: v.id("snapshot_runs"),
    kind: v.union(v.literal("model"), v.literal("endpoint")),
    /** The model's slug, or the endpoint's model slug. */
    slug: v.string(),
    model_permaslug: v.optional(v.string()),
    variant: v.optional(v.string()),
    endpoint_id: v.optional(v.string()),
  }).index("by_run_id", ["run_id"]),

  /**
   * One row per snapshot run. Inserted by `snapshot_runs.start` when a run begins, patched once by
   * the run's metrics sink when it ends (`snapshot_runs.complete`). Read by `snapshot_runs.latest`
   * and `list`, and the dashboard card `snapshots_v2.status`.
   */
  snapshot_runs: defineTable({
    snapshot_at: v.number(),
    started_at: v.number(),
    ended_at: v.optional(v.number()),
    duration_ms: v.optional(v.number()),
    status: v.union(v.literal("running"), v.literal("ok"), v.literal("failed"), v.literal("skipped")),
    ok: v.optional(v.boolean()),
    health: v.optional(v.string()),
    config: v.object({
      output: v.string(),
      source: v.string(),
      replay_from: v.optional(v.id("snapshot_runs")),
      maxConcurrency: v.number(),
      /** Upstream path family: `v1` or `legacy-2025` (absent on runs recorded before it was configurable). */
      paths: v.optional(v.string()),
      /** A replay asked to rebuild tables that hold nothing newer than the run it replays. */
      rebuild: v.optional(v.boolean()),
    }),
    /** Every reason the run is not healthy (empty or absent when it is). */
    health_reasons: v.optional(v.array(v.string())),
    /** Removals the share guard withheld, for `removals.acceptWithheld`. */
    withheld: v.optional(vWithheld),
    /** Archives of this run deleted by compaction: how many, and when the last were. Replay names it. */
    archives_compacted: v.optional(v.object({ deleted: v.number(), last_at: v.number() })),
    /** Why the run failed, when it did. */
    error: v.optional(v.string()),
    /** For a `skipped` run: the run that held the lease. */
    skipped_for: v.optional(v.id("snapshot_runs")),
    metrics: v.optional(vRunMetrics),
    /** Per-kind outcome of the database writer (or the dry run), for the dashboard card. */
    report: v.optional(
      v.object({
        models: vKindReport,
        endpoints: vKindReport,
        issues: v.number(),
        mutations: v.number(),
        /** Change rows the run wrote (absent on runs recorded before history). */
        events: v.optional(v.number()),
        /** Responses the run archived: what a replay of it must find. */
        archived: v.optional(v.number()),
        /** Why the run wrote no entity rows although it could have (a backfill older than the stored state). */
        entities_skipped: v.optional(v.string()),
        /** Upstream fields seen against the drift ledger (see `upstream_fields`). */
        fields: v.optional(vFieldsReport),
      }),
    ),
  })
    .index("by_snapshot_at", ["snapshot_at"])
    .index("by_ok_and_snapshot_at", ["ok", "snapshot_at"])
    .index("by_ended_at", ["ended_at"])
    .index("by_status_and_started_at", ["status", "started_at"]),

  /**
   * The run lease: at most one row, name "snapshot", held by the run in progress until
   * `expires_at`. Taken by `snapshot_runs.start` (or taken over when expired), released by
   * `snapshot_runs.complete`. Read only by those two mutations.
   */
  snapshot_lease: defineTable({
    name: v.string(),
    run_id: v.id("snapshot_runs"),
    expires_at: v.number(),
  }).index("by_name", ["name"]),

  /**
   * Validation failures, de-duplicated: one row per (source, SHA-256 of the bad item's canonical
   * JSON), counted once per run that saw it. Written in batches by `validation_issues.recordBatch`
   * (the ConvexIssueWriter). Read by `validation_issues.recent`.
   */
  validation_issues: defineTable({
    source: v.string(),
    sha256: v.string(),
    message: v.string(),
    first_seen_at: v.number(),
    last_seen_at: v.number(),
    last_run_id: v.id("snapshot_runs"),
    count: v.number(),
  })
    .index("by_source_and_sha256", ["source", "sha256"])
    .index("by_last_seen_at", ["last_seen_at"]),

  /**
   * One row per run archived as a bundle (every run since bundles): the run's raw bodies are gzip
   * members in a few part files, and a gzip'd JSON index file lists each request's key, status,
   * body SHA-256 and size, and where its member lies (see `src/archive/bundle.ts`). Written once per
   * run by `archive.recordBundle` (the archiver, at the end of the run); a backfill also fixes the
   * next bundle's `changed`. Read by replay (`archive.bundleForRun`) and deleted, with its files, by
   * `archive.compactPage`.
   */
  archive_bundles: defineTable({
    run_id: v.id("snapshot_runs"),
    snapshot_at: v.number(),
    /** The part files in order; an index entry's `part` is a position in this array. */
    parts: v.array(v.object({ storage_id: v.id("_storage"), compressed_size: v.number() })),
    index_id: v.id("_storage"),
    /** SHA-256 hex of the index's JSON (before compression); each entry holds its body's SHA-256. */
    index_sha256: v.string(),
    index_compressed_size: v.number(),
    /** Responses archived: index entries. */
    requests: v.number(),
    /** Raw body bytes, and compressed bytes in file storage (parts and index). */
    raw_bytes: v.number(),
    compressed_bytes: v.number(),
    /**
     * What the run's entities were built from, telemetry excluded (the writer's digest of entity
     * content hashes); `raw:…` when the run had none, a digest of its raw bodies.
     */
    durable_digest: v.string(),
    /** A change point: `durable_digest` differs from the previous bundle's in time (or there is none). */
    changed: v.boolean(),
  })
    .index("by_run_id", ["run_id"])
    .index("by_snapshot_at", ["snapshot_at"]),

  /**
   * Legacy: one row per raw response archived by a remote run before bundles. No longer written;
   * read by replay of those runs (`archive.listForRun`) and deleted by `archive.compactPage`.
   * `params` is the request's sorted query string ("" for the models list).
   */
  snapshot_archives: defineTable({
    run_id: v.id("snapshot_runs"),
    snapshot_at: v.number(),
    type: v.union(v.literal("models"), v.literal("endpoints")),
    params: v.string(),
    /** The blob's storage id: shared by every archive of the same body (see `archive_blobs`). */
    storage_id: v.id("_storage"),
    sha256: v.string(),
    size: v.number(),
    compressed_size: v.number(),
    /** A change point: the body differs from the previous archive of the same request. */
    changed: v.boolean(),
    /** Absent for a 200. 404 for an endpoint list that answered "no endpoints now" (empty body): replay answers 404 again. */
    status: v.optional(v.number()),
  })
    .index("by_run_id", ["run_id"])
    .index("by_type_and_params_and_snapshot_at", ["type", "params", "snapshot_at"])
    .index("by_snapshot_at", ["snapshot_at"]),

  /**
   * Legacy: one row per distinct body of `snapshot_archives` (content-addressed by the raw body's
   * SHA-256), with the number of rows that point at it. No longer written but by
   * `archive.compactPage`, which counts refs down and deletes the blob and its file at zero.
   */
  archive_blobs: defineTable({
    sha256: v.string(),
    storage_id: v.id("_storage"),
    size: v.number(),
    compressed_size: v.number(),
    ref_count: v.number(),
    last_referenced_at: v.number(),
  }).index("by_sha256", ["sha256"]),

  /**
   * Running totals of the archive, one row (name "archive"): kept by `archive.recordBundle` and
   * `compactPage`, read by `archive.storageStats`. It also holds the newest bundle's snapshot and
   * durable digest, so recording the hourly bundle decides `changed` without reading another row.
   */
  archive_totals: defineTable({
    name: v.string(),
    /** Legacy `snapshot_archives` rows and `archive_blobs`. */
    rows: v.number(),
    blobs: v.number(),
    /** Compressed bytes in file storage: each legacy blob once, every bundle's parts and index. */
    stored_bytes: v.number(),
    /** Compressed bytes as if every legacy row had its own blob, plus the bundles'. */
    logical_bytes: v.number(),
    bundles: v.optional(v.number()),
    /** Responses archived in bundles (their index entries). */
    bundle_requests: v.optional(v.number()),
    newest_bundle: v.optional(v.object({ snapshot_at: v.number(), durable_digest: v.string() })),
  }).index("by_name", ["name"]),

  /**
   * The upstream-drift ledger: one row per field path seen upstream (scope `model` for models-list
   * entries, `endpoint` for endpoint records; paths inside pricing, pricing_json, tiers, features,
   * data_policy, provider_info and reasoning_config too). Written by `upstream_fields.applyBatch`
   * (the run's ledger step, `convex/lib/driftLedger.ts`) only in runs where the set of paths
   * changed. Read by the ledger step's pre-load (`loadPage`), the public `upstream_fields.list` and
   * `recent`, and the dashboard card.
   */
  upstream_fields: defineTable({
    scope: v.union(v.literal("model"), v.literal("endpoint")),
    path: v.string(),
    /** What the module does with it: stored, partly stored, used, telemetry, presentation, internal, embedded copy, unmapped. */
    treatment: v.string(),
    /** Whether the module keeps what the path holds (stored, partly stored, used). */
    mapped: v.boolean(),
    first_seen_at: v.number(),
    /** The snapshot of the last run that saw it and wrote the ledger; for a gone path, the last healthy run before it went. */
    last_seen_at: v.number(),
    /** Seen by the latest run that wrote the ledger; not marked gone while the run's endpoint data is suspect (see `convex/lib/driftLedger.ts`). */
    present: v.boolean(),
    /** When a run first missed it; null while present. */
    gone_at: v.union(v.number(), v.null()),
    /** Records that carried it in the last run that touched this row. */
    count: v.number(),
    /** A value it held, as JSON cut short. */
    example: v.string(),
    /** Seen by the ledger's first run, so not reported as new. */
    baseline: v.boolean(),
  })
    .index("by_scope_and_path", ["scope", "path"])
    .index("by_baseline_and_first_seen_at", ["baseline", "first_seen_at"]),

  /**
   * The ledger's one state row: a digest of the set of present paths, so an hour whose set did not
   * change reads one document and writes none. Written last by the ledger step when the set
   * changed (`upstream_fields.setState`); read by it first (`upstream_fields.state`).
   */
  upstream_field_sets: defineTable({
    name: v.string(),
    digest: v.string(),
    paths: v.number(),
    changed_at: v.number(),
    run_id: v.id("snapshot_runs"),
  }).index("by_name", ["name"]),

  /** One row per compaction walk. Written by `archive.compact` and each `archive.compactPage`. Read by `archive.lastCompaction`. */
  archive_compactions: defineTable({
    started_at: v.number(),
    /** The time the policy is applied at (usually when the walk started). */
    now: v.number(),
    /** As parsed: `hourlyForDays` is the telemetry tier, however the policy spelled it (`telemetryForDays`). */
    policy: v.object({ hourlyForDays: v.number(), dailyForDays: v.number() }),
    status: v.union(v.literal("running"), v.literal("done")),
    pages: v.number(),
    /** Legacy `snapshot_archives` rows, and the blobs left unreferenced. */
    rows_examined: v.number(),
    rows_deleted: v.number(),
    blobs_deleted: v.number(),
    /** Bundles (absent on walks recorded before bundles). */
    bundles_examined: v.optional(v.number()),
    bundles_deleted: v.optional(v.number()),
    /** Compressed bytes of the files deleted, blobs and bundles. */
    bytes_reclaimed: v.number(),
    ended_at: v.optional(v.number()),
    duration_ms: v.optional(v.number()),
  }).index("by_started_at", ["started_at"]),
});
