import { loadConfig } from "../../config";
import { openDataSource } from "../../db/data-source";
import { optionalLine, requiredLine } from "../../db/lms-schema/lms-schema-check";
import { BASELINE_RELEASE, describeRelease } from "../../db/lms-schema/lms-releases";
import { ALL_FAMILIES, LmsFamily } from "../../db/lms-schema/lms-table-use";
import { extraErasureSchemaProblems, extraErasureTables } from "../../services/retirement/extra-erasures";
import { ServiceUnavailableError } from "../../errors/service-unavailable-error";
import { ALL_QUEUES, parseQueueNames } from "../../queues/registry";
import { databaseFailureDetail } from "../../services/health/failure-detail";
import { withTimeout } from "../../util/with-timeout";
import { familiesOfQueues, lmsSchemaReport } from "../../workers/lms-schema-check";
import { HELP_OPTION, type CommandBody } from "../command";

export const checkLmsSchemaCommand: CommandBody = {
  usage: "openedx-workers check-lms-schema [--queues a,b] [--json]",
  details: `Compares the LMS tables and columns the workers use (src/db/lms-schema/, per job family: ${ALL_FAMILIES.join(", ")})
with the database at DATABASE_URL, in one query on information_schema. Prints one line per missing item: "error:" for a
required table or column (naming table.column and the families that need it), "warning:" for an optional one (an app
the LMS may not install, a history table, or a table newer than the LMS's release) naming what those families skip.
Exit 0 when every required item is present (warnings or not), 2 when one is missing, 1 when the database cannot be
read. With the retirement family, RETIREMENT_EXTRA_ERASURES' tables and columns are
checked too. Workers run the same check at start for their queues. Written for ${describeRelease(BASELINE_RELEASE)} and later
(docs/lms-schema.md).`,
  options: {
    queues: { type: "string", valueName: "a,b", description: `Check only what workers of these queues need, with the event consumer role's tables when EVENT_BUS_CONSUME is set (default: every family, the console's included; queues: ${ALL_QUEUES.join(", ")})` },
    json: { type: "boolean", description: "Print a JSON report: {ok, families, checked, missingRequired: [...], missingOptional: [...]}" },
    ...HELP_OPTION,
  },
  async run({ options }, io) {
    const config = loadConfig(io.env);
    // With --queues, what a worker of those queues started with this configuration checks (the consumer role's too).
    const families = options.queues !== undefined ? familiesOfQueues(parseQueueNames(String(options.queues)), config.eventBus.consumeTopics.length > 0) : ALL_FAMILIES;
    const bound = config.resilience.startupTimeoutMs;
    let ds;
    try {
      ds = await withTimeout(openDataSource({ databaseUrl: config.databaseUrl, poolSize: 1, connectTimeoutMs: config.resilience.db.connectTimeoutMs }), bound, "connecting to the database");
    } catch (err) {
      throw new ServiceUnavailableError("database", databaseFailureDetail(config.databaseUrl, err));
    }
    try {
      // The operator's RETIREMENT_EXTRA_ERASURES tables and columns, which retirement workers check at start too:
      // read in the same information_schema query as the registry's.
      const retiring = families.includes(LmsFamily.Retirement);
      const report = await withTimeout(lmsSchemaReport(ds, families, retiring ? extraErasureTables(config.extraErasures) : []), bound, "reading information_schema");
      const extra = retiring ? await extraErasureSchemaProblems(ds, config.extraErasures) : [];
      const ok = report.missingRequired.length === 0 && extra.length === 0;
      if (options.json) {
        io.out(JSON.stringify({ ok, ...report, extraErasures: extra }, null, 2));
        return ok ? 0 : 2;
      }
      for (const item of report.missingRequired) io.out(`error: ${requiredLine(item)}`);
      for (const item of report.missingOptional) io.out(`warning: ${optionalLine(item)}`);
      for (const problem of extra) io.out(`error: RETIREMENT_EXTRA_ERASURES ${problem}`);
      const checked = `${report.checked.tables} tables, ${report.checked.columns} columns checked for ${families.join(", ")}`;
      io.out(
        ok
          ? `LMS schema OK: ${checked}; ${report.missingOptional.length} optional item${report.missingOptional.length === 1 ? "" : "s"} missing`
          : `LMS schema NOT usable: ${report.missingRequired.length + extra.length} required item${report.missingRequired.length + extra.length === 1 ? "" : "s"} missing (${checked})`,
      );
      return ok ? 0 : 2;
    } finally {
      await ds.destroy().catch(() => undefined);
    }
  },
};
