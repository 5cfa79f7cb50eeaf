/**
 * Scheduled work: the hourly snapshot, the daily archive compaction (default retention policy),
 * and the daily check that the catalogue manifest still says what the entity rows say (rebuilt
 * when not). Convex never overlaps a cron with itself.
 */
import { cronJobs } from "convex/server";
import { internal } from "./_generated/api";

const crons = cronJobs();

crons.cron("hourly snapshot", "5 * * * *", internal.snapshots_v2.run, {});
crons.cron("daily archive compaction", "35 3 * * *", internal.archive.compact, {});
crons.cron("daily manifest check", "45 3 * * *", internal.manifest.check, {});

export default crons;
