/**
 * Scheduled work: the hourly snapshot, and the daily archive compaction (default retention
 * policy). Convex never overlaps a cron with itself.
 */
import { cronJobs } from "convex/server";
import { internal } from "./_generated/api";

const crons = cronJobs();

crons.cron("hourly snapshot", "5 * * * *", internal.snapshots_v2.run, {});
crons.cron("daily archive compaction", "35 3 * * *", internal.archive.compact, {});

export default crons;
