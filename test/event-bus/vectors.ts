import fs from "node:fs";
import path from "node:path";
import type { EventType } from "../../src/services/event-bus/event-types";

/**
 * The byte-exact vectors the real openedx-events 11.2.0 and edx-event-bus-redis (Python) produced; PyPI is not
 * reachable here, so these ARE the peer. A copy lives in fixtures/ (so a clone is self-contained); when the
 * project's ../shared/reference is beside the clone, the copy is checked against it.
 */
export const VECTORS_FILE = path.join(__dirname, "fixtures", "event-bus-vectors.json");
export const SHARED_VECTORS_FILE = path.resolve(__dirname, "../../../shared/reference/event-bus-vectors.json");

export interface Vectors {
  openedx_events_version: string;
  vectors: Array<{ event_type: EventType; label: string; data: Record<string, unknown>; event_data_hex: string }>;
  schema_created_v1: unknown;
  example_stream_entry: { stream: string; fields: Record<string, string> };
}

export const vectors: Vectors = JSON.parse(fs.readFileSync(VECTORS_FILE, "utf8"));
