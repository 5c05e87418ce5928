import type { AppContext } from "../../app/app-context";
import { CertificateEventEraser } from "../event-bus/certificate-event-eraser";
import type { RetirementStep } from "./retirement-steps";

/** upstream's driver method that retires the LMS over HTTP (the LMS runs its own retire/). */
const HTTP_LMS_RETIRE = "LMS.retirement_lms_retire";

/**
 * The database retire_lms erases the learner's certificate events from the bus in its `finish`. When the LMS
 * retires itself over HTTP instead, the same erasure is added as that step's `finish`: it then runs after the LMS
 * answered (its user row now holds the retired identity, so later drains carry no PII) and before the step's END.
 */
export function withBusErasureAfterHttpLmsRetire(steps: Map<string, RetirementStep>, ctx: AppContext): Map<string, RetirementStep> {
  const step = steps.get(HTTP_LMS_RETIRE);
  if (!step || step.finish) return steps;
  const eraser = new CertificateEventEraser(ctx.dataSource, ctx.config.eventBus, ctx.eventBus, ctx.logger);
  return new Map(steps).set(HTTP_LMS_RETIRE, {
    ...step,
    finish: async (learners) => {
      await eraser.eraseLearners(learners.map((l) => l.userId));
      return learners.map(() => undefined);
    },
  });
}
