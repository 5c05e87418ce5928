import type { OptionSpecs, ParsedArgs } from "./args";

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

export interface Command {
  name: string;
  summary: string;
  usage: string;
  /** Longer help shown under the options, e.g. which config variables matter. */
  details?: string;
  options: OptionSpecs;
  /** Second-level commands (`<command> <subcommand> [options]`); the first argument selects one. */
  subcommands?: Command[];
  /** Returns the process exit code. */
  run(args: ParsedArgs, io: CliIo): Promise<number>;
}

export const HELP_OPTION = { help: { type: "boolean" as const, aliases: ["-h"], description: "Show this help" } };
