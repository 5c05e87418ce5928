import type { AppContext } from "../../app/app-context";
import { generationFromEvents } from "../../producers/certificate-generation-from-events.producer";
import { EventBusConsumer } from "../../services/event-bus/event-bus-consumer";

/**
 * The EVENT_BUS_CONSUME worker role: a consumer group member that turns course passing status, exam attempt
 * rejected and ID verification approved events into certificate jobs. Returns undefined when no topic is configured.
 */
export async function startEventConsumerRole(ctx: AppContext): Promise<EventBusConsumer | undefined> {
  if (ctx.config.eventBus.consumeTopics.length === 0) return undefined;
  const consumer = new EventBusConsumer(ctx.config.eventBus, ctx.eventBus, generationFromEvents(ctx), ctx.logger);
  await consumer.start();
  return consumer;
}
