import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { InvalidArgumentsError } from "../../errors/invalid-arguments-error";
import { RequestRefusedError } from "../../errors/request-refused-error";
import {
  COMMAND_CONFIGURATIONS,
  ConfigurationTableMissingError,
  addConfigurationRow,
  configurationHistory,
  runStoredArguments,
  type CommandConfigurationKind,
} from "../../producers/command-configuration.producer";
import type { ConsoleContext } from "../console-context";
import { checkbox, field, type FieldErrors } from "../form-input";
import { page, producerContext } from "./area-support";

export const COMMANDS_PATH = "/commands";
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

interface Params {
  kind: string;
}

/**
 * The two command-configuration tables as Django admin shows them (ConfigurationModel: every change is a new row,
 * the newest wins), a form adding a row with the acting user as changed_by, and *run now*: what the command does
 * with --args-from-database, through the same producer code. Arguments are checked by the command's own parser
 * before they are saved.
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
        form: { enabled: rows[0]?.enabled ?? true, arguments: rows[0]?.arguments ?? "" },
        errors: {},
        ...extra,
      },
      status,
    );
  }

  const notFound = (reply: FastifyReply) => page(reply, "error.eta", { title: "Not found", message: "There is no such command configuration: use generation or purge." }, 404);

  app.get(COMMANDS_PATH, async (_request, reply) => reply.redirect(`${COMMANDS_PATH}/generation`));

  app.get<{ Params: Params; Querystring: { added?: string } }>(`${COMMANDS_PATH}/:kind`, async (request, reply) => {
    const kind = kindOf(request.params);
    if (!kind) return notFound(reply);
    const added = Number(request.query.added);
    return show(reply, kind, Number.isSafeInteger(added) && added > 0 ? { notice: `Row ${added} added: it is now the configuration in force.` } : {});
  });

  app.post<{ Params: Params }>(`${COMMANDS_PATH}/:kind`, async (request: FastifyRequest<{ Params: Params }>, reply) => {
    const kind = kindOf(request.params);
    if (!kind) return notFound(reply);
    const enabled = checkbox(request.body, "enabled");
    const text = field(request.body, "arguments").replace(/\r\n/g, "\n");
    const errors: FieldErrors = {};
    if (text.length > MAX_ARGUMENTS) errors.arguments = `The arguments are longer than ${MAX_ARGUMENTS} characters.`;
    else if (enabled || text !== "") {
      // A disabled row may leave the arguments empty (it only switches --args-from-database off); anything stored
      // must be what the command accepts.
      try {
        COMMAND_CONFIGURATIONS[kind].validate(text);
      } catch (err) {
        if (!(err instanceof InvalidArgumentsError || err instanceof RequestRefusedError)) throw err;
        errors.arguments = `${COMMAND_CONFIGURATIONS[kind].command} would refuse these arguments: ${err.message}`;
      }
    }
    if (Object.keys(errors).length > 0) return show(reply, kind, { errors, form: { enabled, arguments: text } }, 400);
    let id: number;
    try {
      id = await addConfigurationRow(ctx.dataSource, kind, { enabled, arguments: text, changedById: request.staff!.id });
    } catch (err) {
      if (!(err instanceof ConfigurationTableMissingError)) throw err;
      return show(reply, kind, { errors: { arguments: err.message }, form: { enabled, arguments: text } }, 409);
    }
    ctx.logger.info("console: command configuration row added", { userId: request.staff!.id, configuration: kind, rowId: id, enabled });
    return reply.redirect(`${COMMANDS_PATH}/${kind}?added=${id}`, 303);
  });

  app.post<{ Params: Params }>(`${COMMANDS_PATH}/:kind/run`, async (request, reply) => {
    const kind = kindOf(request.params);
    if (!kind) return notFound(reply);
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
    try {
      await runStoredArguments(producers, kind, { out: keep("out"), err: keep("err") });
    } catch (err) {
      // Disabled (upstream's message), or rows saved before this check / by Django admin that the command refuses.
      if (!(err instanceof InvalidArgumentsError || err instanceof RequestRefusedError)) throw err;
      ctx.logger.warn("console: run now refused", { userId: request.staff!.id, configuration: kind, code: err.code });
      return show(reply, kind, { runError: `${COMMAND_CONFIGURATIONS[kind].command} --args-from-database refused: ${err.message}` }, 409);
    }
    ctx.logger.info("console: command configuration run", { userId: request.staff!.id, configuration: kind });
    // The closing summary line is shown even when the lines before it were cut.
    return show(reply, kind, { runOutput: lines, runTruncated: last ? dropped - 1 : 0, runLast: last });
  });
}
