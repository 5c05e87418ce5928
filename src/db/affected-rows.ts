/**
 * How many rows a write changed, whatever shape the driver returned: TypeORM's UpdateResult/DeleteResult
 * (`affected`), mysql2's ResultSetHeader from `query()` (`affectedRows`), or the [header, …] array some calls
 * return. Compare-and-set updates check it to know whether they won.
 */
export function affectedRows(result: unknown): number {
  const r = (Array.isArray(result) ? result[0] : result) as { affectedRows?: number; affected?: number | null } | undefined;
  return Number(r?.affectedRows ?? r?.affected ?? 0);
}
