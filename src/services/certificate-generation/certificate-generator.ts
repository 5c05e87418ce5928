import type { DataSource } from "typeorm";
import type { GenerationConfig } from "../../config";
import { decideFailingGrade } from "../../domain/certificates/failing-grade-decision";
import { decideGeneration, type GenerationDecision } from "../../domain/certificates/generation-decision";
import type { GenerationFacts } from "../../domain/certificates/generation-facts";
import { parseCourseKey } from "../../domain/course-key";
import { PermanentJobError } from "../../errors/permanent-job-error";
import { TransientJobError } from "../../errors/transient-job-error";
import type { Logger } from "../../logging/logger";
import type { CertificateEventOutbox } from "../event-bus/certificate-event-outbox";
import { CertificateWriter } from "./certificate-writer";
import { GenerationFactsLoader } from "./generation-facts-loader";

export interface GenerationOutcome {
  userId: number;
  courseKey: string;
  decision: GenerationDecision;
  /** Set when a row was written. */
  certificateId?: number;
  created?: boolean;
}

/** Fresh facts are read again after a lost compare-and-set; this many tries before backing off as a job retry. */
const MAX_DECISIONS = 3;

/**
 * generate_certificate_task + the generate_certificate celery task for one (learner, course run): load the facts,
 * decide with the pure rules, write the result. Safe to run twice or concurrently: a decision is only written if
 * the certificate is still as it was when the facts were read.
 */
export class CertificateGenerator {
  private readonly loader: GenerationFactsLoader;
  private readonly writer: CertificateWriter;

  constructor(
    ds: DataSource,
    private readonly config: GenerationConfig,
    private readonly logger: Logger,
    events: CertificateEventOutbox,
  ) {
    this.loader = new GenerationFactsLoader(ds, config);
    this.writer = new CertificateWriter(ds, events);
  }

  /** What would happen, without writing. */
  async preview(userId: number, courseKeyText: string): Promise<GenerationOutcome> {
    const facts = await this.facts(userId, courseKeyText);
    return { userId, courseKey: courseKeyText, decision: decideGeneration(facts, this.config) };
  }

  async generate(userId: number, courseKeyText: string, opts: { jobId?: string } = {}): Promise<GenerationOutcome> {
    return this.decideAndWrite(userId, courseKeyText, (facts) => decideGeneration(facts, this.config), opts);
  }

  /** The failing-grade handler (COURSE_GRADE_NOW_FAILED): a passing certificate becomes notpassing. */
  async markNotPassing(userId: number, courseKeyText: string, opts: { jobId?: string } = {}): Promise<GenerationOutcome> {
    return this.decideAndWrite(userId, courseKeyText, decideFailingGrade, opts);
  }

  private async decideAndWrite(userId: number, courseKeyText: string, decide: (f: GenerationFacts) => GenerationDecision, opts: { jobId?: string }): Promise<GenerationOutcome> {
    for (let attempt = 1; attempt <= MAX_DECISIONS; attempt++) {
      const facts = await this.facts(userId, courseKeyText);
      const decision = decide(facts);
      const result = await this.writer.apply(facts, decision);
      if (result.written || !result.conflict) {
        const outcome: GenerationOutcome = { userId, courseKey: courseKeyText, decision };
        if (result.written) Object.assign(outcome, { certificateId: result.certificateId, created: result.created });
        this.log(outcome, opts.jobId);
        return outcome;
      }
      this.logger.debug("certificate changed while deciding; deciding again", { userId, courseKey: courseKeyText, jobId: opts.jobId, attempt });
    }
    throw new TransientJobError(`user ${userId} in ${courseKeyText}: certificate kept changing while generating; will retry`);
  }

  private async facts(userId: number, courseKeyText: string): Promise<GenerationFacts> {
    if (!Number.isSafeInteger(userId) || userId < 1) throw new PermanentJobError(`invalid user id ${JSON.stringify(userId)}`);
    const courseKey = parseCourseKey(courseKeyText);
    if (!courseKey) throw new PermanentJobError(`invalid course key ${JSON.stringify(courseKeyText)}`);
    const facts = await this.loader.load(userId, courseKey);
    if (!facts) throw new PermanentJobError(`User ${userId} could not be found`);
    return facts;
  }

  private log(o: GenerationOutcome, jobId?: string): void {
    const d = o.decision;
    const base = { userId: o.userId, courseKey: o.courseKey, jobId, path: d.path, decision: d.kind };
    if (d.kind === "generate") {
      this.logger.info(`Generated certificate with status ${d.status}, mode ${d.mode} and grade ${d.grade}; certificate was ${o.created ? "created" : "already existing and was updated"}`, { ...base, certificateId: o.certificateId });
    } else if (d.kind === "revoke") {
      this.logger.info(`Certificate cannot be generated (${d.reason}); status set to ${d.status}`, { ...base, certificateId: o.certificateId });
    } else if (d.kind === "unchanged") {
      this.logger.info(`Certificate cannot be generated (${d.reason}); status already ${d.status}`, { ...base, certificateId: d.certificateId });
    } else {
      this.logger.info(`Certificate cannot be generated (${d.reason})`, base);
    }
  }
}
