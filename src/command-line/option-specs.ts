import { Command as CommanderCommand, CommanderError, Option } from "commander";
import { InvalidArgumentsError } from "../errors/invalid-arguments-error";
import { shellWords } from "./shell-words";

type OptionType = "boolean" | "string" | "list";

/**
 * One option of a command, declared as data so the same declaration serves the CLI and the argument strings
 * stored in edx-platform's command-configuration rows (parsed by producers, which must not import the CLI).
 * commander does the parsing; see `addOptions`.
 */
interface OptionSpec {
  type: OptionType;
  /** Other spellings, e.g. upstream's `--certificate_ids` or a short `-u`. */
  aliases?: string[];
  description: string;
  valueName?: string;
}

export type OptionSpecs = Record<string, OptionSpec>;

export type ParsedOptions = Record<string, boolean | string | string[] | undefined>;

export interface ParsedArgs {
  options: ParsedOptions;
  positionals: string[];
}

/**
 * An extra spelling of an option (upstream's `--certificate_ids` for `--certificate-ids`): commander allows one
 * short and one long flag per option, so each alias is a hidden option writing into the canonical option's value.
 */
class AliasOption extends Option {
  constructor(
    flags: string,
    private readonly target: string,
  ) {
    super(flags);
    this.hideHelp();
  }

  override attributeName(): string {
    return this.target;
  }
}

/** List values: space-separated after the flag (argparse's nargs='+') and/or comma-separated, accumulated. */
function collectList(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), ...value.split(",").map((v) => v.trim()).filter(Boolean)];
}

function flagsOf(name: string, spec: OptionSpec, flag: string): string {
  if (spec.type === "boolean") return flag;
  const value = spec.valueName ?? "VALUE";
  return spec.type === "list" ? `${flag} <${value}...>` : `${flag} <${value}>`;
}

/** Help term of an option as this CLI has always shown it: every spelling, then the value name. */
export function optionTerm(name: string, spec: OptionSpec): string {
  const flags = [`--${name}`, ...(spec.aliases ?? [])].join(", ");
  return spec.type === "boolean" ? flags : `${flags} ${spec.valueName ?? "VALUE"}${spec.type === "list" ? "…" : ""}`;
}

/** Adds the specs to a commander command (a `help` spec is left to commander's own help option). */
export function addOptions(cmd: CommanderCommand, specs: OptionSpecs): void {
  for (const [name, spec] of Object.entries(specs)) {
    if (name === "help") continue;
    const option = new Option(flagsOf(name, spec, `--${name}`), spec.description);
    if (spec.type === "list") option.argParser(collectList);
    cmd.addOption(option);
    for (const alias of spec.aliases ?? []) {
      const extra = new AliasOption(flagsOf(name, spec, alias), option.attributeName());
      if (spec.type === "list") extra.argParser(collectList);
      cmd.addOption(extra);
    }
  }
}

/** The parsed options keyed by their spec names (`certificate-ids`, not commander's `certificateIds`). */
export function optionsOf(cmd: CommanderCommand, specs: OptionSpecs): ParsedOptions {
  const values = cmd.opts();
  const options: ParsedOptions = {};
  for (const name of Object.keys(specs)) {
    const value = values[new Option(`--${name}`).attributeName()];
    // commander reads `--no-enqueue` as "enqueue", true unless given; commands see the flag as they declared it.
    if (name.startsWith("no-")) options[name] = value === false ? true : undefined;
    else if (value !== undefined) options[name] = value as ParsedOptions[string];
  }
  return options;
}

/**
 * Parses an argument list (e.g. a stored `arguments` text, split by `shellWords`) against option specs with
 * commander; anything wrong is a InvalidArgumentsError naming it.
 */
export function parseOptionList(argv: string[], specs: OptionSpecs): ParsedOptions {
  const cmd = new CommanderCommand("arguments")
    .exitOverride()
    .configureOutput({ writeOut: () => {}, writeErr: () => {}, outputError: () => {} })
    .helpOption(false)
    .allowExcessArguments(false);
  addOptions(cmd, specs);
  try {
    cmd.parse(argv, { from: "user" });
  } catch (err) {
    if (err instanceof CommanderError) throw new InvalidArgumentsError(commanderMessage(err));
    throw err;
  }
  return optionsOf(cmd, specs);
}

/** commander's error text without its "error: " prefix. */
export function commanderMessage(err: CommanderError): string {
  return err.message.replace(/^error: /, "");
}

/** A stored argument text (`-u 1 2 -c course-v1:…`), split like upstream's shlex.split, then parsed against the specs. */
export function parseArgumentText(text: string, specs: OptionSpecs): ParsedOptions {
  return parseOptionList(shellWords(text), specs);
}
