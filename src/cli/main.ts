import { createInterface } from "node:readline";
import { CommanderError } from "commander";
import { ConfigError } from "../errors/config-error";
import { InvalidArgumentsError } from "../errors/invalid-arguments-error";
import { RequestRefusedError } from "../errors/request-refused-error";
import { describeS3Error, isS3ServiceError } from "../storage/s3-error";
import type { CliIo } from "./command";
import { buildProgram, commanderOutcome, globalHelp, type Reached } from "./program";


/** Runs one CLI invocation and returns its exit code: 0 ok, 1 command failed, 2 usage or configuration error. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  if (argv.length === 0) {
    io.out(globalHelp());
    return 2;
  }
  const reached: Reached = {};
  let code = 0;
  const program = buildProgram(io, reached, (c) => (code = c), argv);
  try {
    await program.parseAsync(argv, { from: "user" });
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      const outcome = commanderOutcome(err, reached, argv);
      if (outcome.err) io.err(outcome.err);
      return outcome.code;
    }
    const name = reached.name ?? argv[0];
    if (err instanceof ConfigError) {
      io.err(err.message);
      return 2;
    }
    if (err instanceof InvalidArgumentsError) {
      io.err(`openedx-workers ${name}: ${err.message}${reached.command ? `\nUsage: ${reached.command.usage}` : ""}`);
      return 2;
    }
    if (err instanceof RequestRefusedError) {
      io.err(`openedx-workers ${name}: ${err.message}`);
      return 1;
    }
    // Anything else is an operational failure: one line, the stack only when debugging. An S3 answer is named by its
    // code (the SDK's message is often just "UnknownError").
    const e = err as Error;
    const line = isS3ServiceError(err) ? `S3 refused the request: ${describeS3Error(err)}` : (e.message ?? String(err)).split("\n")[0];
    io.err(`openedx-workers ${name}: ${io.env.LOG_LEVEL === "debug" ? (e.stack ?? String(err)) : line}`);
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
