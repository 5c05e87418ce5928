import { expect } from "chai";
import { loadConfig } from "../../src/config";
import { enabledTopics } from "../../src/domain/events/producer-config";
import { ConfigError } from "../../src/errors/config-error";

describe("event bus configuration (upstream's names)", () => {
  it("is off by default; created and revoked go to learning-certificate-lifecycle once SEND_… is on; the bus Redis defaults to REDIS_URL", () => {
    const off = loadConfig({ REDIS_URL: "redis://queues:6379/2" }).eventBus;
    expect(off).to.deep.include({ sendCertificateEvents: false, redisUrl: "redis://queues:6379/2", streamMaxLen: 10000, topicPrefix: "", consumeTopics: [] });
    expect(enabledTopics(off.producer, "org.openedx.learning.certificate.created.v1")).to.deep.equal([]);

    const on = loadConfig({ SEND_LEARNING_CERTIFICATE_LIFECYCLE_EVENTS_TO_BUS: "true", EVENT_BUS_REDIS_CONNECTION_URL: "redis://bus:6379/0" }).eventBus;
    expect(on.redisUrl).to.equal("redis://bus:6379/0");
    expect(on.producer).to.deep.equal({
      "org.openedx.learning.certificate.created.v1": { "learning-certificate-lifecycle": { event_key_field: "certificate.course.course_key", enabled: true } },
      "org.openedx.learning.certificate.revoked.v1": { "learning-certificate-lifecycle": { event_key_field: "certificate.course.course_key", enabled: true } },
    });
  });

  it("merges EVENT_BUS_PRODUCER_CONFIG over the defaults per event type and topic", () => {
    const config = loadConfig({
      SEND_LEARNING_CERTIFICATE_LIFECYCLE_EVENTS_TO_BUS: "true",
      EVENT_BUS_PRODUCER_CONFIG: JSON.stringify({
        "org.openedx.learning.certificate.revoked.v1": { "learning-certificate-lifecycle": { enabled: false } },
        "org.openedx.learning.certificate.changed.v1": { "my-topic": { event_key_field: "certificate.course.course_key", enabled: true } },
      }),
    }).eventBus;
    expect(enabledTopics(config.producer, "org.openedx.learning.certificate.created.v1")).to.deep.equal(["learning-certificate-lifecycle"]);
    expect(enabledTopics(config.producer, "org.openedx.learning.certificate.revoked.v1")).to.deep.equal([]);
    expect(enabledTopics(config.producer, "org.openedx.learning.certificate.changed.v1")).to.deep.equal(["my-topic"]);
  });

  it("lists every problem of a bad value", () => {
    let problems: string[] = [];
    try {
      loadConfig({ EVENT_BUS_PRODUCER_CONFIG: JSON.stringify({ a: { "bad topic": { enabled: "yes" } } }), EVENT_BUS_CONSUME: "ok,no way", EVENT_BUS_REDIS_STREAM_MAX_LEN: "0" });
    } catch (err) {
      problems = (err as ConfigError).problems;
    }
    expect(problems).to.include.members([
      "EVENT_BUS_PRODUCER_CONFIG: a → bad topic: a topic may only contain letters, digits, '.', '_' and '-'",
      "EVENT_BUS_PRODUCER_CONFIG: a → bad topic: event_key_field must be a non-empty string",
      "EVENT_BUS_PRODUCER_CONFIG: a → bad topic: enabled must be true or false",
      "EVENT_BUS_REDIS_STREAM_MAX_LEN: must be at least 1, got 0",
    ]);
    expect(problems.some((p) => p.startsWith("EVENT_BUS_CONSUME:"))).to.equal(true);
    expect(() => loadConfig({ EVENT_BUS_PRODUCER_CONFIG: "{nope" })).to.throw(ConfigError, "EVENT_BUS_PRODUCER_CONFIG: is not valid JSON");
  });
});
