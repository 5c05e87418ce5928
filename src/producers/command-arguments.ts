import type { DataSource, EntityTarget } from "typeorm";
import { entityTableAvailable } from "../db/lms-schema/lms-schema-inspector";
import { ArgumentsDisabledError } from "../errors/request-refused-error";

interface ArgumentsRow {
  enabled: boolean;
  arguments: string;
}

/**
 * edx-platform's `--args-from-database`: the newest row of a ConfigurationModel (by change_date) must be enabled,
 * and its `arguments` text then replaces the command line. Same error text as upstream when it is disabled. An LMS
 * older than the model's table (the purge's is Teak's) has no row: disabled, as ConfigurationModel.current() is
 * with none.
 */
export async function argumentsFromDatabase(
  ds: DataSource,
  model: EntityTarget<ArgumentsRow> & { modelName: string },
): Promise<string> {
  const current = (await entityTableAvailable(ds, model))
    ? await ds.getRepository(model).createQueryBuilder("c").orderBy("c.change_date", "DESC").addOrderBy("c.id", "DESC").getOne()
    : null;
  if (!current?.enabled) throw new ArgumentsDisabledError(model.modelName);
  return current.arguments;
}
