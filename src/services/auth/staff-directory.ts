import { createHash } from "node:crypto";
import type { DataSource } from "typeorm";
import { checkAgainstNothing, checkDjangoPassword, DJANGO_PBKDF2_ITERATIONS, parsePbkdf2Hash } from "./django-password";

type ConsoleRole = "admin" | "read-only";

/** A signed-in console user. The username is for display only; sessions hold the id alone. */
export interface StaffUser {
  id: number;
  username: string;
  role: ConsoleRole;
}

/** A staff user with the password hash the session's auth hash is derived from (never shown, never stored). */
export interface StaffAccount {
  user: StaffUser;
  passwordHash: string;
}

type SignInRefusal = "bad-credentials" | "not-staff";

/** How long the work factor of a dummy check (the staff's usual one) is kept before it is read again. */
const DUMMY_WORK_TTL_MS = 10 * 60_000;
/** Character set and collation names as information_schema gives them (checked before going into SQL text). */
const SQL_NAME = /^[A-Za-z0-9_]+$/;

interface UserRow {
  id: number;
  username: string;
  password: string;
  is_active: number | boolean;
  is_staff: number | boolean;
  is_superuser: number | boolean;
  in_admin_group: number | string | null;
}

/**
 * Who may use the console, read from the LMS's auth tables: active staff (as Django admin requires; a superuser
 * without is_staff is refused), admins being superusers and members of the configured Django group.
 */
export class StaffDirectory {
  constructor(
    private readonly dataSource: DataSource,
    private readonly adminGroup: string | undefined,
  ) {}

  private async row(where: "u.id = ?" | "u.username = ?", value: number | string): Promise<UserRow | undefined> {
    const rows: UserRow[] = await this.dataSource.query(
      `SELECT u.id, u.username, u.password, u.is_active, u.is_staff, u.is_superuser,
              (SELECT COUNT(*) FROM auth_user_groups ug JOIN auth_group g ON g.id = ug.group_id
                WHERE ug.user_id = u.id AND g.name = ?) AS in_admin_group
         FROM auth_user u WHERE ${where}`,
      [this.adminGroup ?? "", value],
    );
    return rows[0];
  }

  private dummyWork?: { at: number; iterations: Promise<number> };
  private usernameCollation?: Promise<{ charset: string; collation: string }>;

  private toAccount(row: UserRow | undefined): StaffAccount | undefined {
    if (!row || !Number(row.is_active) || !Number(row.is_staff)) return undefined;
    const admin = Boolean(Number(row.is_superuser)) || (this.adminGroup !== undefined && Number(row.in_admin_group) > 0);
    return { user: { id: row.id, username: row.username, role: admin ? "admin" : "read-only" }, passwordHash: row.password };
  }

  /**
   * Username + password sign-in. The work is the same whatever the outcome: an unknown username, an unusable
   * (`!…`) or foreign password value get a dummy check at the staff's usual work factor, and the password is
   * checked before the staff flags.
   */
  async signIn(username: string, password: string): Promise<{ account: StaffAccount } | { refused: SignInRefusal }> {
    const row = username ? await this.row("u.username = ?", username) : undefined;
    const ok = row && parsePbkdf2Hash(row.password) ? await checkDjangoPassword(password, row.password) : await checkAgainstNothing(password, await this.dummyIterations());
    if (!ok) return { refused: "bad-credentials" };
    const account = this.toAccount(row);
    return account ? { account } : { refused: "not-staff" };
  }

  /** The active staff account behind a session, re-read on each request so deactivation or demotion takes effect at once. */
  async account(id: number): Promise<StaffAccount | undefined> {
    return this.toAccount(await this.row("u.id = ?", id));
  }

  /**
   * Usernames of staff accounts, for "changed by" and history columns (Django admin shows the user there). Only
   * is_staff accounts are named: any other id (a learner's) stays a number, since pages never show a learner's
   * username.
   */
  async staffUsernames(ids: ReadonlyArray<number | null | undefined>): Promise<Map<number, string>> {
    const wanted = [...new Set(ids.filter((id): id is number => typeof id === "number"))];
    if (wanted.length === 0) return new Map();
    const rows: Array<{ id: number; username: string }> = await this.dataSource.query("SELECT id, username FROM auth_user WHERE id IN (?) AND is_staff = 1", [wanted]);
    return new Map(rows.map((r) => [Number(r.id), r.username]));
  }

  /** SSO proxy mode: the proxy already authenticated this username. */
  async accountByUsername(username: string): Promise<StaffAccount | undefined> {
    return this.toAccount(await this.row("u.username = ?", username));
  }

  async byId(id: number): Promise<StaffUser | undefined> {
    return (await this.account(id))?.user;
  }

  /**
   * Who a sign-in attempt is against, as the database decides it: the auth_user id the username matches (MySQL
   * compares `àdmin` and `ADMIN` equal to `admin` under auth_user.username's collation), or for a username nothing
   * matches, a digest of its sort key under that same collation (WEIGHT_STRING), so every spelling the database
   * would take for one name shares one key. Hashed: no username reaches Redis.
   */
  async attemptKey(username: string): Promise<string> {
    const { charset, collation } = await this.collationOfUsername();
    const [row]: Array<{ id: number | null; folded: Buffer | string | null }> = await this.dataSource.query(
      `SELECT (SELECT id FROM auth_user WHERE username = ?) AS id, WEIGHT_STRING(CONVERT(? USING ${charset}) COLLATE ${collation}) AS folded`,
      [username, username],
    );
    if (row?.id !== null && row?.id !== undefined) return `id:${row.id}`;
    return `name:${createHash("sha256").update(row?.folded ?? username).digest("hex").slice(0, 32)}`;
  }

  private collationOfUsername(): Promise<{ charset: string; collation: string }> {
    this.usernameCollation ??= (async () => {
      const [col]: Array<{ charset: string | null; collation: string | null }> = await this.dataSource.query(
        `SELECT CHARACTER_SET_NAME AS charset, COLLATION_NAME AS collation FROM information_schema.COLUMNS
          WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'auth_user' AND COLUMN_NAME = 'username'`,
      );
      if (!col?.charset || !col.collation || !SQL_NAME.test(col.charset) || !SQL_NAME.test(col.collation)) {
        throw new Error("auth_user.username has no character set or collation in information_schema");
      }
      return { charset: col.charset, collation: col.collation };
    })().catch((err) => {
      this.usernameCollation = undefined; // read again next time (the database may have been down)
      throw err;
    });
    return this.usernameCollation;
  }

  /**
   * The work factor of a dummy check: the median PBKDF2 iterations of the active staff's hashes (what a real check
   * of a staff password costs), Django's default when none can be read. Read again every few minutes.
   */
  private dummyIterations(): Promise<number> {
    if (!this.dummyWork || Date.now() - this.dummyWork.at > DUMMY_WORK_TTL_MS) {
      const iterations = (async () => {
        const rows: Array<{ password: string }> = await this.dataSource.query(
          "SELECT password FROM auth_user WHERE is_staff = 1 AND is_active = 1 AND password LIKE 'pbkdf2\\_%' LIMIT 1000",
        );
        const counts = rows.flatMap((r) => parsePbkdf2Hash(r.password)?.iterations ?? []).sort((a, b) => a - b);
        return counts.length > 0 ? counts[Math.floor(counts.length / 2)] : DJANGO_PBKDF2_ITERATIONS;
      })().catch(() => DJANGO_PBKDF2_ITERATIONS);
      this.dummyWork = { at: Date.now(), iterations };
    }
    return this.dummyWork.iterations;
  }
}
