import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { FastifyRequest } from "fastify";
import type { Logger } from "../../logging/logger";
import type { StaffAccount, StaffDirectory, StaffUser } from "../../services/auth/staff-directory";

declare module "fastify" {
  interface Session {
    /** auth_user.id of the signed-in staff user: the only user data a session holds. */
    userId?: number;
    /** When the user signed in (ms since the epoch): the session ends CONSOLE_SESSION_MAX_AGE after it. */
    signedInAt?: number;
    /** Digest of the user's auth_user.password at sign-in (sessionAuthHash): a password change ends the session. */
    authHash?: string;
  }
  interface FastifyInstance {
    consoleSessions: ConsoleSessions;
  }
}

/** Why a session was ended by the console itself (not by sign-out or the idle timeout). */
type SessionEnd = "max-age" | "not-staff" | "password-changed";

// Django's key salt for the same digest (AbstractBaseUser.get_session_auth_hash): the idea, not the value, is shared.
const KEY_SALT = "openedx-workers.console.ConsoleSessions.sessionAuthHash";

/**
 * Signed-in sessions on top of @fastify/session (Redis store, idle timeout through the cookie's rolling maxAge):
 * what is kept at sign-in, and the checks each request makes before it believes a session. A session ends when
 * - it is older than CONSOLE_SESSION_MAX_AGE (an absolute lifetime besides the idle one);
 * - the user is no longer an active staff user (is_active / is_staff cleared, account deleted);
 * - the LMS password changed: like Django's session verification (django/contrib/auth/__init__.py get_user, with
 *   AbstractBaseUser.get_session_auth_hash in django/contrib/auth/base_user.py), the session keeps an HMAC of the
 *   password hash and compares it with the current one on each request. The row is read on each request anyway
 *   (roles and flags take effect at once), so nothing is cached.
 */
export class ConsoleSessions {
  private readonly hashKey: Buffer;

  constructor(
    private readonly staff: StaffDirectory,
    secret: string,
    private readonly maxAgeMs: number,
    private readonly logger: Logger,
  ) {
    // salted_hmac's key: a digest of the salt and the secret.
    this.hashKey = createHash("sha256").update(KEY_SALT).update(secret).digest();
  }

  private authHash(passwordHash: string): string {
    return createHmac("sha256", this.hashKey).update(passwordHash).digest("hex");
  }

  /** A new session for this account (a new id: no fixation). */
  async start(request: FastifyRequest, account: StaffAccount): Promise<void> {
    await request.session.regenerate();
    request.session.userId = account.user.id;
    request.session.signedInAt = Date.now();
    request.session.authHash = this.authHash(account.passwordHash);
  }

  /** The staff user this request's session stands for, after every check; a session that fails one is destroyed. */
  async current(request: FastifyRequest): Promise<StaffUser | undefined> {
    const { userId, signedInAt, authHash } = request.session;
    if (userId === undefined) return undefined;
    const account = await this.staff.account(userId);
    const ended = this.endOf(account, signedInAt, authHash);
    if (!ended) return account!.user;
    this.logger.info("console session ended", { userId, reason: ended });
    await request.session.destroy();
    return undefined;
  }

  private endOf(account: StaffAccount | undefined, signedInAt: number | undefined, authHash: string | undefined): SessionEnd | undefined {
    if (signedInAt === undefined || Date.now() - signedInAt >= this.maxAgeMs) return "max-age";
    if (!account) return "not-staff";
    const expected = Buffer.from(this.authHash(account.passwordHash));
    const kept = Buffer.from(authHash ?? "");
    return kept.length === expected.length && timingSafeEqual(kept, expected) ? undefined : "password-changed";
  }
}
