import { WorkerPurgeAudit1700000000001 } from "./1700000000001-worker-purge-audit";

/** The worker's own tables, always migrated. Oldest first; later work appends here. */
export const WORKER_MIGRATIONS = [WorkerPurgeAudit1700000000001];
