import { ConfigError } from "./config-error";

/**
 * The connected database lacks LMS tables or columns a job family cannot run without: DATABASE_URL points at the
 * wrong database, or the LMS lacks an app or a migration. A configuration problem (exit 2), one line per item.
 */
export class LmsSchemaError extends ConfigError {
  readonly code = "LMS_SCHEMA_MISMATCH";

  constructor(lines: string[]) {
    super(lines);
    this.name = "LmsSchemaError";
    this.message = `The LMS database lacks what these job families need (see docs/lms-schema.md):\n${lines.map((l) => `  - ${l}`).join("\n")}`;
  }
}
