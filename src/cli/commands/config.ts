import { configReference, loadConfig } from "../../config";
import { configReferenceTable } from "../../config/reference-table";
import { HELP_OPTION, type Command } from "../command";

export const configCommand: Command = {
  name: "config",
  summary: "Validate the configuration and show every variable, its value and where it came from",
  usage: "openedx-workers config [--reference]",
  details: "Exits 2 and lists every problem when the configuration is invalid. Secrets are never printed.",
  options: {
    reference: { type: "boolean", description: "Print the variable reference (name, default, description) as a Markdown table" },
    ...HELP_OPTION,
  },
  async run({ options }, io) {
    const docs = configReference();
    if (options.reference) {
      io.out(configReferenceTable());
      return 0;
    }
    loadConfig(io.env); // throws ConfigError (exit 2) listing every problem
    for (const d of docs) {
      const raw = io.env[d.name];
      const shown = raw === undefined || raw === "" ? `(default) ${d.default ?? "unset"}` : d.secret ? "(set, hidden)" : redactUrl(raw);
      io.out(`${d.name.padEnd(34)} ${shown}`);
    }
    io.out("configuration is valid");
    return 0;
  },
};

function redactUrl(value: string): string {
  try {
    const url = new URL(value);
    if (url.password) url.password = "***";
    return url.protocol.length > 1 && value.includes("://") ? url.toString() : value;
  } catch {
    return value;
  }
}
