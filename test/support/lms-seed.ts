import { randomBytes } from "node:crypto";
import { DataSource, type EntityManager } from "typeorm";

/**
 * Rows for LMS tables in tests, on any LMS schema (test/support/lms-schemas.ts). edx-platform's tables keep their
 * defaults in Django, not in MySQL: most columns are NOT NULL without a database default, and an INSERT that leaves
 * one out fails on a real LMS. `insertLmsRow` fills every such column the caller leaves out, so a test names only the
 * columns it cares about:
 *
 *     const userId = await insertLmsRow(ds, "auth_user", { username: "ada", email: "ada@example.com" });
 *     await insertLmsRow(ds, "student_courseenrollment", { user_id: userId, course_id: key, mode: "verified" });
 *
 * A column left out gets the Django model's default where the model has one (MODEL_DEFAULTS below, from
 * edx-platform's models), else a neutral value of its type: '' for text, 0 for numbers, the current time for dates,
 * '{}' for JSON, and a random token for a text column with a unique index of its own. Foreign keys are never
 * guessed: name them. Nullable columns and columns with a database default are left to the database.
 *
 * Works through a DataSource or an EntityManager (inside a transaction). Column lists are read from
 * information_schema once per DataSource and table.
 */
export type Queryable = DataSource | EntityManager;

type Row = Record<string, unknown>;

interface ColumnToFill {
  name: string;
  dataType: string;
  columnType: string;
  maxLength: number | null;
  uniqueAlone: boolean;
  json: boolean;
}

const NOW = Symbol("now");
const TOKEN = Symbol("token");

/** Django's defaults (model field `default=`), by table and column, for the NOT NULL columns where '' or 0 would be wrong. */
const MODEL_DEFAULTS: Record<string, Record<string, unknown>> = {
  // django.contrib.auth.models.User; make_password(None) gives "!" + random: an unusable password.
  auth_user: { password: `!${"x".repeat(40)}`, is_active: 1, date_joined: NOW },
  // common/djangoapps/student/models/user.py UserProfile
  auth_userprofile: { courseware: "course.xml" },
  // CourseEnrollment
  student_courseenrollment: { is_active: 1, mode: "audit", created: NOW },
  // openedx/core/djangoapps/content/course_overviews/models.py CourseOverview (VERSION = 19)
  course_overviews_courseoverview: { version: 19, _pre_requisite_courses_json: "[]", eligible_for_financial_aid: 1, entrance_exam_minimum_score_pct: 0.65 },
  // lms/djangoapps/certificates/models.py GeneratedCertificate and its simple-history table
  certificates_generatedcertificate: { status: "unavailable", mode: "honor" },
  certificates_historicalgeneratedcertificate: { status: "unavailable", mode: "honor", history_type: "+" },
  certificates_certificateinvalidation: { active: 1 },
  certificates_historicalcertificateinvalidation: { active: 1, history_type: "+" },
  certificates_certificateallowlist: { allowlist: 0 },
  // AccountRecovery, CourseEnrollmentAllowed
  auth_accountrecovery: { is_active: 1 },
  student_courseenrollmentallowed: { auto_enroll: 1 },
  // lms/djangoapps/verify_student/models.py: the verifications' status field (model_utils StatusField)
  verify_student_softwaresecurephotoverification: { status: "created", display: 1 },
  verify_student_ssoverification: { status: "created", identity_provider_type: "common.djangoapps.third_party_auth.models.SAMLProviderConfig", identity_provider_slug: "default" },
  verify_student_manualverification: { status: "created" },
  verify_student_verificationattempt: { status: "created" },
  // organizations (edx-organizations)
  organizations_organization: { active: 1 },
  organizations_organizationcourse: { active: 1 },
  // openedx/core/djangoapps/user_api/models.py
  user_api_userretirementpartnerreportingstatus: { is_being_processed: 0 },
};

/** Every history table of django-simple-history: its own columns when a row is made by hand. */
const HISTORY_DEFAULTS: Row = { history_type: "+", history_date: NOW };

const TEXT = new Set(["char", "varchar", "tinytext", "text", "mediumtext", "longtext"]);
const NUMBER = new Set(["tinyint", "smallint", "mediumint", "int", "bigint", "decimal", "float", "double"]);
const DATE = new Set(["datetime", "timestamp", "date"]);

const columnCache = new WeakMap<object, Map<string, Promise<ColumnToFill[]>>>();

function cacheKey(db: Queryable): object {
  return db instanceof DataSource ? db : db.connection;
}

/** The NOT NULL columns of `table` without a database default or AUTO_INCREMENT: the ones an INSERT must name. */
function columnsToFill(db: Queryable, table: string): Promise<ColumnToFill[]> {
  const key = cacheKey(db);
  let tables = columnCache.get(key);
  if (!tables) columnCache.set(key, (tables = new Map()));
  let columns = tables.get(table);
  if (!columns) {
    columns = readColumnsToFill(db, table);
    tables.set(table, columns);
    columns.catch(() => tables.delete(table));
  }
  return columns;
}

async function readColumnsToFill(db: Queryable, table: string): Promise<ColumnToFill[]> {
  if (!(await tableExists(db, table))) throw new Error(`insertLmsRow: no table ${table} in this database`);
  // Three plain information_schema reads: correlated subqueries on it are slow on MariaDB.
  const columns: Array<{ name: string; dataType: string; columnType: string; maxLength: number | null; nullable: string; dflt: string | null; extra: string }> = await db.query(
    `SELECT COLUMN_NAME AS name, DATA_TYPE AS dataType, COLUMN_TYPE AS columnType, CHARACTER_MAXIMUM_LENGTH AS maxLength,
            IS_NULLABLE AS nullable, COLUMN_DEFAULT AS dflt, EXTRA AS extra
       FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION`,
    [table],
  );
  const indexes: Array<{ index: string; column: string; nonUnique: number }> = await db.query(
    "SELECT INDEX_NAME AS `index`, COLUMN_NAME AS `column`, NON_UNIQUE AS nonUnique FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?",
    [table],
  );
  const checks: Array<{ clause: string }> = await db.query(
    "SELECT CHECK_CLAUSE AS clause FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = DATABASE() AND TABLE_NAME = ?",
    [table],
  );
  const partsOf = new Map<string, Array<{ column: string; nonUnique: number }>>();
  for (const i of indexes) partsOf.set(i.index, [...(partsOf.get(i.index) ?? []), i]);
  const uniqueAlone = new Set([...partsOf.values()].filter((p) => p.length === 1 && Number(p[0].nonUnique) === 0).map((p) => p[0].column));
  return columns
    .filter((c) => c.nullable === "NO" && c.dflt === null && !/auto_increment|GENERATED/i.test(c.extra))
    .map((c) => ({
      name: c.name,
      dataType: c.dataType,
      columnType: c.columnType,
      maxLength: c.maxLength === null ? null : Number(c.maxLength),
      uniqueAlone: uniqueAlone.has(c.name),
      json: c.dataType === "json" || checks.some((k) => k.clause.includes(`json_valid(\`${c.name}\`)`)),
    }));
}

function neutralValue(table: string, c: ColumnToFill): unknown {
  const modelDefault = MODEL_DEFAULTS[table]?.[c.name] ?? (table.includes("_historical") ? HISTORY_DEFAULTS[c.name] : undefined);
  const value = modelDefault !== undefined ? modelDefault : c.json ? "{}" : c.uniqueAlone && TEXT.has(c.dataType) ? TOKEN : TEXT.has(c.dataType) ? "" : NUMBER.has(c.dataType) ? 0 : DATE.has(c.dataType) ? NOW : undefined;
  if (value === NOW) return new Date();
  if (value === TOKEN) return randomBytes(16).toString("hex").slice(0, Math.min(32, c.maxLength ?? 32));
  if (value === undefined) throw new Error(`insertLmsRow: ${table}.${c.name} (${c.columnType}) is NOT NULL without a default; give it a value`);
  return value;
}

/** `values` plus every column the table needs that they leave out. */
export async function completeLmsRow(db: Queryable, table: string, values: Row): Promise<Row> {
  const row: Row = { ...values };
  for (const c of await columnsToFill(db, table)) if (!(c.name in row)) row[c.name] = neutralValue(table, c);
  return row;
}

/**
 * Inserts one row into an LMS table (see the file's header); returns its AUTO_INCREMENT id (0 when it has none).
 * `updateOnDuplicate` names the columns an existing row with the same unique key gets instead (an upsert).
 */
export async function insertLmsRow(db: Queryable, table: string, values: Row, opts: { updateOnDuplicate?: string[] } = {}): Promise<number> {
  const row = await completeLmsRow(db, table, values);
  const columns = Object.keys(row);
  const upsert = opts.updateOnDuplicate?.length ? ` ON DUPLICATE KEY UPDATE ${opts.updateOnDuplicate.map((c) => `\`${c}\` = VALUES(\`${c}\`)`).join(", ")}` : "";
  const result = await db.query(
    `INSERT INTO \`${table}\` (${columns.map((c) => `\`${c}\``).join(", ")}) VALUES (${columns.map(() => "?").join(", ")})${upsert}`,
    columns.map((c) => row[c]),
  );
  return Number((result as { insertId?: number }).insertId ?? 0);
}

/** Inserts many rows into one LMS table in one statement; every row names the same columns. */
export async function insertLmsRows(db: Queryable, table: string, rows: Row[]): Promise<void> {
  if (rows.length === 0) return;
  const complete = await Promise.all(rows.map((r) => completeLmsRow(db, table, r)));
  const columns = Object.keys(complete[0]);
  await db.query(
    `INSERT INTO \`${table}\` (${columns.map((c) => `\`${c}\``).join(", ")}) VALUES ${complete.map(() => `(${columns.map(() => "?").join(", ")})`).join(", ")}`,
    complete.flatMap((r) => columns.map((c) => r[c])),
  );
}

/**
 * Runs `fn` in one transaction with foreign key checks off, for rows of apps whose parent rows a test does not care
 * about (the wiki article of a revision, the credit course of a request, the enterprise customer of a consent).
 * Checks are turned back on before the connection returns to the pool.
 */
export async function withoutForeignKeyChecks<T>(ds: DataSource, fn: (em: EntityManager) => Promise<T>): Promise<T> {
  return ds.transaction(async (em) => {
    await em.query("SET SESSION foreign_key_checks = 0");
    try {
      return await fn(em);
    } finally {
      await em.query("SET SESSION foreign_key_checks = 1");
    }
  });
}

/** Whether this database has the table (an LMS of an earlier release lacks the later ones). */
export async function tableExists(db: Queryable, table: string): Promise<boolean> {
  const rows: unknown[] = await db.query("SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?", [table]);
  return rows.length > 0;
}
