import type IORedis from "ioredis";
import type { EventBusConfig } from "../../config";
import { streamName } from "../../domain/events/producer-config";
import { UndecodableEventError } from "../../errors/undecodable-event-error";
import type { Logger } from "../../logging/logger";
import type { EventBusRedis } from "../../queues/event-bus-redis";
import { fromStreamFields, type BusEvent } from "./stream-entry";

/** What the consumer hands each event to; it resolves once the event's effect is durable (e.g. a job enqueued). */
export type EventHandler = (event: BusEvent, where: { stream: string; entryId: string }) => Promise<void>;

type Entry = [id: Buffer, fields: Buffer[]];

const BLOCK_MS = 1000;
const BATCH = 20;
/** After a failure (bus or queue Redis down), wait this long before reading again. */
const FAILURE_PAUSE_MS = 1000;

/**
 * A member of a Redis consumer group on the EVENT_BUS_CONSUME streams, like edx-event-bus-redis's consumer, with
 * three differences that make it lose nothing:
 * - a new group starts at the beginning of the stream (`0`), and an existing group continues from its own last
 *   position (upstream resets the group to `$` on every start, skipping what was published while it was down);
 * - an entry is acknowledged only after its handler succeeded (upstream acknowledges after errors too); an
 *   unreadable entry (unknown type, bad Avro) is acknowledged and logged, since reading it again cannot help;
 * - entries delivered to a consumer that died before acknowledging them are claimed (XAUTOCLAIM) once idle for
 *   EVENT_BUS_CONSUMER_CLAIM_IDLE_MS, and this consumer's own unacknowledged entries are read first on start.
 */
export class EventBusConsumer {
  private reader?: IORedis;
  private running?: Promise<void>;
  private stopping = false;
  private lastClaim = 0;

  constructor(
    private readonly config: EventBusConfig,
    private readonly bus: EventBusRedis,
    private readonly handle: EventHandler,
    private readonly logger: Logger,
  ) {}

  get streams(): string[] {
    return this.config.consumeTopics.map((t) => streamName(this.config.topicPrefix, t));
  }

  /** Creates the group on each stream if missing, then consumes in the background until stop(). */
  async start(): Promise<void> {
    for (const stream of this.streams) {
      try {
        await this.bus.redis.xgroup("CREATE", stream, this.config.consumerGroup, "0", "MKSTREAM");
      } catch (err) {
        if (!String((err as Error).message).startsWith("BUSYGROUP")) throw err;
      }
    }
    this.reader = this.bus.blockingConnection(BLOCK_MS);
    this.logger.info("event bus consumer started", { streams: this.streams, group: this.config.consumerGroup, consumer: this.config.consumerName });
    this.running = this.loop();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.running;
    this.reader?.disconnect();
  }

  private async loop(): Promise<void> {
    let ownPendingDone = false;
    while (!this.stopping) {
      try {
        // 1. What this consumer (by name) was given but never acknowledged: a previous life, or a failed handler.
        if (!ownPendingDone) {
          const handled = await this.process(await this.read("0", false));
          if (handled === 0) ownPendingDone = true;
          continue;
        }
        // 2. What a dead consumer left pending for too long.
        if (Date.now() - this.lastClaim >= Math.min(this.config.claimIdleMs, 5000)) {
          this.lastClaim = Date.now();
          if ((await this.process(await this.claim())) > 0) continue;
        }
        // 3. New entries.
        await this.process(await this.read(">", true));
      } catch (err) {
        if (this.stopping) break;
        this.logger.warn("event bus consumer: will retry", { error: (err as Error).message });
        ownPendingDone = false; // the failed entries stay pending for this consumer: read them again first
        await new Promise((r) => setTimeout(r, FAILURE_PAUSE_MS));
      }
    }
  }

  private async read(id: "0" | ">", block: boolean): Promise<Array<{ stream: string; entry: Entry }>> {
    const args: Array<string | number> = ["GROUP", this.config.consumerGroup, this.config.consumerName, "COUNT", BATCH];
    if (block) args.push("BLOCK", BLOCK_MS);
    args.push("STREAMS", ...this.streams, ...this.streams.map(() => id));
    const reply = (await this.reader!.callBuffer("XREADGROUP", ...args)) as Array<[Buffer, Entry[]]> | null;
    return (reply ?? []).flatMap(([stream, entries]) => entries.filter(([, fields]) => fields !== null).map((entry) => ({ stream: stream.toString(), entry })));
  }

  private async claim(): Promise<Array<{ stream: string; entry: Entry }>> {
    const out: Array<{ stream: string; entry: Entry }> = [];
    for (const stream of this.streams) {
      const reply = await this.bus.redis.callBuffer("XAUTOCLAIM", stream, this.config.consumerGroup, this.config.consumerName, this.config.claimIdleMs, "0-0", "COUNT", BATCH);
      const [, entries] = reply as [Buffer, Entry[]];
      for (const entry of entries) if (entry && entry[1]) out.push({ stream, entry });
      if (entries.length > 0) this.logger.info("claimed event bus entries left pending by another consumer", { stream, count: entries.length });
    }
    return out;
  }

  /** Handles entries in order; acknowledges each once handled. A handler failure stops the batch (retried later). */
  private async process(batch: Array<{ stream: string; entry: Entry }>): Promise<number> {
    for (const { stream, entry } of batch) {
      const entryId = entry[0].toString();
      let event: BusEvent | undefined;
      try {
        event = fromStreamFields(entry[1]);
      } catch (err) {
        if (!(err instanceof UndecodableEventError)) throw err;
        this.logger.error("unreadable event bus entry acknowledged and skipped", { stream, entryId, error: err.message });
      }
      if (event) await this.handle(event, { stream, entryId });
      await this.bus.redis.xack(stream, this.config.consumerGroup, entryId);
    }
    return batch.length;
  }
}
