import type { OptionSpecs, ParsedArgs } from "../command-line/option-specs";

export interface CliIo {
  /** Results, for humans or pipes. */
  out: (line: string) => void;
  /** Progress and warnings. */
  err: (line: string) => void;
  env: NodeJS.ProcessEnv;
  /** Whether a human can answer questions (stdin is a terminal); commands refuse to prompt otherwise. */
  interactive?: boolean;
  /** Shows `question` and resolves with the line typed (without its newline), or null at end of input. */
  prompt?: (question: string) => Promise<string | null>;
}

/**
 * One CLI command, declared as data; src/cli/program.ts turns it into a commander command. Add a command by
 * writing src/cli/commands/<name>.ts exporting its `CommandBody` and listing it, with its name and summary, in
 * src/cli/commands/index.ts.
 */
export interface Command {
  name: string;
  summary: string;
  /** The usage line, starting with "openedx-workers <name>". */
  usage: string;
  /** Longer help shown under the options, e.g. which config variables matter. */
  details?: string;
  /** Options by their long name (`--certificate-ids` is "certificate-ids"); `run` receives them by that name. */
  options: OptionSpecs;
  /** Second-level commands (`<command> <subcommand> [options]`); the first argument selects one. */
  subcommands?: Command[];
  /**
   * Returns the process exit code: 0 ok, 1 failed. Throw UsageError or ConfigError for exit 2, CommandError for
   * exit 1 with just its message.
   */
  run(args: ParsedArgs, io: CliIo): Promise<number>;
}

/** What a top-level command's module exports: the registry (commands/index.ts) holds its name and summary. */
export type CommandBody = Omit<Command, "name" | "summary">;

/** Every command lists it; commander's own help option shows it (`--help, -h`). */
export const HELP_OPTION = { help: { type: "boolean" as const, aliases: ["-h"], description: "Show this help" } };
