import type { DataSource, EntityTarget } from "typeorm";
import { ArgumentsDisabledError } from "../errors/request-refused-error";

interface ArgumentsRow {
  enabled: boolean;
  arguments: string;
}

/**
 * edx-platform's `--args-from-database`: the newest row of a ConfigurationModel (by change_date) must be enabled,
 * and its `arguments` text then replaces the command line. Same error text as upstream when it is disabled.
 */
export async function argumentsFromDatabase(
  ds: DataSource,
  model: EntityTarget<ArgumentsRow> & { modelName: string },
): Promise<string> {
  const current = await ds.getRepository(model).createQueryBuilder("c").orderBy("c.change_date", "DESC").addOrderBy("c.id", "DESC").getOne();
  if (!current?.enabled) throw new ArgumentsDisabledError(model.modelName);
  return current.arguments;
}
