import { createInterface } from "node:readline";
import { ConfigError } from "../errors/config-error";
import { CommandError } from "../errors/command-error";
import { UsageError } from "../errors/usage-error";
import { formatOptions, parseArgs } from "./args";
import type { CliIo, Command } from "./command";
import { COMMANDS } from "./commands";

export function commandHelp(cmd: Command): string {
  const subcommands = cmd.subcommands?.length
    ? ["", "Subcommands (see '<command> <subcommand> --help'):", ...cmd.subcommands.map((s) => `  ${s.name.padEnd(16)}  ${s.summary}`)]
    : [];
  return [`Usage: ${cmd.usage}`, "", cmd.summary + ".", ...subcommands, "", "Options:", formatOptions(cmd.options), cmd.details ? `\n${cmd.details}` : ""].join("\n");
}

export function globalHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    "Usage: openedx-workers <command> [options]",
    "",
    "Background workers for Open edX: PDF certificate purge, certificate generation, learner retirement.",
    "",
    "Commands:",
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
    "Run 'openedx-workers <command> --help' for a command's options. Configuration comes from environment",
    "variables and the optional YAML file named by OPENEDX_WORKERS_CONFIG: see 'openedx-workers config --help'.",
  ].join("\n");
}

/** Runs one CLI invocation and returns its exit code: 0 ok, 1 command failed, 2 usage or configuration error. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [name, ...afterName] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    io.out(globalHelp());
    return name ? 0 : 2;
  }
  const top = COMMANDS.find((c) => c.name === name);
  if (!top) {
    io.err(`openedx-workers: unknown command "${name}"\n\n${globalHelp()}`);
    return 2;
  }
  const [cmd, rest] = selectSubcommand(top, afterName);
  try {
    const args = parseArgs(rest, cmd.options);
    if (args.options.help) {
      io.out(commandHelp(cmd));
      return 0;
    }
    if (args.positionals.length > 0) {
      const known = cmd.subcommands?.length ? ` (subcommands: ${cmd.subcommands.map((s) => s.name).join(", ")})` : "";
      throw new UsageError(`unexpected argument ${args.positionals[0]}${known}`);
    }
    return await cmd.run(args, io);
  } catch (err) {
    if (err instanceof ConfigError) {
      io.err(err.message);
      return 2;
    }
    if (err instanceof UsageError) {
      io.err(`openedx-workers ${cmd.name}: ${err.message}\nUsage: ${cmd.usage}`);
      return 2;
    }
    if (err instanceof CommandError) {
      io.err(`openedx-workers ${cmd.name}: ${err.message}`);
      return 1;
    }
    // Anything else is an operational failure: one line, the stack only when debugging.
    const e = err as Error;
    io.err(`openedx-workers ${cmd.name}: ${io.env.LOG_LEVEL === "debug" ? (e.stack ?? String(err)) : (e.message ?? String(err)).split("\n")[0]}`);
    return 1;
  }
}

/** Asks on stdout and reads one line of stdin; null when stdin ends first. */
function promptLine(question: string): Promise<string | null> {
  return new Promise((resolve) => {
    const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: process.stdin.isTTY === true });
    let answered = false;
    rl.question(question, (answer) => {
      answered = true;
      rl.close();
      resolve(answer);
    });
    rl.once("close", () => {
      if (!answered) resolve(null);
    });
  });
}

/** `retirement-status set …` runs the `set` subcommand, named "retirement-status set" in messages. */
function selectSubcommand(cmd: Command, rest: string[]): [Command, string[]] {
  const sub = cmd.subcommands?.find((s) => s.name === rest[0]);
  return sub ? [{ ...sub, name: `${cmd.name} ${sub.name}` }, rest.slice(1)] : [cmd, rest];
}

if (require.main === module || process.argv[1]?.endsWith("openedx-workers.js") || process.argv[1]?.endsWith("openedx-workers")) {
  runCli(process.argv.slice(2), {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    env: process.env,
    interactive: process.stdin.isTTY === true,
    prompt: promptLine,
  }).then(
    (code) => {
      process.exitCode = code;
      // A command has returned: whatever handle still lingers (a reconnecting client, a hung socket), the process
      // ends soon. The timer does not itself keep the process alive.
      setTimeout(() => process.exit(code), 1000).unref();
    },
    (err) => {
      process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
