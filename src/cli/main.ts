import { ConfigError } from "../errors/config-error";
import { CommandError } from "../errors/command-error";
import { UsageError } from "../errors/usage-error";
import { formatOptions, parseArgs } from "./args";
import type { CliIo, Command } from "./command";
import { COMMANDS } from "./commands";

export function commandHelp(cmd: Command): string {
  return [`Usage: ${cmd.usage}`, "", cmd.summary + ".", "", "Options:", formatOptions(cmd.options), cmd.details ? `\n${cmd.details}` : ""].join("\n");
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
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    io.out(globalHelp());
    return name ? 0 : 2;
  }
  const cmd = COMMANDS.find((c) => c.name === name);
  if (!cmd) {
    io.err(`openedx-workers: unknown command "${name}"\n\n${globalHelp()}`);
    return 2;
  }
  try {
    const args = parseArgs(rest, cmd.options);
    if (args.options.help) {
      io.out(commandHelp(cmd));
      return 0;
    }
    if (args.positionals.length > 0) throw new UsageError(`unexpected argument ${args.positionals[0]}`);
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
    io.err(`openedx-workers ${cmd.name}: ${(err as Error).stack ?? String(err)}`);
    return 1;
  }
}

if (require.main === module || process.argv[1]?.endsWith("openedx-workers.js") || process.argv[1]?.endsWith("openedx-workers")) {
  runCli(process.argv.slice(2), {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    env: process.env,
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
