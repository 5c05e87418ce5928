import os from "node:os";
import { UndecodableEventError } from "../../errors/undecodable-event-error";
import { decodeEventData, encodeEventData } from "./avro-codec";
import { isKnownEventType, OPENEDX_EVENTS_VERSION, type EventPayloads, type EventType } from "./event-types";

/** `source` of every event this service produces (upstream: `openedx/{SERVICE_VARIANT}/web`). */
const EVENT_SOURCE = "openedx/openedx-workers/web";

/** The metadata edx-event-bus-redis writes beside `event_data` (openedx-events' EventsMetadata). */
interface EventMetadata {
  type: EventType;
  /** The event id (a UUID); the same id on every re-delivery of the same event. */
  id: string;
  source: string;
  /** ISO-8601 in UTC with `+00:00`, as Python's datetime.isoformat() writes it. */
  time: string;
  minorversion: string;
  sourcehost: string;
  sourcelib: string;
}

export interface BusEvent<T extends EventType = EventType> {
  metadata: EventMetadata & { type: T };
  data: EventPayloads[T];
}

/** Field names of one stream entry, in the order edx-event-bus-redis's RedisMessage.to_binary_dict() writes them. */
export const ENTRY_FIELDS = ["type", "id", "source", "time", "minorversion", "sourcehost", "sourcelib", "event_data"] as const;

/** Metadata for an event this service produces. */
export function producedMetadata<T extends EventType>(type: T, id: string, time: string): EventMetadata & { type: T } {
  return { type, id, source: EVENT_SOURCE, time, minorversion: "0", sourcehost: os.hostname(), sourcelib: OPENEDX_EVENTS_VERSION };
}

/** The flat field/value list for XADD: metadata as UTF-8 strings, `event_data` as bare Avro bytes. */
export function toStreamFields(event: BusEvent): Array<string | Buffer> {
  const m = event.metadata;
  const values: Record<(typeof ENTRY_FIELDS)[number], string | Buffer> = {
    type: m.type, id: m.id, source: m.source, time: m.time, minorversion: m.minorversion, sourcehost: m.sourcehost, sourcelib: m.sourcelib,
    event_data: encodeEventData(m.type, event.data as never),
  };
  return ENTRY_FIELDS.flatMap((f) => [f, values[f]]);
}

/** Reads one entry's fields (as XRANGE/XREADGROUP return them with Buffer replies) back into an event. */
export function fromStreamFields(fields: Array<Buffer | string>): BusEvent {
  const map = new Map<string, Buffer>();
  for (let i = 0; i + 1 < fields.length; i += 2) map.set(String(fields[i]), Buffer.from(fields[i + 1] as Buffer));
  const missing = ENTRY_FIELDS.filter((f) => !map.has(f));
  if (missing.length > 0) throw new UndecodableEventError(`stream entry lacks ${missing.join(", ")}`);
  const text = (f: string) => map.get(f)!.toString("utf8");
  const type = text("type");
  if (!isKnownEventType(type)) throw new UndecodableEventError(`unknown event type "${type}"`);
  const metadata: EventMetadata = {
    type, id: text("id"), source: text("source"), time: text("time"), minorversion: text("minorversion"), sourcehost: text("sourcehost"), sourcelib: text("sourcelib"),
  };
  return { metadata, data: decodeEventData(type, map.get("event_data")!) };
}

/**
 * A UTC instant as Python's `datetime.isoformat()` writes an aware UTC datetime: microseconds only when non-zero,
 * and `+00:00` (never `Z`), which edx-event-bus-redis requires when it parses `time` back.
 * `micros` is the sub-second part in microseconds (0–999999), for instants read from a DATETIME(6).
 */
export function isoformatUtc(date: Date, micros = date.getUTCMilliseconds() * 1000): string {
  const base = date.toISOString().slice(0, 19);
  return `${base}${micros ? `.${String(micros).padStart(6, "0")}` : ""}+00:00`;
}
