import type { AppContext } from "../app/app-context";
import { JobName } from "../queues/registry";
import { purgePdfCertificateJob, purgePdfCertificatesJob } from "./certificate-purge/purge-pdf-certificate.job";
import { generateCertificateJob } from "./certificate-generation/generate-certificate.job";
import { generateCertificatesJob } from "./certificate-generation/generate-certificates.job";
import { generateCertificatesFromDatabaseJob } from "./certificate-generation/generate-certificates-from-database.job";
import type { JobDefinition, JobDefinitionFactory } from "./job-handler";
import { retireLearnerJob } from "./retirement/retire-learner.job";
import { backfillOrganizationsChunkJob } from "./organizations/backfill-organizations-chunk.job";
import { backfillOrganizationsJob } from "./organizations/backfill-organizations.job";
import { retireLearnersJob } from "./retirement/retire-learners.job";
import { retireLearnersChunkJob } from "./retirement/retire-learners-chunk.job";
import { archiveRetirementsJob } from "./retirement/archive-retirements.job";
import { partnerReportJob } from "./retirement/partner-report.job";
import { sweepStuckGenerationJob, sweepStuckLearnersJob, sweepStuckPurgesJob } from "./recovery/sweep-stuck-work.job";
import { publishCertificateEventsJob } from "./certificate-events/publish-certificate-events.job";
import { markCertificateNotPassingJob } from "./certificate-generation/mark-certificate-notpassing.job";
import { invalidateCertificateJob } from "./certificate-generation/invalidate-certificate.job";
import { awardCourseCertificateJob } from "./credentials/award-course-certificate.job";
import { drainCredentialsOutboxJob } from "./credentials/drain-credentials-outbox.job";

/** Every job name's processor. A job name missing here is a compile error. */
const FACTORIES: { [J in JobName]: JobDefinitionFactory<J> } = {
  [JobName.PurgePdfCertificate]: purgePdfCertificateJob,
  [JobName.PurgePdfCertificates]: purgePdfCertificatesJob,
  [JobName.GenerateCertificate]: generateCertificateJob,
  [JobName.GenerateCertificates]: generateCertificatesJob,
  [JobName.GenerateCertificatesFromDatabase]: generateCertificatesFromDatabaseJob,
  [JobName.RetireLearner]: retireLearnerJob,
  [JobName.RetireLearners]: retireLearnersJob,
  [JobName.RetireLearnersChunk]: retireLearnersChunkJob,
  [JobName.BackfillOrganizationsChunk]: backfillOrganizationsChunkJob,
  [JobName.BackfillOrganizations]: backfillOrganizationsJob,
  [JobName.ArchiveRetirements]: archiveRetirementsJob,
  [JobName.PartnerReport]: partnerReportJob,
  [JobName.SweepStuckLearners]: sweepStuckLearnersJob,
  [JobName.SweepStuckGeneration]: sweepStuckGenerationJob,
  [JobName.SweepStuckPurges]: sweepStuckPurgesJob,
  [JobName.PublishCertificateEvents]: publishCertificateEventsJob,
  [JobName.MarkCertificateNotPassing]: markCertificateNotPassingJob,
  [JobName.InvalidateCertificate]: invalidateCertificateJob,
  [JobName.AwardCourseCertificate]: awardCourseCertificateJob,
  [JobName.DrainCredentialsOutbox]: drainCredentialsOutboxJob,
};

export function buildJobDefinitions(ctx: AppContext): Map<string, JobDefinition<JobName>> {
  const map = new Map<string, JobDefinition<JobName>>();
  for (const name of Object.values(JobName)) {
    map.set(name, (FACTORIES[name] as JobDefinitionFactory<JobName>)(ctx));
  }
  return map;
}

/** Config variables a queue's processors cannot start without. */
export const QUEUE_REQUIREMENTS: Record<string, string[]> = {
  "certificate-purge": ["CERTIFICATES_BUCKET"],
  "learner-retirement": ["RETIRED_USER_SALTS", "RETIREMENT_PIPELINE", "RETIREMENT_PARTNER_REPORT_CRON"],
};
