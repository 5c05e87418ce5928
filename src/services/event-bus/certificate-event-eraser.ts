import type { DataSource } from "typeorm";
import type { EventBusConfig } from "../../config";
import { streamName } from "../../domain/events/producer-config";
import { TransientJobError } from "../../errors/transient-job-error";
import { UndecodableEventError } from "../../errors/undecodable-event-error";
import type { Logger } from "../../logging/logger";
import { OUTBOX_LOCK_SQL } from "./certificate-event-publisher";
import type { EventBusRedis } from "../../queues/event-bus-redis";
import { CERTIFICATE_EVENT_TYPES } from "./event-types";
import { fromStreamFields } from "./stream-entry";

/** Entries read per XRANGE while looking for a learner's events. */
const SCAN_CHUNK = 500;
/** How long erasure waits for a drain in progress to finish before the step is retried later. */
const LOCK_WAIT_SECONDS = 30;

type Entry = [id: Buffer, fields: Buffer[]];

/**
 * Deletes a retired learner's certificate events from the bus streams this service publishes to. Each entry's
 * Avro `event_data` carries the learner's username, email and name (openedx-events' UserData, as upstream sends
 * it), and the streams keep up to EVENT_BUS_REDIS_STREAM_MAX_LEN entries: without this, the PII would stay in
 * Redis until enough newer events trimmed it. Entries are found by decoding each one and comparing the user id
 * (the only way: a stream has no index), so the work is bounded by the streams' length; XDEL removes them.
 *
 * The outbox itself holds ids only, and an event drained after retirement is built from the retired rows, so
 * nothing else is needed, provided no drain is between reading the PII and its XADD: the eraser holds the
 * drainer's named lock while it scans (no Redis call here can hang: every bus command times out).
 * Streams of other producers (the LMS's own, read by EVENT_BUS_CONSUME) are not touched: they belong to the LMS.
 */
export class CertificateEventEraser {
  constructor(
    private readonly ds: DataSource,
    private readonly config: Pick<EventBusConfig, "producer" | "topicPrefix">,
    private readonly bus: EventBusRedis,
    private readonly logger: Logger,
  ) {}

  /** Every stream a certificate event type is routed to, enabled or not (a topic disabled since still holds entries). */
  streams(): string[] {
    const topics = CERTIFICATE_EVENT_TYPES.flatMap((type) => Object.keys(this.config.producer[type] ?? {}));
    return [...new Set(topics)].map((topic) => streamName(this.config.topicPrefix, topic)).sort();
  }

  /**
   * Deletes these learners' entries from every certificate stream; returns how many were deleted, by learner. The
   * retirement engine erases the learners whose jobs finish retire_lms together in one call: one lock, one scan of
   * each stream (the drainer's lock admits one eraser at a time, so one call per learner queued every retiring
   * learner behind a full scan).
   */
  async eraseLearners(userIds: number[]): Promise<Map<number, number>> {
    const deleted = new Map<number, number>();
    // Only a learner with a certificate row can have certificate events: most learners cost no scan.
    const withCertificates: Array<{ userId: number }> = await this.ds.query("SELECT DISTINCT user_id AS userId FROM certificates_generatedcertificate WHERE user_id IN (?)", [userIds]);
    const wanted = new Set(withCertificates.map((r) => Number(r.userId)));
    if (wanted.size === 0) return deleted;
    const runner = this.ds.createQueryRunner();
    await runner.connect();
    try {
      const [{ got }] = await runner.query(`SELECT GET_LOCK(${OUTBOX_LOCK_SQL}, ?) AS got`, [LOCK_WAIT_SECONDS]);
      if (Number(got) !== 1) throw new TransientJobError(`certificate events of ${wanted.size} learner(s) not erased yet: the outbox drain held its lock for ${LOCK_WAIT_SECONDS} s`);
      try {
        for (const stream of this.streams()) {
          for (const [userId, n] of await this.eraseFrom(stream, wanted)) deleted.set(userId, (deleted.get(userId) ?? 0) + n);
        }
        for (const [userId, entries] of deleted) this.logger.info("retired learner's certificate events deleted from the bus", { userId, entries });
        return deleted;
      } finally {
        await runner.query(`SELECT RELEASE_LOCK(${OUTBOX_LOCK_SQL})`).catch(() => undefined);
      }
    } finally {
      await runner.release();
    }
  }

  private async eraseFrom(stream: string, userIds: ReadonlySet<number>): Promise<Map<number, number>> {
    const redis = this.bus.redis;
    let start = "-";
    const deleted = new Map<number, number>();
    for (;;) {
      const entries = (await redis.xrangeBuffer(stream, start, "+", "COUNT", SCAN_CHUNK)) as Entry[];
      const mine = entries.map(([id, fields]) => ({ id: id.toString(), userId: this.userOf(fields) })).filter((e) => e.userId !== undefined && userIds.has(e.userId));
      if (mine.length > 0) {
        await redis.xdel(stream, ...mine.map((e) => e.id));
        for (const e of mine) deleted.set(e.userId!, (deleted.get(e.userId!) ?? 0) + 1);
      }
      if (entries.length < SCAN_CHUNK) return deleted;
      start = `(${entries[entries.length - 1][0].toString()}`;
    }
  }

  /** The user id of a certificate event; undefined for anything else or an entry that cannot be read. */
  private userOf(fields: Buffer[]): number | undefined {
    try {
      const event = fromStreamFields(fields);
      return "certificate" in event.data ? event.data.certificate.user.id : undefined;
    } catch (err) {
      if (err instanceof UndecodableEventError) return undefined;
      throw err;
    }
  }
}
