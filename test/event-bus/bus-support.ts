import IORedis from "ioredis";
import type { DataSource } from "typeorm";
import { OUTBOX_TABLE } from "../../src/services/event-bus/certificate-event-outbox";
import type { CertificateData } from "../../src/services/event-bus/event-types";
import { fromStreamFields, type BusEvent } from "../../src/services/event-bus/stream-entry";
import { services } from "../support/services";

/** Every entry of a stream, read back with XRANGE and decoded as a peer would. */
export async function readStream(stream: string): Promise<Array<BusEvent & { entryId: string }>> {
  const redis = new IORedis(services.redisUrl);
  try {
    const entries = await redis.xrangeBuffer(stream, "-", "+");
    return entries.map(([id, fields]) => ({ entryId: id.toString(), ...fromStreamFields(fields) }));
  } finally {
    redis.disconnect();
  }
}

export async function outboxRows(ds: DataSource): Promise<Array<Record<string, unknown>>> {
  return ds.query(`SELECT * FROM ${OUTBOX_TABLE} ORDER BY id`);
}

/** The environment that turns publishing on, with streams under the test's own Redis prefix (cleaned up with it). */
export function busEnv(prefix: string, extra: Record<string, string> = {}): Record<string, string> {
  return { SEND_LEARNING_CERTIFICATE_LIFECYCLE_EVENTS_TO_BUS: "true", EVENT_BUS_TOPIC_PREFIX: `${prefix}:bus`, ...extra };
}

export const lifecycleStream = (prefix: string) => `${prefix}:bus-learning-certificate-lifecycle`;

/** EVENT_BUS_PRODUCER_CONFIG that also publishes changed on the lifecycle topic (the opt-in). */
export const WITH_CHANGED = JSON.stringify({
  "org.openedx.learning.certificate.changed.v1": { "learning-certificate-lifecycle": { event_key_field: "certificate.course.course_key", enabled: true } },
});

/** The CertificateData of a certificate event. */
export function certificateOf(event: BusEvent): CertificateData {
  if (!("certificate" in event.data)) throw new Error(`${event.metadata.type} is not a certificate event`);
  return event.data.certificate;
}

/** Type and status of each event, for compact assertions. */
export const summary = (events: BusEvent[]) => events.map((e) => `${e.metadata.type.split(".")[4]}:${certificateOf(e).current_status}`);
