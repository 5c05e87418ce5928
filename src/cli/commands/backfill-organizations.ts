import fs from "node:fs";
import { backfillReport, confirmationAnswer, CONFIRM_PROMPT } from "../../domain/organizations/organization-backfill";
import { parseLibraryKey, type LibraryKey } from "../../domain/organizations/organization-keys";
import { UsageError } from "../../errors/usage-error";
import { enqueueBackfill, newBackfillId, planBackfill, scanBackfill, waitForBackfill } from "../../producers/organization-backfill.producer";
import { QueueName } from "../../queues/registry";
import { HELP_OPTION, type CliIo, type CommandBody } from "../command";
import { progressReporter, withAppContext } from "../runtime";

/** Seconds without a finished chunk after which the command says that no worker may be running. */
const STALL_HINT_MS = 15000;

export const backfillOrganizationsCommand: CommandBody = {
  usage: "openedx-workers backfill-organizations [--apply | --dry] [--inactive] [--library-keys-file FILE]",
  details: `Like edx-platform's Studio command backfill_orgs_and_org_courses: every course run in
course_overviews_courseoverview (all versions) and every V1 library key in FILE names an organization by its
org; organizations_organization gets a row (short_name = name = org) for each org missing, matched
case-insensitively (never 'myorg' beside 'MyOrg'; among spellings that differ only by case the first in sorted
order is used), and organizations_organizationcourse a linkage for each course run missing one. Existing
inactive organizations and linkages are reactivated, unless --inactive (then new rows are created inactive and
nothing is reactivated). Names and descriptions of existing organizations are never changed. No history rows
are written, as upstream's bulk_create writes none.

Without --apply or --dry it prints the dry run and asks "Commit changes shown above to the database [y/n]?";
when standard input is not a terminal it refuses (exit 2): pass --apply or --dry. --apply applies without
the dry run and prints what was created and reactivated. The work runs on the '${QueueName.Organizations}' queue: the
course runs are split into chunks of ORGANIZATIONS_BACKFILL_CHUNK_SIZE (keyset on the course-overview id),
one job each; the command waits for a worker to finish them (progress on stderr) and prints the report.
Course overview ids that are not course run keys are reported on stderr and skipped.

Differs from upstream: V1 content libraries live in the modulestore (MongoDB), which this service does not
read; list their keys in FILE instead, one 'library-v1:Org+Code' a line (blank lines and '#' comments
ignored), e.g. from the Studio shell: modulestore().get_library_keys(). Their orgs are created; libraries get
no linkage (as upstream). Schedule with ORGANIZATIONS_BACKFILL_CRON (like --apply, without libraries).`,
  options: {
    apply: { type: "boolean", description: "Apply backfill to database without prompting for confirmation." },
    dry: { type: "boolean", description: "Show backfill, but do not apply changes to database." },
    inactive: { type: "boolean", description: "Backfill data as inactive and do not re-activate any existing data." },
    "library-keys-file": { type: "string", valueName: "FILE", description: "V1 content library keys (library-v1:Org+Code), one a line" },
    ...HELP_OPTION,
  },
  async run({ options }, io) {
    const apply = options.apply === true;
    const dry = options.dry === true;
    if (apply && dry) throw new UsageError("Only one of 'apply' and 'dry' may be specified");
    if (!apply && !dry && (!io.interactive || !io.prompt)) {
      throw new UsageError("standard input is not a terminal, so the confirmation cannot be asked: pass --apply or --dry");
    }
    const libraryKeys = options["library-keys-file"] ? readLibraryKeysFile(String(options["library-keys-file"])) : [];
    const activate = options.inactive !== true;

    return withAppContext(io, [], async (ctx) => {
      const scanned = progressReporter(io, "course runs read");
      const scan = await scanBackfill(ctx.dataSource, {
        backfillId: newBackfillId(),
        chunkSize: ctx.config.organizations.backfillChunkSize,
        libraryKeys,
        activate,
        onScan: (n) => scanned(n),
      });
      scanned(scan.courseRuns, undefined, true);
      reportMalformed(io, scan.malformed);

      if (!apply) {
        for (const line of backfillReport(await planBackfill(ctx.dataSource, scan, activate), true)) io.out(line);
        if (dry || !(await confirm(io))) {
          io.out("No changes applied.");
          return 0;
        }
      }

      await enqueueBackfill(ctx, scan);
      const progress = progressReporter(io, "organizations backfill chunks done");
      let lastDone = -1;
      let lastChange = Date.now();
      let hinted = false;
      const result = await waitForBackfill(ctx, scan, {
        onProgress: ({ done, total }) => {
          progress(done, total);
          if (done !== lastDone) [lastDone, lastChange] = [done, Date.now()];
          if (!hinted && Date.now() - lastChange > STALL_HINT_MS) {
            hinted = true;
            io.err(`no chunk finished for ${STALL_HINT_MS / 1000} s: is a worker running for the '${QueueName.Organizations}' queue? (openedx-workers worker --queues ${QueueName.Organizations})`);
          }
        },
      });
      progress(scan.chunks.length - result.failed.length, scan.chunks.length, true);
      reportMalformed(io, result.malformed.filter((k) => !scan.malformed.includes(k)));
      for (const line of backfillReport(result.outcome, false)) io.out(line);
      if (result.failed.length === 0) return 0;
      for (const f of result.failed) io.err(`error: chunk ${f.chunk} of backfill ${scan.backfillId} failed: ${f.reason}`);
      io.err(`${result.failed.length} of ${scan.chunks.length} chunk(s) failed; the report above covers the others. Run the command again once the cause is fixed.`);
      return 1;
    });
  },
};

/** upstream's loop: ask until the answer is y, yes, n or no (any case); end of input counts as no. */
async function confirm(io: CliIo): Promise<boolean> {
  for (;;) {
    const answer = await io.prompt!(CONFIRM_PROMPT);
    if (answer === null) return false;
    const decision = confirmationAnswer(answer);
    if (decision !== undefined) return decision;
  }
}

function reportMalformed(io: CliIo, keys: string[]): void {
  if (keys.length === 0) return;
  io.err(`warning: skipping ${keys.length} course_overviews_courseoverview id(s) that are not course run keys:`);
  for (const key of keys) io.err(`    ${JSON.stringify(key)}`);
}

/** One V1 library key a line; every bad line is listed at once, and nothing runs until the file is right. */
function readLibraryKeysFile(file: string): LibraryKey[] {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    throw new UsageError(`--library-keys-file: cannot read ${file}: ${(err as Error).message}`);
  }
  const keys: LibraryKey[] = [];
  const problems: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const key = parseLibraryKey(line);
    if (key) keys.push(key);
    else problems.push(`line ${i + 1}: ${JSON.stringify(line)} is not a V1 library key (library-v1:Org+Code)`);
  });
  if (problems.length > 0) throw new UsageError(`--library-keys-file ${file}:\n  ${problems.join("\n  ")}`);
  return keys;
}
