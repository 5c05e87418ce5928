import { ConfigError } from "../errors/config-error";
import { ConfigSource, type VariableDoc } from "./config-source";
import { readCertificatesConfig, type CertificatesConfig } from "./sections/certificates";
import { readGenerationConfig, type GenerationConfig } from "./sections/generation";
import { readConsoleConfig, type ConsoleConfig } from "./sections/console";
import { readCoreConfig, type CoreConfig } from "./sections/core";
import { readOrganizationsConfig, type OrganizationsConfig } from "./sections/organizations";
import { readResilienceConfig, type ResilienceConfig } from "./sections/resilience";
import { readRetirementConfig, type RetirementConfig } from "./sections/retirement";

export interface AppConfig extends CoreConfig {
  certificates: CertificatesConfig;
  retirement: RetirementConfig;
  generation: GenerationConfig;
  console: ConsoleConfig;
  organizations: OrganizationsConfig;
  resilience: ResilienceConfig;
}

export interface LoadOptions {
  /** Variables the calling command cannot work without, beyond the always-required ones. */
  require?: string[];
}

/** Each section reads its own variables; later issues add a section here and nothing else changes. */
function readAll(src: ConfigSource): AppConfig {
  return {
    ...readCoreConfig(src),
    certificates: readCertificatesConfig(src),
    retirement: readRetirementConfig(src),
    generation: readGenerationConfig(src),
    console: readConsoleConfig(src),
    organizations: readOrganizationsConfig(src),
    resilience: readResilienceConfig(src),
  };
}

/** Loads and validates the whole configuration; throws one ConfigError listing every problem. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, opts: LoadOptions = {}): AppConfig {
  const src = ConfigSource.fromEnvironment(env);
  const config = readAll(src);
  for (const key of src.unknownFileKeys()) src.problem(key, `unknown variable in ${env.OPENEDX_WORKERS_CONFIG}`);
  for (const name of opts.require ?? []) {
    const doc = src.docs.find((d) => d.name === name);
    if (!doc) throw new Error(`internal: required variable ${name} is not defined by any config section`);
    const requirement = src.requirements.get(name);
    if (requirement) {
      for (const problem of [requirement() ?? []].flat()) src.problem(name, problem);
      continue;
    }
    if (doc.default === undefined && src.string(name, doc.description) === undefined) src.problem(name, "is required for this command");
  }
  if (src.problems.length > 0) throw new ConfigError(src.problems);
  return config;
}

/** Every variable with its description and default, in definition order. */
export function configReference(): VariableDoc[] {
  const src = new ConfigSource({});
  readAll(src);
  return src.docs;
}

export type { ConsoleConfig, CoreConfig, CertificatesConfig, GenerationConfig, OrganizationsConfig, ResilienceConfig, RetirementConfig };
