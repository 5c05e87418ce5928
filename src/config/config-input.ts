import fs from "node:fs";
import YAML from "yaml";
import { ConfigError } from "../errors/config-error";

export type ValueSource = "environment" | "file" | "default";

/** Where raw values come from: the environment first, then the optional YAML file named by OPENEDX_WORKERS_CONFIG. */
export interface ConfigInput {
  /** The YAML file's path, when one is configured. */
  file?: string;
  /** The raw value of a variable and its source; undefined when unset (an empty value counts as unset). */
  value(name: string): { raw: unknown; source: Exclude<ValueSource, "default"> } | undefined;
  /** Every key of the YAML file, so a typo there is reported rather than silently ignored. */
  fileKeys(): string[];
}

export function readConfigInput(env: NodeJS.ProcessEnv): ConfigInput {
  const file = env.OPENEDX_WORKERS_CONFIG || undefined;
  const fileValues = file ? readYaml(file) : {};
  return {
    file,
    value(name) {
      const fromEnv = env[name];
      if (fromEnv !== undefined && fromEnv !== "") return { raw: fromEnv, source: "environment" };
      const fromFile = fileValues[name];
      if (fromFile === undefined || fromFile === null || fromFile === "") return undefined;
      return { raw: fromFile, source: "file" };
    },
    fileKeys: () => Object.keys(fileValues),
  };
}

function readYaml(file: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = YAML.parse(fs.readFileSync(file, "utf8"));
  } catch (err) {
    throw new ConfigError([`OPENEDX_WORKERS_CONFIG: cannot read YAML file ${file}: ${(err as Error).message}`]);
  }
  if (parsed == null) return {};
  if (typeof parsed !== "object" || Array.isArray(parsed)) throw new ConfigError([`OPENEDX_WORKERS_CONFIG: ${file} must hold a mapping of VARIABLE: value`]);
  return parsed as Record<string, unknown>;
}
