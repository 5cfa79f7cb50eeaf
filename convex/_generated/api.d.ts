/* eslint-disable */
/**
 * Generated `api` utility.
 *
 * THIS CODE IS AUTOMATICALLY GENERATED.
 *
 * To regenerate, run `npx convex dev`.
 * @module
 */

import type * as archive from "../archive.js";
import type * as changes from "../changes.js";
import type * as crons from "../crons.js";
import type * as entities from "../entities.js";
import type * as history_backfill from "../history/backfill.js";
import type * as history_backfillRun from "../history/backfillRun.js";
import type * as history_backfillStore from "../history/backfillStore.js";
import type * as history_backfillValidators from "../history/backfillValidators.js";
import type * as history_changeLog from "../history/changeLog.js";
import type * as history_historyReads from "../history/historyReads.js";
import type * as history_validators from "../history/validators.js";
import type * as history_webhookDeliveries from "../history/webhookDeliveries.js";
import type * as http from "../http.js";
import type * as lib_archiveStore from "../lib/archiveStore.js";
import type * as lib_archiveTransport from "../lib/archiveTransport.js";
import type * as lib_archiver from "../lib/archiver.js";
import type * as lib_bundleStore from "../lib/bundleStore.js";
import type * as lib_convexWriter from "../lib/convexWriter.js";
import type * as lib_driftLedger from "../lib/driftLedger.js";
import type * as lib_entityRows from "../lib/entityRows.js";
import type * as lib_issueWriter from "../lib/issueWriter.js";
import type * as lib_manifestStore from "../lib/manifestStore.js";
import type * as lib_metricsSink from "../lib/metricsSink.js";
import type * as lib_queryLimits from "../lib/queryLimits.js";
import type * as lib_runOrder from "../lib/runOrder.js";
import type * as lib_runSnapshot from "../lib/runSnapshot.js";
import type * as lib_validators from "../lib/validators.js";
import type * as manifest from "../manifest.js";
import type * as or_endpoints from "../or_endpoints.js";
import type * as or_models from "../or_models.js";
import type * as removals from "../removals.js";
import type * as snapshot_runs from "../snapshot_runs.js";
import type * as snapshots_v2 from "../snapshots_v2.js";
import type * as upstream_fields from "../upstream_fields.js";
import type * as validation_issues from "../validation_issues.js";
import type * as webhooks from "../webhooks.js";

import type {
  ApiFromModules,
  FilterApi,
  FunctionReference,
} from "convex/server";

declare const fullApi: ApiFromModules<{
  archive: typeof archive;
  changes: typeof changes;
  crons: typeof crons;
  entities: typeof entities;
  "history/backfill": typeof history_backfill;
  "history/backfillRun": typeof history_backfillRun;
  "history/backfillStore": typeof history_backfillStore;
  "history/backfillValidators": typeof history_backfillValidators;
  "history/changeLog": typeof history_changeLog;
  "history/historyReads": typeof history_historyReads;
  "history/validators": typeof history_validators;
  "history/webhookDeliveries": typeof history_webhookDeliveries;
  http: typeof http;
  "lib/archiveStore": typeof lib_archiveStore;
  "lib/archiveTransport": typeof lib_archiveTransport;
  "lib/archiver": typeof lib_archiver;
  "lib/bundleStore": typeof lib_bundleStore;
  "lib/convexWriter": typeof lib_convexWriter;
  "lib/driftLedger": typeof lib_driftLedger;
  "lib/entityRows": typeof lib_entityRows;
  "lib/issueWriter": typeof lib_issueWriter;
  "lib/manifestStore": typeof lib_manifestStore;
  "lib/metricsSink": typeof lib_metricsSink;
  "lib/queryLimits": typeof lib_queryLimits;
  "lib/runOrder": typeof lib_runOrder;
  "lib/runSnapshot": typeof lib_runSnapshot;
  "lib/validators": typeof lib_validators;
  manifest: typeof manifest;
  or_endpoints: typeof or_endpoints;
  or_models: typeof or_models;
  removals: typeof removals;
  snapshot_runs: typeof snapshot_runs;
  snapshots_v2: typeof snapshots_v2;
  upstream_fields: typeof upstream_fields;
  validation_issues: typeof validation_issues;
  webhooks: typeof webhooks;
}>;

/**
 * A utility for referencing Convex functions in your app's public API.
 *
 * Usage:
 * ```js
 * const myFunctionReference = api.myModule.myFunction;
 * ```
 */
export declare const api: FilterApi<
  typeof fullApi,
  FunctionReference<any, "public">
>;

/**
 * A utility for referencing Convex functions in your app's internal API.
 *
 * Usage:
 * ```js
 * const myFunctionReference = internal.myModule.myFunction;
 * ```
 */
export declare const internal: FilterApi<
  typeof fullApi,
  FunctionReference<any, "internal">
>;

export declare const components: {};
