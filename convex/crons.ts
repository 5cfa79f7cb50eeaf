/**
 * Scheduled work: the hourly snapshot. Convex never overlaps a cron with itself.
 */
import { cronJobs } from "convex/server";
import { internal } from "./_generated/api";

const crons = cronJobs();

crons.cron("hourly snapshot", "5 * * * *", internal.snapshots_v2.run, {});

export default crons;
