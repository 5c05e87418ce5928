import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { InvalidArgumentsError } from "../../errors/invalid-arguments-error";
import { ArgumentsDisabledError, RequestRefusedError } from "../../errors/request-refused-error";
import {
  COMMAND_CONFIGURATIONS,
  ConfigurationTableMissingError,
  addConfigurationRow,
  configurationHistory,
  runStoredArguments,
  storedArgumentsDryRun,
  type CommandConfigurationKind,
} from "../../producers/command-configuration.producer";
import { QueueName } from "../../queues/registry";
import type { ActionResult } from "../action-results";
import { askToConfirm, isConfirmed, redirectWithResult } from "../confirmation";
import type { ConsoleContext } from "../console-context";
import { checkbox, field, type FieldErrors } from "../form-input";
import { page } from "../page";
import { paths } from "../paths";
import { producerContext } from "./area-support";

/** Longer argument texts are refused: a command line, not a data dump (the column is a longtext). */
const MAX_ARGUMENTS = 10_000;
const MAX_LINES = 200;

const TITLES: Record<CommandConfigurationKind, string> = {
  generation: "Certificate generation (CertificateGenerationCommandConfiguration)",
  purge: "PDF certificate purge (PurgeReferencestoPDFCertificatesCommandConfiguration)",
};

const EXAMPLES: Record<CommandConfigurationKind, string> = {
  generation: "-c course-v1:Org+Course+Run -u 12 34 56   (or --all-enrolled instead of -u; add --dry-run to only preview)",
  purge: "--certificate_ids 1 2 3   (or --user_ids 12 34, or --all; add --dry-run to only list)",
};

const QUEUE_OF: Record<CommandConfigurationKind, QueueName> = { generation: QueueName.CertificateGeneration, purge: QueueName.CertificatePurge };

interface Params {
  kind: string;
}

type Row = Awaited<ReturnType<typeof configurationHistory>>[number];

/**
 * Whether *Run now* can run, and if not why: what `--args-from-database` would answer (no row, or the row in force
 * disabled: upstream's message), or the command's own refusal of stored arguments it cannot parse.
 */
function runnable(kind: CommandConfigurationKind, current: Row | undefined): { ok: true; dryRun: boolean } | { ok: false; reason: string } {
  const model = COMMAND_CONFIGURATIONS[kind];
  if (!current) return { ok: false, reason: `No row yet: ${model.command} --args-from-database has nothing to run. Add an enabled row first.` };
  if (!current.enabled) return { ok: false, reason: `${new ArgumentsDisabledError(model.entity.modelName).message}: the row in force (${current.id}) is disabled. Add an enabled row to run it.` };
  try {
    return { ok: true, dryRun: storedArgumentsDryRun(kind, current.arguments) };
  } catch (err) {
    if (!(err instanceof InvalidArgumentsError || err instanceof RequestRefusedError)) throw err;
    return { ok: false, reason: `${model.command} refuses the stored arguments: ${err.message}` };
  }
}

/**
 * The two command-configuration tables as Django admin shows them (ConfigurationModel: every change is a new row,
 * the newest wins), a form adding a row with the acting user as changed_by, and *run now*: what the command does
 * with --args-from-database, through the same producer code (a stored --dry-run prints the CLI's dry-run lines).
 * Arguments are checked by the command's own parser before they are saved; both actions are confirmed first.
 */
export async function commandConfigurationArea(app: FastifyInstance, opts: { ctx: ConsoleContext }): Promise<void> {
  const { ctx } = opts;
  const producers = producerContext(app, ctx);

  const kindOf = (params: Params): CommandConfigurationKind | null => (params.kind === "generation" || params.kind === "purge" ? params.kind : null);

  async function show(reply: FastifyReply, kind: CommandConfigurationKind, extra: Record<string, unknown> = {}, status = 200): Promise<FastifyReply> {
    const rows = await configurationHistory(ctx.dataSource, kind);
    const model = COMMAND_CONFIGURATIONS[kind];
    return page(
      reply,
      "command-configuration/index.eta",
      {
        title: "Command configuration",
        kind,
        kinds: Object.keys(COMMAND_CONFIGURATIONS),
        heading: TITLES[kind],
        example: EXAMPLES[kind],
        command: model.command,
        upstreamCommand: model.upstreamCommand,
        table: ctx.dataSource.getMetadata(model.entity).tableName,
        rows,
        current: rows[0],
        run: runnable(kind, rows[0]),
        staffNames: await ctx.staff.staffUsernames(rows.map((r) => r.changedById)),
        form: { enabled: rows[0]?.enabled ?? true, arguments: rows[0]?.arguments ?? "" },
        errors: {},
        ...extra,
      },
      status,
    );
  }

  const notFound = (reply: FastifyReply) => page(reply, "error.eta", { title: "Not found", message: "There is no such command configuration: use generation or purge." }, 404);

  app.get(paths.commands.index, async (_request, reply) => reply.redirect(paths.commands.configuration("generation")));

  app.get<{ Params: Params }>(paths.commands.configuration(":kind"), async (request, reply) => {
    const kind = kindOf(request.params);
    return kind ? show(reply, kind) : notFound(reply);
  });

  app.post<{ Params: Params }>(paths.commands.configuration(":kind"), async (request: FastifyRequest<{ Params: Params }>, reply) => {
    const kind = kindOf(request.params);
    if (!kind) return notFound(reply);
    const model = COMMAND_CONFIGURATIONS[kind];
    const enabled = checkbox(request.body, "enabled");
    const text = field(request.body, "arguments").replace(/\r\n/g, "\n");
    const errors: FieldErrors = {};
    if (text.length > MAX_ARGUMENTS) errors.arguments = `The arguments are longer than ${MAX_ARGUMENTS} characters.`;
    else if (enabled || text !== "") {
      // A disabled row may leave the arguments empty (it only switches --args-from-database off); anything stored
      // must be what the command accepts.
      try {
        model.validate(text);
      } catch (err) {
        if (!(err instanceof InvalidArgumentsError || err instanceof RequestRefusedError)) throw err;
        errors.arguments = `${model.command} would refuse these arguments: ${err.message}`;
      }
    }
    if (Object.keys(errors).length > 0) return show(reply, kind, { errors, form: { enabled, arguments: text } }, 400);
    if (!isConfirmed(request)) {
      return askToConfirm(reply, {
        title: `Save a new ${model.entity.modelName} row?`,
        consequences: [
          "The new row becomes the configuration in force (rows are never edited: the newest one wins, as upstream's ConfigurationModel). You are recorded as changed_by.",
          `Enabled: ${enabled ? "yes" : "no"}. Arguments: ${text || "(none)"}`,
          enabled
            ? `${model.command} --args-from-database, its schedule and Run now then use these arguments${storedArgumentsDryRun(kind, text) ? " (a dry run: nothing is enqueued)" : ""}.`
            : `${model.command} --args-from-database, its schedule and Run now then refuse to run until an enabled row is added.`,
        ],
        action: paths.commands.configuration(kind),
        fields: { enabled, arguments: text },
        confirmLabel: "Yes, save the row",
        cancelHref: paths.commands.configuration(kind),
      });
    }
    let id: number;
    try {
      id = await addConfigurationRow(ctx.dataSource, kind, { enabled, arguments: text, changedById: request.staff!.id });
    } catch (err) {
      if (!(err instanceof ConfigurationTableMissingError)) throw err;
      return show(reply, kind, { errors: { arguments: err.message }, form: { enabled, arguments: text } }, 409);
    }
    ctx.logger.info("console: command configuration row added", { userId: request.staff!.id, configuration: kind, rowId: id, enabled });
    return redirectWithResult(request, reply, paths.commands.configuration(kind), { level: "success", message: `Row ${id} added: it is now the configuration in force.` });
  });

  app.post<{ Params: Params }>(paths.commands.run(":kind"), async (request, reply) => {
    const kind = kindOf(request.params);
    if (!kind) return notFound(reply);
    const model = COMMAND_CONFIGURATIONS[kind];
    const [current] = await configurationHistory(ctx.dataSource, kind, 1);
    const can = runnable(kind, current);
    if (!can.ok) return show(reply, kind, { runError: can.reason }, 409);
    if (!isConfirmed(request)) {
      return askToConfirm(reply, {
        title: `Run ${model.command} --args-from-database now?`,
        consequences: [
          `The row in force (${current!.id}) holds: ${current!.arguments}`,
          can.dryRun
            ? "It is a dry run (--dry-run is stored): the command's dry-run lines are shown and nothing is enqueued or changed."
            : `It enqueues the ${QUEUE_OF[kind]} jobs the command would, now, in this request; workers then do the work.`,
        ],
        warnings: !can.dryRun && /--all\b/.test(current!.arguments) ? ["--all selects every matching row of the table: for a very large one, prefer the command line."] : [],
        action: paths.commands.run(kind),
        // The row run is the one confirmed: if another row came into force meanwhile, the run is refused.
        fields: { row: current!.id },
        confirmLabel: can.dryRun ? "Yes, run the dry run" : "Yes, run it",
        cancelHref: paths.commands.configuration(kind),
      });
    }
    if (field(request.body, "row") !== String(current!.id)) {
      return show(reply, kind, { runError: `The configuration in force changed since you confirmed (now row ${current!.id}): nothing was run. Check it and run again.` }, 409);
    }
    // The command's own output lines, the first MAX_LINES kept (a dry run over a large course prints one per learner).
    const lines: Array<{ stream: "out" | "err"; text: string }> = [];
    let dropped = 0;
    let last: { stream: "out" | "err"; text: string } | undefined;
    const keep = (stream: "out" | "err") => (text: string) => {
      if (lines.length < MAX_LINES) lines.push({ stream, text });
      else {
        dropped++;
        last = { stream, text };
      }
    };
    let summary: Awaited<ReturnType<typeof runStoredArguments>>;
    try {
      summary = await runStoredArguments(producers, kind, { out: keep("out"), err: keep("err") });
    } catch (err) {
      // Refusals the parser cannot see beforehand (e.g. unknown course run).
      if (!(err instanceof InvalidArgumentsError || err instanceof RequestRefusedError)) throw err;
      ctx.logger.warn("console: run now refused", { userId: request.staff!.id, configuration: kind, code: err.code });
      return show(reply, kind, { runError: `${model.command} --args-from-database refused: ${err.message}` }, 409);
    }
    ctx.logger.info("console: command configuration run", { userId: request.staff!.id, configuration: kind, dryRun: summary.dryRun });
    const result: ActionResult = {
      level: summary.refused > 0 ? "warning" : "success",
      message: summary.dryRun
        ? `${model.command} --args-from-database --dry-run ran (row ${current!.id}): nothing was enqueued${summary.refused > 0 ? `; ${summary.refused} certificate(s) would be refused (the command exits 1)` : ""}.`
        : `${model.command} --args-from-database ran (row ${current!.id}).`,
      links: summary.dryRun ? [] : [{ href: paths.queues.queue(QUEUE_OF[kind]), label: `The ${QUEUE_OF[kind]} queue` }],
      // The closing summary line is shown even when the lines before it were cut.
      output: { lines, omitted: last ? dropped - 1 : 0, last },
    };
    return redirectWithResult(request, reply, paths.commands.configuration(kind), result);
  });
}
