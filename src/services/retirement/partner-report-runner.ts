import fs from "node:fs/promises";
import path from "node:path";
import type { DataSource } from "typeorm";
import type { PartnerReportConfig } from "../../config/sections/retirement-partner-report";
import { partnerReportSettingsMissing } from "../../config/sections/retirement-partner-report";
import {
  assignToPartners,
  notificationComment,
  partnerReportCsv,
  partnerReportFileName,
  unmappedOrganizationsMessage,
  type PartnerReportLearner,
} from "../../domain/retirement/partner-report";
import { ConfigError } from "../../errors/config-error";
import { TransientJobError } from "../../errors/transient-job-error";
import type { Logger } from "../../logging/logger";
import { asError } from "../../util/as-error";
import { GoogleDriveReports, readServiceAccountKey } from "./google-drive-reports";
import { PartnerReportingStore } from "./partner-reporting-store";

export interface PartnerReportOptions {
  outputDir: string;
  /** Deliver to Google Drive (upstream), or only write the files (--no-upload). */
  upload: boolean;
  comments: boolean;
  googleSecretsFile?: string;
  dryRun: boolean;
  now?: Date;
}

interface PartnerOutcome {
  partner: string;
  fileName: string;
  /** User ids of the partner's learners, in file order. */
  userIds: number[];
  status: "delivered" | "written" | "failed" | "planned";
  /** Why delivery failed (no PII: Drive's error text or the missing folder). */
  reason?: string;
  /** A notification comment could not be added (upstream: a warning only). */
  commentProblem?: string;
}

export interface PartnerReportOutcome {
  /** Learners taken from the queue (or that would be, in a dry run). */
  learners: number;
  partners: PartnerOutcome[];
  /** Reporting rows deleted (every partner of theirs had its files), and released for the next run. */
  deleted: number;
  released: number;
}

/**
 * upstream's `retirement_partner_report.py` run against the LMS database: take the queued learners (marking them as
 * being processed), find their orgs from their enrollments, map orgs to partners (`org_partner_mapping`; an org
 * without partner stops the run before anything is taken), write one CSV per partner, deliver each to its Drive
 * folder (found by name under `drive_partners_folder`) with a notification comment, or only write it (--no-upload).
 *
 * The rows hold PII; each is deleted as soon as every partner it goes to has its file (upstream cleans up only
 * once every partner is uploaded). A partner whose delivery fails keeps its learners' rows, put back in the queue
 * for the next run, and the run reports it. Logs name partners, counts and user ids only.
 */
export class PartnerReportRunner {
  private readonly store: PartnerReportingStore;

  constructor(
    ds: DataSource,
    private readonly config: PartnerReportConfig,
    private readonly logger: Logger,
  ) {
    this.store = new PartnerReportingStore(ds);
  }

  async run(opts: PartnerReportOptions): Promise<PartnerReportOutcome> {
    const now = opts.now ?? new Date();
    const googleSecretsFile = opts.googleSecretsFile ?? this.config.googleSecretsFile;
    const missing = partnerReportSettingsMissing(this.config, { upload: opts.upload && !opts.dryRun, googleSecretsFile });
    if (missing.length > 0) throw new ConfigError(missing);
    await this.checkOutputDir(opts.outputDir);
    const mapping = this.config.orgPartnerMapping!;
    const platform = this.config.platformName!;
    const reclaimBefore = new Date(now.getTime() - this.config.reclaimAfterHours * 3_600_000);

    if (opts.dryRun) {
      const learners = await this.store.peek(reclaimBefore);
      const assignment = assignToPartners(learners, mapping);
      if (assignment.unmapped.length > 0) throw new ConfigError([unmappedOrganizationsMessage(assignment.unmapped)]);
      const partners = assignment.partners.map((p) => ({ partner: p.partner, fileName: partnerReportFileName(platform, p.partner, now), userIds: p.learners.map((l) => l.userId), status: "planned" as const }));
      return { learners: learners.length, partners, deleted: 0, released: 0 };
    }

    // Drive first, as upstream: a missing or unreadable key, or folders that cannot be listed, take nothing from the queue.
    const drive = opts.upload ? new GoogleDriveReports(readServiceAccountKey(googleSecretsFile!), { rootUrl: this.config.driveRootUrl, timeoutMs: this.config.httpTimeoutMs }) : undefined;
    let folders = new Map<string, string>();
    if (drive) {
      try {
        folders = await drive.partnerFolders(this.config.drivePartnersFolder!);
      } catch (err) {
        throw new TransientJobError(`Finding partner directories on Drive failed (nothing was taken from the queue): ${driveError(err)}`, { cause: err });
      }
      if (folders.size === 0) throw new TransientJobError("Finding partner directories on Drive failed. Check your permissions. (nothing was taken from the queue)");
    }

    let unmapped: string[] = [];
    const learners = await this.store.claim(reclaimBefore, (found) => {
      unmapped = assignToPartners(found, mapping).unmapped;
      return unmapped.length === 0;
    });
    if (unmapped.length > 0) throw new ConfigError([unmappedOrganizationsMessage(unmapped)]);
    const assignment = assignToPartners(learners, mapping);
    this.logger.info("partner report: learners taken from the queue", { learners: learners.length, partners: assignment.partners.length });

    const pending = new Map(learners.map((l) => [l.userId, new Set(assignment.partnersOf.get(l.userId))]));
    let deleted = await this.deleteDone(pending);
    const failed = new Set<number>();
    const partners: PartnerOutcome[] = [];
    for (const { partner, learners: list } of assignment.partners) {
      const outcome = await this.deliver(partner, list, opts, now, drive, folders);
      partners.push(outcome);
      if (outcome.status === "failed") {
        for (const id of outcome.userIds) failed.add(id);
        this.logger.error("partner report: delivery failed; the partner's learners stay queued", { partner, learners: outcome.userIds.length, reason: outcome.reason });
        continue;
      }
      this.logger.info(`partner report: ${outcome.status}`, { partner, file: outcome.fileName, learners: outcome.userIds.length });
      for (const id of outcome.userIds) pending.get(id)!.delete(partner);
      deleted += await this.deleteDone(pending);
    }
    const released = await this.store.release([...failed]);
    return { learners: learners.length, partners, deleted, released };
  }

  /** Deletes the rows of learners whose every partner has its file; forgets them. */
  private async deleteDone(pending: Map<number, Set<string>>): Promise<number> {
    const done = [...pending].filter(([, left]) => left.size === 0).map(([id]) => id);
    for (const id of done) pending.delete(id);
    return this.store.delete(done);
  }

  private async deliver(partner: string, learners: PartnerReportLearner[], opts: PartnerReportOptions, now: Date, drive: GoogleDriveReports | undefined, folders: Map<string, string>): Promise<PartnerOutcome> {
    const fileName = partnerReportFileName(this.config.platformName!, partner, now);
    const base = { partner, fileName, userIds: learners.map((l) => l.userId) };
    const content = Buffer.from(partnerReportCsv(learners), "utf8");
    try {
      await writeFileAtomically(path.join(opts.outputDir, fileName), content);
    } catch (err) {
      return { ...base, status: "failed", reason: `the file could not be written: ${asError(err).message}` };
    }
    if (!drive) return { ...base, status: "written" };
    const folderId = folders.get(partner);
    if (!folderId) return { ...base, status: "failed", reason: `no Drive folder named "${partner}" under drive_partners_folder` };
    let fileId: string;
    try {
      fileId = await drive.uploadCsv(folderId, fileName, content);
    } catch (err) {
      return { ...base, status: "failed", reason: `Drive upload failed for: ${fileName}: ${driveError(err)}` };
    }
    if (!opts.comments) return { ...base, status: "delivered" };
    // upstream: "do not fail the script here, since comment errors are non-critical".
    try {
      const comment = notificationComment(this.config.notificationTemplate, await drive.folderAddresses(folderId), this.config.deniedNotificationDomains);
      if (!comment) {
        this.logger.warn("partner report: no point of contact in the partner's folder permissions; no comment added", { partner });
        return { ...base, status: "delivered", commentProblem: "no point of contact in the folder's permissions" };
      }
      await drive.comment(fileId, comment);
      return { ...base, status: "delivered" };
    } catch (err) {
      this.logger.warn("partner report: the notification comment could not be added", { partner, error: driveError(err) });
      return { ...base, status: "delivered", commentProblem: driveError(err) };
    }
  }

  private async checkOutputDir(dir: string): Promise<void> {
    const stat = await fs.stat(dir).catch(() => undefined);
    if (!stat?.isDirectory()) throw new ConfigError([`--output-dir ${dir} does not exist or is not a directory (upstream: "No output_dir passed in or path does not exist.")`]);
  }
}

/** Google's error in one line: the status and Google's message, which name no learner. */
function driveError(err: unknown): string {
  const e = err as { status?: number; response?: { status?: number }; message?: string };
  const status = e.status ?? e.response?.status;
  return `${status ? `HTTP ${status}: ` : ""}${(asError(err).message ?? "").split("\n")[0]}`;
}

/**
 * Replaces any file of the same name (upstream: "If there is already a file for this date, assume it is bad and replace
 * it"), through a temporary file and a rename so a crash never leaves half a report; readable by its owner only (PII).
 */
async function writeFileAtomically(file: string, content: Buffer): Promise<void> {
  const temp = `${file}.${process.pid}.tmp`;
  const handle = await fs.open(temp, "w", 0o600);
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await fs.rename(temp, file);
}
