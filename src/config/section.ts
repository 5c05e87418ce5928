import type { ValuesOf, Variables } from "./variable";

/** What a section's `build` may add beyond its variables' own schemas. */
export interface SectionChecks {
  /** A problem that involves several variables (e.g. a key id without its secret). */
  problem(name: string, message: string): void;
  /**
   * A condition the variable must meet only for commands that require it (e.g. secret salts for retirement), so
   * operators who do not use that feature are not asked to configure it. The check returns the problem(s), if any.
   */
  requirement(name: string, check: () => string | string[] | undefined): void;
}

/**
 * One section of the configuration (one file in src/config/sections): its variables, each with a zod schema, and
 * `build`, which turns their parsed values into the section's typed config. `build` runs even when some values
 * were invalid (they are then their defaults), so every problem of every section is listed at once.
 */
export interface ConfigSection<V extends Variables = Variables, C = unknown> {
  variables: V;
  build(values: ValuesOf<V>, checks: SectionChecks): C;
}

export type SectionConfig<S> = S extends ConfigSection<Variables, infer C> ? C : never;

export function defineSection<V extends Variables, C>(variables: V, build: (values: ValuesOf<V>, checks: SectionChecks) => C): ConfigSection<V, C> {
  return { variables, build };
}
