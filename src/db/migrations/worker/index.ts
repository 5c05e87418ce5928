import { WorkerPurgeAudit1700000000001 } from "./1700000000001-worker-purge-audit";
import { WorkerFailedTask1700000000401 } from "./1700000000401-worker-failed-task";
import { WorkerRetirementArchive1700000001001 } from "./1700000001001-worker-retirement-archive";
import { WorkerCertificateEventOutbox1700000001401 } from "./1700000001401-worker-certificate-event-outbox";
import { WorkerOrganizationBackfill1700000001501 } from "./1700000001501-worker-organization-backfill";
import { WorkerCredentialsOutbox1700000002401 } from "./1700000002401-worker-credentials-outbox";

/** The worker's own tables, always migrated. Oldest first; later work appends here. */
export const WORKER_MIGRATIONS = [WorkerPurgeAudit1700000000001, WorkerFailedTask1700000000401, WorkerRetirementArchive1700000001001, WorkerCertificateEventOutbox1700000001401, WorkerOrganizationBackfill1700000001501, WorkerCredentialsOutbox1700000002401];
