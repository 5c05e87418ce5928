import { Command as Commander, CommanderError } from "commander";
import { addOptions, commanderMessage, optionsOf, optionTerm } from "../command-line/option-specs";
import { UsageError } from "../errors/usage-error";
import type { CliIo, Command } from "./command";
import { COMMANDS } from "./commands";

const PROGRAM = "openedx-workers";

/** A command's help, laid out as this CLI has always shown it. */
function commandHelp(cmd: Command): string {
  const subcommands = cmd.subcommands?.length
    ? ["", "Subcommands (see '<command> <subcommand> --help'):", ...cmd.subcommands.map((s) => `  ${s.name.padEnd(16)}  ${s.summary}`)]
    : [];
  const rows = Object.entries(cmd.options).map(([name, spec]) => [optionTerm(name, spec), spec.description] as const);
  const width = Math.max(...rows.map(([term]) => term.length), 10);
  const options = rows.map(([term, description]) => `  ${term.padEnd(width)}  ${description}`).join("\n");
  return [`Usage: ${cmd.usage}`, "", cmd.summary + ".", ...subcommands, "", "Options:", options, cmd.details ? `\n${cmd.details}` : ""].join("\n");
}

export function globalHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    `Usage: ${PROGRAM} <command> [options]`,
    "",
    "Background workers for Open edX: PDF certificate purge, certificate generation, learner retirement.",
    "",
    "Commands:",
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
    `Run '${PROGRAM} <command> --help' for a command's options. Configuration comes from environment`,
    `variables and the optional YAML file named by OPENEDX_WORKERS_CONFIG: see '${PROGRAM} config --help'.`,
  ].join("\n");
}

/** The command a run reached: named as in messages ("retirement-status set"), for errors raised while parsing. */
export interface Reached {
  name?: string;
  command?: Command;
}

/**
 * The commander program for one run: every command of COMMANDS with its options (and aliases), its help, and an
 * action that calls `run`. Only the command `argv` names (`<command> …` or `help <command> …`) is loaded and set up
 * in full; the others are listed by name and summary, which is all the global help shows, so a start loads the
 * modules (and libraries) of one command at most. Errors are not printed here: commander throws (exitOverride)
 * and runCli maps them.
 */
export function buildProgram(io: CliIo, reached: Reached, onExit: (code: number) => void, argv: string[]): Commander {
  const specs = new WeakMap<Commander, { command: Command; name: string }>();
  const program = new Commander(PROGRAM)
    .exitOverride()
    .enablePositionalOptions() // `retirement-status set --user-id 1`: the option is the subcommand's
    .allowExcessArguments(true) // an extra argument is refused by `run`, with the subcommands named
    .helpOption("-h, --help", "Show this help")
    .configureOutput({ writeOut: (text) => io.out(text), writeErr: (text) => io.err(text.replace(/\n$/, "")), outputError: () => {} })
    .configureHelp({ formatHelp: (cmd) => (specs.has(cmd) ? commandHelp(specs.get(cmd)!.command) : globalHelp()) });

  const track = (_self: Commander, sub: Commander): void => {
    const found = specs.get(sub);
    if (found) Object.assign(reached, { name: found.name, command: found.command });
  };
  const add = (parent: Commander, command: Command, name: string): void => {
    const cmd = parent.command(command.name).description(command.summary);
    specs.set(cmd, { command, name });
    addOptions(cmd, command.options);
    cmd.hook("preSubcommand", track);
    cmd.action(async (_opts: unknown, self: Commander) => {
      if (self.args.length > 0) {
        const known = command.subcommands?.length ? ` (subcommands: ${command.subcommands.map((s) => s.name).join(", ")})` : "";
        throw new UsageError(`unexpected argument ${self.args[0]}${known}`);
      }
      onExit(await command.run({ options: optionsOf(self, command.options), positionals: [] }, io));
    });
    for (const sub of command.subcommands ?? []) add(cmd, sub, `${name} ${sub.name}`);
  };
  const wanted = argv[0] === "help" ? argv[1] : argv[0];
  for (const entry of COMMANDS) {
    if (entry.name === wanted) add(program, entry.load(), entry.name);
    else program.command(entry.name).description(entry.summary);
  }
  program.hook("preSubcommand", track);
  return program;
}

/** Exit code and message for an error commander raised while parsing (help shown, unknown option, missing value…). */
export function commanderOutcome(err: CommanderError, reached: Reached, argv: string[]): { code: number; err?: string } {
  if (err.code === "commander.helpDisplayed" || err.code === "commander.help" || err.code === "commander.version") return { code: err.exitCode === 0 ? 0 : 2 };
  if (!reached.command) {
    // No command reached: the first argument (after `help`) is an unknown command, or `--x` an unknown option.
    const name = argv[0] === "help" ? argv[1] : argv[0];
    return { code: 2, err: `${PROGRAM}: unknown command "${name ?? ""}"\n\n${globalHelp()}` };
  }
  return { code: 2, err: `${PROGRAM} ${reached.name}: ${commanderMessage(err)}\nUsage: ${reached.command.usage}` };
}
