import fs from "node:fs";
import path from "node:path";
import avro from "avsc";
import { UndecodableEventError } from "../../errors/undecodable-event-error";
import { schemaFileName, type EventPayloads, type EventType } from "./event-types";

/** Where the vendored .avsc files live (copied beside the compiled code by the build, see schemas/SOURCES.md). */
export const SCHEMAS_DIR = path.join(__dirname, "schemas");

const types = new Map<EventType, avro.Type>();

/** The Avro type of an event, parsed once from openedx-events' published schema file. */
function avroTypeOf(eventType: EventType): avro.Type {
  let type = types.get(eventType);
  if (!type) {
    const schema = JSON.parse(fs.readFileSync(path.join(SCHEMAS_DIR, schemaFileName(eventType)), "utf8"));
    type = avro.Type.forSchema(schema);
    types.set(eventType, type);
  }
  return type;
}

/**
 * The `event_data` of an event: bare Avro binary of the event's schema, no container header and no schema id,
 * exactly what openedx-events' serialize_event_data_to_bytes (fastavro schemaless_writer) produces.
 */
export function encodeEventData<T extends EventType>(eventType: T, data: EventPayloads[T]): Buffer {
  return avroTypeOf(eventType).toBuffer(data);
}

/** Reads `event_data` back; a buffer that is not exactly one value of the schema is a permanent error. */
export function decodeEventData<T extends EventType>(eventType: T, bytes: Buffer): EventPayloads[T] {
  let value: unknown;
  try {
    value = avroTypeOf(eventType).fromBuffer(bytes);
  } catch (err) {
    throw new UndecodableEventError(`event_data is not a ${eventType}: ${(err as Error).message}`);
  }
  // avsc returns record class instances; callers get plain data.
  return JSON.parse(JSON.stringify(value)) as EventPayloads[T];
}
