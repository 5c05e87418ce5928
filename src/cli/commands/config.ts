import { resolveConfig, type ResolvedVariable } from "../../config";
import { configReferenceTable } from "../../config/reference-table";
import { HELP_OPTION, type CommandBody } from "../command";

export const configCommand: CommandBody = {
  usage: "openedx-workers config [--reference]",
  details: `Each value is shown with its source: as given in the environment, "(from FILE)" when it comes from the YAML
file named by OPENEDX_WORKERS_CONFIG, "(default)" otherwise; the environment wins over the file. Exits 2 and lists
every problem when the configuration is invalid. Secrets are never printed.`,
  options: {
    reference: { type: "boolean", description: "Print the variable reference (name, default, description) as a Markdown table" },
    ...HELP_OPTION,
  },
  async run({ options }, io) {
    if (options.reference) {
      io.out(configReferenceTable());
      return 0;
    }
    const { variables, file } = resolveConfig(io.env); // throws ConfigError (exit 2) listing every problem
    for (const v of variables) io.out(`${v.name.padEnd(34)} ${shownValue(v, file)}`);
    io.out("configuration is valid");
    return 0;
  },
};

function shownValue(v: ResolvedVariable, file: string | undefined): string {
  if (v.source === "default") return `(default) ${v.default ?? "unset"}`;
  const from = v.source === "file" ? `from ${file}` : "";
  if (v.secret) return from ? `(set ${from}, hidden)` : "(set, hidden)";
  const text = typeof v.raw === "string" ? redactUrl(v.raw) : JSON.stringify(v.raw);
  return from ? `(${from}) ${text}` : text;
}

function redactUrl(value: string): string {
  try {
    const url = new URL(value);
    if (url.password) url.password = "***";
    return url.protocol.length > 1 && value.includes("://") ? url.toString() : value;
  } catch {
    return value;
  }
}
