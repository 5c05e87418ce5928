import type { DataSource } from "typeorm";
import type { EventBusConfig } from "../../config";
import { enabledTopics, streamName } from "../../domain/events/producer-config";
import { TransientJobError } from "../../errors/transient-job-error";
import type { Logger } from "../../logging/logger";
import { OUTBOX_TABLE } from "./certificate-event-outbox";
import type { EventBusRedis } from "../../queues/event-bus-redis";
import type { CertificateEventType } from "./event-types";
import { isoformatUtc, producedMetadata, toStreamFields, type BusEvent } from "./stream-entry";

interface DrainResult {
  /** Another worker holds the outbox; this one did nothing. */
  locked: boolean;
  published: number;
  /** Rows deleted without publishing: the learner no longer exists, or the event type has no enabled topic now. */
  dropped: number;
}

interface OutboxRow {
  id: string;
  event_id: string;
  event_type: CertificateEventType;
  certificate_id: number;
  user_id: number;
  course_id: string;
  mode: string;
  grade: string;
  status: string;
  occurred_at: string;
  micros: number;
  found_user: number | null;
  username: string | null;
  email: string | null;
  is_active: number | null;
  profile_name: string;
  certificate_name: string;
  download_url: string;
}

/**
 * The MySQL named lock one drainer holds while it publishes (released by the server if the process dies). The
 * learner eraser takes it too, so no drain is between reading a learner's PII and its XADD while entries are erased.
 */
export const OUTBOX_LOCK_SQL = "CONCAT(DATABASE(), '.certificate_event_outbox')";

/** Rows per drain before the job returns (the next scheduled run goes on), so one run never holds the lock long. */
const MAX_BATCHES_PER_DRAIN = 50;

/**
 * Drains the certificate event outbox to the bus, oldest first: builds each event (reading the learner's PII only
 * now), XADDs it to `<prefix>-<topic>` for every enabled topic, and deletes the row only after its XADDs succeeded.
 * A crash between XADD and DELETE publishes that row again on the next run: at least once, and a re-published
 * event carries the same id, so consumers can tell. One drainer at a time (a MySQL named lock, released by the
 * server if the process dies) keeps the bus in outbox order.
 */
export class CertificateEventPublisher {
  constructor(
    private readonly ds: DataSource,
    private readonly config: EventBusConfig,
    private readonly bus: EventBusRedis,
    private readonly logger: Logger,
  ) {}

  /** Outbox rows not yet published (or dropped): what a drain still has to do. */
  async pending(): Promise<number> {
    const [{ n }] = await this.ds.query(`SELECT COUNT(*) AS n FROM ${OUTBOX_TABLE}`);
    return Number(n);
  }

  async drain(): Promise<DrainResult> {
    const result: DrainResult = { locked: false, published: 0, dropped: 0 };
    const runner = this.ds.createQueryRunner();
    await runner.connect();
    try {
      const [{ got }] = await runner.query(`SELECT GET_LOCK(${OUTBOX_LOCK_SQL}, 0) AS got`);
      if (Number(got) !== 1) return { ...result, locked: true };
      try {
        for (let batch = 0; batch < MAX_BATCHES_PER_DRAIN; batch++) {
          const rows: OutboxRow[] = await runner.query(SELECT_BATCH, [this.config.publishBatchSize]);
          if (rows.length === 0) break;
          await this.publish(rows, result, runner.query.bind(runner));
          if (rows.length < this.config.publishBatchSize) break;
        }
      } finally {
        await runner.query(`SELECT RELEASE_LOCK(${OUTBOX_LOCK_SQL})`).catch(() => undefined);
      }
      return result;
    } finally {
      await runner.release();
    }
  }

  private async publish(rows: OutboxRow[], result: DrainResult, query: (sql: string, params?: unknown[]) => Promise<unknown>): Promise<void> {
    // One pipelined round trip for the batch; Redis runs the XADDs in order.
    const pipeline = this.bus.redis.pipeline();
    const plan: Array<{ row: OutboxRow; commands: number }> = [];
    for (const row of rows) {
      const topics = enabledTopics(this.config.producer, row.event_type);
      if (row.found_user === null || topics.length === 0) {
        plan.push({ row, commands: 0 });
        continue;
      }
      const fields = toStreamFields(this.toEvent(row));
      for (const topic of topics) {
        pipeline.xadd(streamName(this.config.topicPrefix, topic), "MAXLEN", "~", String(this.config.streamMaxLen), "*", ...fields);
      }
      plan.push({ row, commands: topics.length });
    }
    const replies = plan.some((p) => p.commands > 0) ? ((await pipeline.exec()) ?? []) : [];

    // Rows up to the first failed XADD are done; the failed one and everything after stay for the next run.
    const done: OutboxRow[] = [];
    let reply = 0;
    let failure: Error | null = null;
    for (const { row, commands } of plan) {
      const errors = replies.slice(reply, reply + commands).map(([err]) => err).filter((e): e is Error => e !== null);
      reply += commands;
      if (errors.length > 0 || replies.length < reply) {
        failure = errors[0] ?? new Error("no reply");
        break;
      }
      done.push(row);
      if (commands === 0) {
        result.dropped++;
        this.logger.warn("certificate event dropped: no such learner any more, or no enabled topic", { outboxId: row.id, eventType: row.event_type, certificateId: row.certificate_id, userId: row.user_id });
      } else result.published++;
    }
    if (done.length > 0) await query(`DELETE FROM ${OUTBOX_TABLE} WHERE id IN (${done.map(() => "?").join(", ")})`, done.map((r) => r.id));
    if (failure) throw new TransientJobError(`publishing certificate events failed (XADD: ${failure.message}); unpublished rows stay in the outbox`, { cause: failure });
  }

  /** openedx-events' CertificateData as the LMS fills it: course key only, previous_status empty. */
  private toEvent(row: OutboxRow): BusEvent {
    const time = isoformatUtc(new Date(`${row.occurred_at}Z`), Number(row.micros));
    return {
      metadata: producedMetadata(row.event_type, row.event_id, time),
      data: {
        certificate: {
          user: { id: Number(row.user_id), is_active: Number(row.is_active) === 1, pii: { username: row.username ?? "", email: row.email ?? "", name: row.profile_name } },
          course: { course_key: row.course_id, display_name: "", start: null, end: null },
          mode: row.mode,
          grade: row.grade,
          download_url: row.download_url,
          name: row.certificate_name,
          current_status: row.status,
          previous_status: "",
        },
      },
    };
  }
}

const SELECT_BATCH = `
  SELECT o.id, o.event_id, o.event_type, o.certificate_id, o.user_id, o.course_id, o.mode, o.grade, o.status,
         DATE_FORMAT(o.occurred_at, '%Y-%m-%dT%H:%i:%s') AS occurred_at, MICROSECOND(o.occurred_at) AS micros,
         u.id AS found_user, u.username, u.email, u.is_active,
         COALESCE(p.name, '') AS profile_name, COALESCE(c.name, '') AS certificate_name, COALESCE(c.download_url, '') AS download_url
    FROM ${OUTBOX_TABLE} o
    LEFT JOIN auth_user u ON u.id = o.user_id
    LEFT JOIN auth_userprofile p ON p.user_id = o.user_id
    LEFT JOIN certificates_generatedcertificate c ON c.id = o.certificate_id
   ORDER BY o.id
   LIMIT ?`;
