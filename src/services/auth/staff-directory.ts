import type { DataSource } from "typeorm";
import { checkAgainstNothing, checkDjangoPassword, DJANGO_PBKDF2_ITERATIONS } from "./django-password";

type ConsoleRole = "admin" | "read-only";

/** A signed-in console user. The username is for display only; sessions hold the id alone. */
export interface StaffUser {
  id: number;
  username: string;
  role: ConsoleRole;
}

type SignInRefusal = "bad-credentials" | "not-staff";

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

  private toStaff(row: UserRow | undefined): StaffUser | undefined {
    if (!row || !Number(row.is_active) || !Number(row.is_staff)) return undefined;
    const admin = Boolean(Number(row.is_superuser)) || (this.adminGroup !== undefined && Number(row.in_admin_group) > 0);
    return { id: row.id, username: row.username, role: admin ? "admin" : "read-only" };
  }

  /** Username + password sign-in. The password is checked before the staff flags, so both refusals cost the same. */
  async signIn(username: string, password: string): Promise<{ user: StaffUser } | { refused: SignInRefusal }> {
    const row = username ? await this.row("u.username = ?", username) : undefined;
    const ok = row ? await checkDjangoPassword(password, row.password) : await checkAgainstNothing(password, DJANGO_PBKDF2_ITERATIONS);
    if (!ok) return { refused: "bad-credentials" };
    const user = this.toStaff(row);
    return user ? { user } : { refused: "not-staff" };
  }

  /** The user behind a session, re-read on each request so deactivation or demotion takes effect at once. */
  async byId(id: number): Promise<StaffUser | undefined> {
    return this.toStaff(await this.row("u.id = ?", id));
  }

  /** SSO proxy mode: the proxy already authenticated this username. */
  async byUsername(username: string): Promise<StaffUser | undefined> {
    return this.toStaff(await this.row("u.username = ?", username));
  }
}
