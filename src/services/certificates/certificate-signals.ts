import type { EntityManager } from "typeorm";
import type { CredentialsConfig, LmsFeaturesConfig } from "../../config";
import { CredentialsOutbox } from "../credentials/credentials-outbox";
import type { CertificateEventOutbox } from "../event-bus/certificate-event-outbox";
import { certificateIdsOf, type CertificateChangeRecorder, type CertificateChangeRequest } from "../../app/certificate-change";
import { fulfilCourseMilestones } from "./course-milestones";

/**
 * What the LMS's signal handlers do when a certificate changes, recorded in the change's own transaction so that
 * each happens if and only if the change committed:
 * - the openedx-events certificate events (the bus outbox, CertificateEventOutbox);
 * - Credentials: every save and revocation (COURSE_CERT_CHANGED, openedx/core/djangoapps/programs/signals.py
 *   `handle_course_cert_changed`) and every CertificateDateOverride save or delete queue `award_course_certificate`
 *   for the (learner, course run): here a row of the Credentials outbox, when CREDENTIALS_INTERNAL_SERVICE_URL is
 *   set; the PDF purge's bulk UPDATE sends no signal upstream, so nothing;
 * - prerequisite courses: a save with a passing status (COURSE_CERT_AWARDED) fulfils the course's milestones
 *   (`handle_course_cert_awarded`), with ENABLE_PREREQUISITE_COURSES and the milestones app.
 */
export class CertificateSignals implements CertificateChangeRecorder {
  constructor(
    private readonly events: CertificateEventOutbox,
    private readonly opts: { credentials: boolean; prerequisiteCourses: boolean },
  ) {}

  static fromConfig(events: CertificateEventOutbox, config: { credentials: Pick<CredentialsConfig, "internalServiceUrl">; features: Pick<LmsFeaturesConfig, "prerequisiteCourses"> }): CertificateSignals {
    return new CertificateSignals(events, { credentials: config.credentials.internalServiceUrl !== undefined, prerequisiteCourses: config.features.prerequisiteCourses });
  }

  async record(m: EntityManager, req: CertificateChangeRequest): Promise<void> {
    const ids = certificateIdsOf(req);
    if (ids.length === 0) return;
    await this.events.record(m, req);
    if (this.opts.credentials && req.change !== "links-blanked") await CredentialsOutbox.record(m, ids);
    if (this.opts.prerequisiteCourses && req.change === "saved") await fulfilCourseMilestones(m, ids);
  }
}
