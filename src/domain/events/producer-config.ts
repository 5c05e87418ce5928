/**
 * upstream's EVENT_BUS_PRODUCER_CONFIG: `{event_type: {topic: {event_key_field, enabled}}}`. The LMS ships created
 * and revoked on `learning-certificate-lifecycle`, enabled by SEND_LEARNING_CERTIFICATE_LIFECYCLE_EVENTS_TO_BUS
 * (lms/envs/common.py); an operator's value is merged over the defaults per event type and topic, the way
 * openedx-events' merge_producer_configs does. Changed is not in the defaults: adding it is the opt-in.
 */
interface TopicSettings {
  event_key_field: string;
  enabled: boolean;
}

export type ProducerConfig = Record<string, Record<string, TopicSettings>>;

const CERTIFICATE_KEY_FIELD = "certificate.course.course_key";
const TOPIC_NAME = /^[A-Za-z0-9._-]+$/;

export function defaultProducerConfig(sendCertificateEvents: boolean): ProducerConfig {
  const lifecycle = { "learning-certificate-lifecycle": { event_key_field: CERTIFICATE_KEY_FIELD, enabled: sendCertificateEvents } };
  return {
    "org.openedx.learning.certificate.created.v1": structuredClone(lifecycle),
    "org.openedx.learning.certificate.revoked.v1": structuredClone(lifecycle),
  };
}

/** Validates an operator's value and merges it over the defaults; problems are returned, not thrown. */
export function mergeProducerConfig(defaults: ProducerConfig, value: unknown): { config: ProducerConfig; problems: string[] } {
  const config = structuredClone(defaults);
  const problems: string[] = [];
  if (value === undefined) return { config, problems };
  if (!isMapping(value)) return { config, problems: ["must be a mapping of event type to {topic: {event_key_field, enabled}}"] };
  for (const [eventType, topics] of Object.entries(value)) {
    if (!isMapping(topics)) {
      problems.push(`${eventType}: must be a mapping of topic to {event_key_field, enabled}`);
      continue;
    }
    for (const [topic, settings] of Object.entries(topics)) {
      const where = `${eventType} → ${topic}`;
      if (!TOPIC_NAME.test(topic)) problems.push(`${where}: a topic may only contain letters, digits, '.', '_' and '-'`);
      if (!isMapping(settings)) {
        problems.push(`${where}: must be {"event_key_field": "...", "enabled": true|false}`);
        continue;
      }
      const previous = config[eventType]?.[topic];
      const merged = { ...previous, ...settings } as Partial<TopicSettings>;
      if (typeof merged.event_key_field !== "string" || merged.event_key_field === "") problems.push(`${where}: event_key_field must be a non-empty string`);
      if (typeof merged.enabled !== "boolean") problems.push(`${where}: enabled must be true or false`);
      config[eventType] = { ...config[eventType], [topic]: merged as TopicSettings };
    }
  }
  return { config, problems };
}

/** The topics an event type is published to (enabled entries only). */
export function enabledTopics(config: ProducerConfig, eventType: string): string[] {
  return Object.entries(config[eventType] ?? {})
    .filter(([, s]) => s.enabled)
    .map(([topic]) => topic);
}

/** upstream's get_full_topic: `<prefix>-<topic>`, or the bare topic without a prefix. */
export function streamName(prefix: string, topic: string): string {
  return prefix ? `${prefix}-${topic}` : topic;
}

function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
