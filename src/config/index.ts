import { ConfigError } from "../errors/config-error";
import { readConfigInput, type ConfigInput, type ValueSource } from "./config-input";
import type { ConfigSection, SectionChecks, SectionConfig } from "./section";
import { certificatesSection, type CertificatesConfig } from "./sections/certificates";
import { consoleSection } from "./sections/console";
import { coreSection, type CoreConfig } from "./sections/core";
import { credentialsSection, type CredentialsConfig } from "./sections/credentials";
import { erasureSection, type ErasureConfig } from "./sections/erasure";
import { eventBusSection, type EventBusConfig } from "./sections/event-bus";
import { generationSection, type GenerationConfig } from "./sections/generation";
import { lmsFeaturesSection, type LmsFeaturesConfig } from "./sections/lms-features";
import { organizationsSection } from "./sections/organizations";
import { resilienceSection, type ResilienceConfig } from "./sections/resilience";
import { retirementSection, type RetirementConfig } from "./sections/retirement";
import { extraErasuresSection } from "./sections/retirement-extra-erasures";
import { partnerReportSection } from "./sections/retirement-partner-report";
import { docDefaultOf, type ValuesOf, type Variables } from "./variable";

/**
 * The configuration registry. To add a section: write src/config/sections/<name>.ts exporting
 * `defineSection({ VARIABLE: variable(schema, { description, default?, secret? }), … }, (values, checks) => config)`
 * (schemas from ../variable: text, int, bool, oneOf, url, list, stringList, cron, or any zod schema), then add it
 * to SECTIONS below: `config`, `config --reference`, the reference in docs/configuration.md (`npx tsx scripts/update-readme-config.ts`)
 * and unknown-YAML-key detection follow. The core section's fields sit at the top level of AppConfig.
 */
const CORE = coreSection;
const SECTIONS = {
  certificates: certificatesSection,
  retirement: retirementSection,
  extraErasures: extraErasuresSection,
  partnerReport: partnerReportSection,
  generation: generationSection,
  console: consoleSection,
  organizations: organizationsSection,
  resilience: resilienceSection,
  erasure: erasureSection,
  eventBus: eventBusSection,
  credentials: credentialsSection,
  features: lmsFeaturesSection,
};

export type AppConfig = SectionConfig<typeof CORE> & { [K in keyof typeof SECTIONS]: SectionConfig<(typeof SECTIONS)[K]> };

const ALL_SECTIONS: ConfigSection[] = [CORE, ...Object.values(SECTIONS)] as unknown as ConfigSection[];

interface LoadOptions {
  /** Variables the calling command cannot work without, beyond the always-required ones. */
  require?: string[];
}

/** One documented configuration variable; the list of them is the config reference (docs/configuration.md, `config --reference`). */
interface VariableDoc {
  name: string;
  description: string;
  default?: string;
  secret?: boolean;
}

/** A variable as this run sees it: where its value came from, and the raw value (undefined when defaulted). */
export interface ResolvedVariable extends VariableDoc {
  source: ValueSource;
  raw?: unknown;
}

interface Loaded {
  config: AppConfig;
  problems: string[];
  variables: ResolvedVariable[];
  input: ConfigInput;
}

function load(env: NodeJS.ProcessEnv, opts: LoadOptions): Loaded {
  const input = readConfigInput(env);
  const problems: string[] = [];
  const requirements = new Map<string, () => string | string[] | undefined>();
  const variables: ResolvedVariable[] = [];
  const checks: SectionChecks = {
    problem: (name, message) => problems.push(`${name}: ${message}`),
    requirement: (name, check) => requirements.set(name, check),
  };
  const build = (section: ConfigSection): unknown => {
    const values: Record<string, unknown> = {};
    for (const [name, v] of Object.entries(section.variables)) {
      const given = input.value(name);
      const shared = variables.some((known) => known.name === name); // read by an earlier section: listed, checked once
      if (!shared) variables.push({ name, description: v.description, default: docDefaultOf(v), secret: v.secret, source: given?.source ?? "default", raw: given?.raw });
      values[name] = v.default;
      if (given === undefined) continue;
      const parsed = v.schema.safeParse(given.raw);
      if (parsed.success) values[name] = parsed.data ?? v.default;
      else if (!shared) for (const issue of parsed.error.issues) checks.problem(name, issue.message);
    }
    return section.build(values as ValuesOf<Variables>, checks);
  };

  const core = build(CORE as unknown as ConfigSection) as CoreConfig;
  const nested = Object.fromEntries(Object.entries(SECTIONS).map(([key, section]) => [key, build(section as unknown as ConfigSection)]));
  const config = { ...core, ...nested } as AppConfig;

  const known = new Set(variables.map((v) => v.name));
  for (const key of input.fileKeys()) if (!known.has(key)) checks.problem(key, `unknown variable in ${input.file}`);
  for (const name of opts.require ?? []) {
    const variable = variables.find((v) => v.name === name);
    if (!variable) throw new Error(`internal: required variable ${name} is not defined by any config section`);
    const requirement = requirements.get(name);
    if (requirement) {
      for (const problem of [requirement() ?? []].flat()) checks.problem(name, problem);
    } else if (variable.default === undefined && variable.source === "default") checks.problem(name, "is required for this command");
  }
  return { config, problems, variables, input };
}

/** Loads and validates the whole configuration; throws one ConfigError listing every problem. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, opts: LoadOptions = {}): AppConfig {
  const { config, problems } = load(env, opts);
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

/** Every variable with where this run takes it from (environment, YAML file or default); throws like loadConfig. */
export function resolveConfig(env: NodeJS.ProcessEnv = process.env): { variables: ResolvedVariable[]; file?: string } {
  const { problems, variables, input } = load(env, {});
  if (problems.length > 0) throw new ConfigError(problems);
  return { variables, file: input.file };
}

/** Every variable with its description and default, in definition order. */
export function configReference(): VariableDoc[] {
  const docs = ALL_SECTIONS.flatMap((section) =>
    Object.entries(section.variables).map(([name, v]) => ({ name, description: v.description, default: docDefaultOf(v), secret: v.secret })),
  );
  return docs.filter((d, i) => docs.findIndex((other) => other.name === d.name) === i);
}

export type { CoreConfig, CertificatesConfig, CredentialsConfig, ErasureConfig, EventBusConfig, GenerationConfig, LmsFeaturesConfig, ResilienceConfig, RetirementConfig };
