import type { DataSource } from "typeorm";
import type { GenerationConfig } from "../../config";
import { decideExamRejection } from "../../domain/certificates/exam-rejection-decision";
import { decideFailingGrade } from "../../domain/certificates/failing-grade-decision";
import { decideGeneration, type GenerationDecision } from "../../domain/certificates/generation-decision";
import type { GenerationFacts } from "../../domain/certificates/generation-facts";
import { parseCourseKey } from "../../domain/course-key";
import { PermanentJobError } from "../../errors/permanent-job-error";
import { TransientJobError } from "../../errors/transient-job-error";
import type { Logger } from "../../logging/logger";
import type { CertificateChangeRecorder } from "../../app/certificate-change";
import { CertificateWriter, type WriteResult } from "./certificate-writer";
import { GenerationFactsLoader } from "./generation-facts-loader";
import { asError } from "../../util/as-error";

export interface GenerationOutcome {
  userId: number;
  courseKey: string;
  decision: GenerationDecision;
  /** Set when a row was written. */
  certificateId?: number;
  created?: boolean;
}

/** One learner's result in a batch: its outcome, or the error its own job fails with. */
type LearnerResult = { userId: number; outcome: GenerationOutcome } | { userId: number; error: Error };

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
    events: CertificateChangeRecorder,
  ) {
    this.loader = new GenerationFactsLoader(ds, config);
    this.writer = new CertificateWriter(ds, events, { nameAffirmation: config.nameAffirmation });
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

  /** The exam-attempt-rejected handler (invalidate_certificate, source 'exam_event'): the certificate becomes unavailable. */
  async invalidateForRejectedExam(userId: number, courseKeyText: string, opts: { jobId?: string } = {}): Promise<GenerationOutcome> {
    return this.decideAndWrite(userId, courseKeyText, decideExamRejection, opts);
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

  /**
   * Many learners of one course run at once: facts loaded set-based, decisions by the same pure rules, writes in
   * one transaction (CertificateWriter.applyMany). Each learner gets its own result, exactly what `generate` would
   * have given it: a learner that cannot be found, or whose certificate changed meanwhile, or whose write fails,
   * is handled on its own (the batch's writes are rolled back and redone learner by learner), so one poisoned
   * learner never fails or delays the others' certificates beyond that retry.
   */
  async generateMany(courseKeyText: string, userIds: number[], opts: { jobIds?: Map<number, string> } = {}): Promise<LearnerResult[]> {
    const results = new Map<number, LearnerResult>();
    const one = async (userId: number): Promise<LearnerResult> => {
      try {
        return { userId, outcome: await this.generate(userId, courseKeyText, { jobId: opts.jobIds?.get(userId) }) };
      } catch (err) {
        return { userId, error: asError(err) };
      }
    };
    const courseKey = parseCourseKey(courseKeyText);
    const unique = [...new Set(userIds)];
    const valid = courseKey ? unique.filter((u) => Number.isSafeInteger(u) && u >= 1) : [];
    // Anything not batchable (bad ids, bad course key) gets the exact error the single path gives it.
    for (const u of unique.filter((x) => !valid.includes(x))) results.set(u, await one(u));
    if (valid.length > 0) {
      const facts = await this.loader.loadMany(valid, courseKey!);
      const writes = valid.filter((u) => facts.has(u)).map((u) => ({ facts: facts.get(u)!, decision: decideGeneration(facts.get(u)!, this.config) }));
      for (const u of valid.filter((x) => !facts.has(x))) results.set(u, { userId: u, error: new PermanentJobError(`User ${u} could not be found`) });
      let written: Map<number, WriteResult> | undefined;
      try {
        written = await this.writer.applyMany(writes);
      } catch (err) {
        this.logger.debug("batched certificate write failed; writing learner by learner", { courseKey: courseKeyText, learners: writes.length, error: (err as Error).message });
      }
      for (const { facts: f, decision } of writes) {
        const w = written?.get(f.userId);
        if (!w || (!w.written && w.conflict)) {
          results.set(f.userId, await one(f.userId));
          continue;
        }
        const outcome: GenerationOutcome = { userId: f.userId, courseKey: courseKeyText, decision };
        if (w.written) Object.assign(outcome, { certificateId: w.certificateId, created: w.created });
        this.log(outcome, opts.jobIds?.get(f.userId));
        results.set(f.userId, { userId: f.userId, outcome });
      }
    }
    return userIds.map((u) => results.get(u)!);
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
