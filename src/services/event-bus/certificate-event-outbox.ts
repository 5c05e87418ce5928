import type { EntityManager } from "typeorm";
import type { EventBusConfig } from "../../config";
import { enabledTopics } from "../../domain/events/producer-config";
import { certificateIdsOf, type CertificateChangeRecorder, type CertificateChangeRequest } from "../../app/certificate-change";
import { EventType } from "./event-types";

export const OUTBOX_TABLE = "openedx_workers_certificate_event_outbox";

const PASSING_STATUSES = ["downloadable", "generating"];

/**
 * Writes the outbox rows for a certificate change, inside the caller's transaction (pass its EntityManager), so
 * the event exists if and only if the change committed. Which events (lms/djangoapps/certificates/models.py):
 * `saved` → CERTIFICATE_CHANGED, then CERTIFICATE_CREATED when the status is a passing one (downloadable,
 * generating), whether or not the row is new; `revoked` → CERTIFICATE_CHANGED, then CERTIFICATE_REVOKED, whatever
 * the previous status; a date override set or cleared, and the PDF purge blanking the links (chosen: downstream
 * should learn the links are gone, though upstream's bulk UPDATE sends nothing) → CERTIFICATE_CHANGED only.
 * With SEND_LEARNING_CERTIFICATE_LIFECYCLE_EVENTS_TO_BUS off, or an event type with no enabled topic, nothing is
 * written. Each row copies the certificate's non-PII state as the transaction now sees it; the event id is a UUID
 * v1 made by the database (as upstream's uuid1()).
 */
export class CertificateEventOutbox implements CertificateChangeRecorder {
  private readonly enabled: ReadonlySet<EventType>;

  constructor(config: Pick<EventBusConfig, "sendCertificateEvents" | "producer">) {
    const types = [EventType.CertificateChanged, EventType.CertificateCreated, EventType.CertificateRevoked];
    this.enabled = new Set(config.sendCertificateEvents ? types.filter((t) => enabledTopics(config.producer, t).length > 0) : []);
  }

  /** An outbox that records nothing (publishing off). */
  static off(): CertificateEventOutbox {
    return new CertificateEventOutbox({ sendCertificateEvents: false, producer: {} });
  }

  get active(): boolean {
    return this.enabled.size > 0;
  }

  async record(m: EntityManager, req: CertificateChangeRequest): Promise<void> {
    const ids = certificateIdsOf(req);
    if (!this.active || ids.length === 0) return;
    // Upstream's order: save() sends changed before created; _revoke_certificate saves (changed), then revokes.
    await this.insert(m, EventType.CertificateChanged, ids);
    if (req.change === "saved") await this.insert(m, EventType.CertificateCreated, ids, PASSING_STATUSES);
    if (req.change === "revoked") await this.insert(m, EventType.CertificateRevoked, ids);
  }

  private async insert(m: EntityManager, type: EventType, ids: number[], onlyStatuses?: string[]): Promise<void> {
    if (!this.enabled.has(type)) return;
    const statusFilter = onlyStatuses ? ` AND status IN (${onlyStatuses.map(() => "?").join(", ")})` : "";
    await m.query(
      `INSERT INTO ${OUTBOX_TABLE} (event_id, event_type, certificate_id, user_id, course_id, mode, grade, status, occurred_at)
       SELECT UUID(), ?, id, user_id, course_id, mode, grade, status, UTC_TIMESTAMP(6)
         FROM certificates_generatedcertificate
        WHERE id IN (${ids.map(() => "?").join(", ")})${statusFilter}
        ORDER BY id`,
      [type, ...ids, ...(onlyStatuses ?? [])],
    );
  }
}
