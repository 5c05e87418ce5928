import { randomBytes } from "node:crypto";
import { loadConfig } from "../../config";
import { closeConsoleContext, createConsoleContext, openConsoleDatabase } from "../../console/console-context";
import { buildConsoleServer } from "../../console/server";
import { UsageError } from "../../errors/usage-error";
import { createLogger } from "../../logging/logger";
import { parseIntOption } from "../args";
import { HELP_OPTION, type CommandBody } from "../command";

/** How long in-flight requests may take after SIGTERM before the server closes anyway. */
const CLOSE_TIMEOUT_MS = 10_000;

export const consoleCommand: CommandBody = {
  usage: "openedx-workers console [--port 8080] [--host 127.0.0.1]",
  details: `Sign in at /login with an active LMS staff account (auth_user.is_staff); superusers and members of
CONSOLE_ADMIN_GROUP are admins, other staff are read-only. Needs CONSOLE_SESSION_SECRET (32+ characters) outside
OPENEDX_WORKERS_DEVELOPMENT_MODE. See docs/console.md. SIGTERM/SIGINT stop it.`,
  options: {
    port: { type: "string", valueName: "N", description: "Port to listen on (default CONSOLE_PORT, 8080; 0 = any free port)" },
    host: { type: "string", valueName: "ADDR", description: "Address to listen on (default CONSOLE_HOST, 127.0.0.1)" },
    ...HELP_OPTION,
  },
  async run({ options }, io) {
    const config = loadConfig(io.env, { require: ["CONSOLE_SESSION_SECRET", "CONSOLE_COOKIE_SECURE"] });
    const port = parseIntOption(options.port as string | undefined, "--port", { default: config.console.port, min: 0 });
    if (port > 65535) throw new UsageError("--port must be at most 65535");
    const host = (options.host as string | undefined) ?? config.console.host;
    const logger = createLogger(config);
    let sessionSecret = config.console.sessionSecret;
    if (!sessionSecret) {
      sessionSecret = randomBytes(32).toString("base64url");
      logger.warn("CONSOLE_SESSION_SECRET is unset (development mode): using a random one, sessions end when the console restarts");
    }

    const ctx = createConsoleContext(config, logger);
    await openConsoleDatabase(ctx);
    const app = await buildConsoleServer(ctx, { sessionSecret });
    const stopped = new Promise<NodeJS.Signals>((resolve) => {
      process.once("SIGTERM", resolve);
      process.once("SIGINT", resolve);
    });
    const address = await app.listen({ port, host });
    logger.info("console listening", { address });
    io.err(`console listening on ${address} (sign in at ${address}/login)`);

    const signal = await stopped;
    logger.info("console shutting down", { signal });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([app.close(), new Promise((resolve) => (timer = setTimeout(resolve, CLOSE_TIMEOUT_MS)))]);
    clearTimeout(timer);
    await closeConsoleContext(ctx);
    return 0;
  },
};
