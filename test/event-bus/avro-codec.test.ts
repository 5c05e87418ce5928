import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import IORedis from "ioredis";
import { UndecodableEventError } from "../../src/errors/undecodable-event-error";
import { decodeEventData, encodeEventData, SCHEMAS_DIR } from "../../src/services/event-bus/avro-codec";
import { EventType, OPENEDX_EVENTS_VERSION, schemaFileName } from "../../src/services/event-bus/event-types";
import { ENTRY_FIELDS, fromStreamFields, isoformatUtc, producedMetadata, toStreamFields, type BusEvent } from "../../src/services/event-bus/stream-entry";
import { services, uniqueSuffix } from "../support/services";
import { SHARED_VECTORS_FILE, VECTORS_FILE, vectors } from "./vectors";

describe("event bus wire format (byte-exact with openedx-events 11.2.0 and edx-event-bus-redis)", () => {
  it("the vendored vectors are the project's reference copy", function () {
    if (!fs.existsSync(SHARED_VECTORS_FILE)) this.skip();
    expect(fs.readFileSync(VECTORS_FILE, "utf8")).to.equal(fs.readFileSync(SHARED_VECTORS_FILE, "utf8"));
  });

  it("uses the schema openedx-events derives (the vendored created schema is the vectors' schema)", () => {
    expect(vectors.openedx_events_version).to.equal(OPENEDX_EVENTS_VERSION);
    const vendored = JSON.parse(fs.readFileSync(path.join(SCHEMAS_DIR, schemaFileName(EventType.CertificateCreated)), "utf8"));
    expect(vendored).to.deep.equal(vectors.schema_created_v1);
    for (const type of [EventType.CertificateChanged, EventType.CertificateRevoked]) {
      const other = JSON.parse(fs.readFileSync(path.join(SCHEMAS_DIR, schemaFileName(type)), "utf8"));
      expect(other.namespace).to.equal(type);
      expect({ ...other, namespace: "x" }).to.deep.equal({ ...vendored, namespace: "x" });
    }
  });

  for (const v of vectors.vectors) {
    it(`encodes the ${v.label} vector to exactly the Python serializer's bytes, and decodes them back`, () => {
      const bytes = encodeEventData(v.event_type, v.data as never);
      expect(bytes.toString("hex")).to.equal(v.event_data_hex);
      expect(decodeEventData(v.event_type, Buffer.from(v.event_data_hex, "hex"))).to.deep.equal(v.data);
    });
  }

  it("refuses bytes that are not one value of the schema", () => {
    const good = Buffer.from(vectors.vectors[0].event_data_hex, "hex");
    expect(() => decodeEventData(EventType.CertificateCreated, good.subarray(0, 10))).to.throw(UndecodableEventError);
    expect(() => decodeEventData(EventType.CertificateCreated, Buffer.concat([good, Buffer.from([0])]))).to.throw(UndecodableEventError);
  });

  it("formats time as Python's isoformat() of an aware UTC datetime", () => {
    const at = new Date("2026-11-22T04:30:00.123Z");
    expect(isoformatUtc(at, 123456)).to.equal("2026-11-22T04:30:00.123456+00:00");
    expect(isoformatUtc(at)).to.equal("2026-11-22T04:30:00.123000+00:00");
    expect(isoformatUtc(new Date("2026-11-22T04:30:00Z"))).to.equal("2026-11-22T04:30:00+00:00");
  });

  it("writes a stream entry with exactly the example's field names, order and values, and reads it back", async () => {
    const example = vectors.example_stream_entry;
    const created = vectors.vectors.find((v) => v.event_type === EventType.CertificateCreated)!;
    const event: BusEvent = {
      metadata: { ...producedMetadata(EventType.CertificateCreated, example.fields.id, example.fields.time), source: example.fields.source, sourcehost: example.fields.sourcehost },
      data: created.data as never,
    };
    const fields = toStreamFields(event);
    const names = fields.filter((_, i) => i % 2 === 0);
    expect(names).to.deep.equal([...ENTRY_FIELDS]);
    expect(names).to.deep.equal(Object.keys(example.fields));

    // Through a real Redis stream, as a peer reads it: every value byte for byte.
    const redis = new IORedis(services.redisUrl);
    const stream = `owt-${uniqueSuffix()}-${example.stream}`;
    try {
      await redis.xadd(stream, "MAXLEN", "~", "10000", "*", ...fields);
      const [[, raw]] = await redis.xrangeBuffer(stream, "-", "+");
      const read: Record<string, string> = {};
      for (let i = 0; i < raw.length; i += 2) read[raw[i].toString()] = raw[i].toString() === "event_data" ? raw[i + 1].toString("hex") : raw[i + 1].toString("utf8");
      expect(read).to.deep.equal(example.fields);
      expect(Object.keys(read)).to.deep.equal(Object.keys(example.fields));
      expect(fromStreamFields(raw)).to.deep.equal(event);
    } finally {
      await redis.del(stream);
      redis.disconnect();
    }
  });

  it("produces openedx-workers' own source, minor version and library version", () => {
    const m = producedMetadata(EventType.CertificateRevoked, "id", "t");
    expect(m).to.include({ source: "openedx/openedx-workers/web", minorversion: "0", sourcelib: "11.2.0" });
  });

  it("round-trips a course passing status event (the consumer's input) through its vendored schema", () => {
    const data = {
      course_passing_status: {
        is_passing: true,
        course: { course_key: "course-v1:Org+C1+Run", display_name: "", start: null, end: null },
        user: { id: 7, is_active: true, pii: { username: "u", email: "u@example.org", name: "U" } },
      },
    };
    const bytes = encodeEventData(EventType.CoursePassingStatusUpdated, data);
    // is_passing (1), course_key, display_name '', start null (union index 0), end null, then the user record.
    expect(bytes.subarray(0, 2).toString("hex")).to.equal("0128");
    expect(decodeEventData(EventType.CoursePassingStatusUpdated, bytes)).to.deep.equal(data);
  });
});
