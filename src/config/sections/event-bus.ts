import os from "node:os";
import { z } from "zod";
import { defaultProducerConfig, mergeProducerConfig, type ProducerConfig } from "../../domain/events/producer-config";
import { defineSection } from "../section";
import { bool, int, stringList, text, url, variable } from "../variable";

export interface EventBusConfig {
  /** SEND_LEARNING_CERTIFICATE_LIFECYCLE_EVENTS_TO_BUS: the master switch; off = the outbox is never written. */
  sendCertificateEvents: boolean;
  /** Upstream's EVENT_BUS_PRODUCER_CONFIG, merged over the LMS defaults. */
  producer: ProducerConfig;
  topicPrefix: string;
  redisUrl: string;
  /** True when EVENT_BUS_REDIS_CONNECTION_URL is unset: the bus is the queues' Redis (and its Sentinel settings). */
  sharesQueueRedis: boolean;
  streamMaxLen: number;
  publishIntervalMs: number;
  publishBatchSize: number;
  /** Topics this worker consumes (EVENT_BUS_CONSUME); empty = not a consumer. */
  consumeTopics: string[];
  consumerGroup: string;
  consumerName: string;
  claimIdleMs: number;
}

const TOPIC = /^[A-Za-z0-9._-]+$/;
const REDIS_PROTOCOLS = ["redis:", "rediss:"];

/** A JSON object in the environment, or a YAML mapping; its shape is checked when merged (see producer-config). */
const jsonMapping = () =>
  z.preprocess((v, ctx) => {
    if (typeof v !== "string") return v;
    try {
      return JSON.parse(v);
    } catch {
      ctx.issues.push({ code: "custom", message: "is not valid JSON", input: v });
      return z.NEVER;
    }
  }, z.unknown());

export const eventBusSection = defineSection(
  {
    SEND_LEARNING_CERTIFICATE_LIFECYCLE_EVENTS_TO_BUS: variable(bool(), {
      description:
        "Publish certificate events to the Open edX event bus, as the LMS setting of the same name: every certificate change writes an outbox row, which the certificate-events queue publishes",
      default: false,
    }),
    EVENT_BUS_PRODUCER_CONFIG: variable(jsonMapping(), {
      description:
        "JSON (or a YAML mapping) like the LMS's EVENT_BUS_PRODUCER_CONFIG, {event_type: {topic: {event_key_field, enabled}}}, merged over the defaults (created and revoked on learning-certificate-lifecycle, enabled with SEND_LEARNING_CERTIFICATE_LIFECYCLE_EVENTS_TO_BUS); add org.openedx.learning.certificate.changed.v1 to publish changed",
    }),
    EVENT_BUS_TOPIC_PREFIX: variable(text().refine((v) => /^[A-Za-z0-9._:-]*$/.test(v), "may only contain letters, digits, '.', '_', ':' and '-'"), {
      description: "Prefix of every stream name, `<prefix>-<topic>` (the LMS's EVENT_BUS_TOPIC_PREFIX, e.g. dev or prod); unset = bare topic names",
      default: "",
    }),
    EVENT_BUS_CONSUME: variable(stringList(TOPIC), {
      description:
        "Comma-separated event bus topics this worker consumes (e.g. learning-badges-lifecycle, where the LMS publishes course passing status, and learning-exam-attempt-lifecycle): passing learners get a certificate generation job while certificates.auto_certificate_generation is active, failing ones have a passing certificate marked notpassing, a rejected exam attempt invalidates the certificate, an approved ID verification regenerates (docs/event-bus.md); unset = no consumer",
      default: [],
    }),
    // Read again here (the core section defines and checks it) as the bus's default.
    REDIS_URL: variable(url(REDIS_PROTOCOLS), { description: "Redis holding the BullMQ queues", default: "redis://127.0.0.1:6379/0" }),
    EVENT_BUS_REDIS_CONNECTION_URL: variable(url(REDIS_PROTOCOLS), {
      description: "Redis of the event bus (edx-event-bus-redis's EVENT_BUS_REDIS_CONNECTION_URL); default REDIS_URL",
    }),
    // Read again here (the resilience section defines it): the LMS's event bus cannot be a Cluster.
    REDIS_CLUSTER_NODES: variable(stringList(), { description: "Redis Cluster nodes" }),
    EVENT_BUS_REDIS_STREAM_MAX_LEN: variable(int({ min: 1 }), {
      description: "Approximate maximum length of each stream (XADD MAXLEN ~), as edx-event-bus-redis",
      default: 10000,
    }),
    EVENT_BUS_PUBLISH_INTERVAL_MS: variable(int({ min: 100 }), {
      description: "How often workers of the certificate-events queue drain the outbox to the bus, in ms",
      default: 2000,
    }),
    EVENT_BUS_PUBLISH_BATCH_SIZE: variable(int({ min: 1, max: 10000 }), { description: "Outbox rows read and published per round trip", default: 100 }),
    EVENT_BUS_CONSUMER_GROUP: variable(text().refine((v) => /^\S+$/.test(v), "must not be empty or contain spaces"), {
      description: "Consumer group of EVENT_BUS_CONSUME (one group per deployment: its workers share the work)",
      default: "openedx-workers",
    }),
    EVENT_BUS_CONSUMER_NAME: variable(text().refine((v) => /^\S+$/.test(v), "must not be empty or contain spaces"), {
      description: "This consumer's name in the group; default <hostname>.<pid>",
    }),
    EVENT_BUS_CONSUMER_CLAIM_IDLE_MS: variable(int({ min: 1 }), {
      description: "Entries delivered to a consumer that has not acknowledged them for this long (it died) are claimed by another (XAUTOCLAIM)",
      default: 60000,
    }),
  },
  (v, checks): EventBusConfig => {
    const { config: producer, problems } = mergeProducerConfig(defaultProducerConfig(v.SEND_LEARNING_CERTIFICATE_LIFECYCLE_EVENTS_TO_BUS), v.EVENT_BUS_PRODUCER_CONFIG);
    for (const p of problems) checks.problem("EVENT_BUS_PRODUCER_CONFIG", p);
    const busUsed = v.SEND_LEARNING_CERTIFICATE_LIFECYCLE_EVENTS_TO_BUS || v.EVENT_BUS_CONSUME.length > 0;
    if (busUsed && v.REDIS_CLUSTER_NODES?.length && !v.EVENT_BUS_REDIS_CONNECTION_URL) {
      // edx-event-bus-redis (walrus) reads and writes one Redis, not a Cluster; its streams cannot be hash-tagged.
      checks.problem("EVENT_BUS_REDIS_CONNECTION_URL", "is required with REDIS_CLUSTER_NODES when the event bus is used: the LMS's event bus is one Redis, not a Cluster");
    }
    return {
      sendCertificateEvents: v.SEND_LEARNING_CERTIFICATE_LIFECYCLE_EVENTS_TO_BUS,
      producer,
      topicPrefix: v.EVENT_BUS_TOPIC_PREFIX,
      redisUrl: v.EVENT_BUS_REDIS_CONNECTION_URL ?? v.REDIS_URL,
      sharesQueueRedis: v.EVENT_BUS_REDIS_CONNECTION_URL === undefined,
      streamMaxLen: v.EVENT_BUS_REDIS_STREAM_MAX_LEN,
      publishIntervalMs: v.EVENT_BUS_PUBLISH_INTERVAL_MS,
      publishBatchSize: v.EVENT_BUS_PUBLISH_BATCH_SIZE,
      consumeTopics: v.EVENT_BUS_CONSUME,
      consumerGroup: v.EVENT_BUS_CONSUMER_GROUP,
      consumerName: v.EVENT_BUS_CONSUMER_NAME ?? `${os.hostname()}.${process.pid}`,
      claimIdleMs: v.EVENT_BUS_CONSUMER_CLAIM_IDLE_MS,
    };
  },
);
