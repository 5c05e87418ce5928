import { pbkdf2, randomBytes, timingSafeEqual } from "node:crypto";
import { isUnusablePassword } from "../../domain/accounts/unusable-password";
import { promisify } from "node:util";

const pbkdf2Async = promisify(pbkdf2);

/** Django's PBKDF2 hashers (django/contrib/auth/hashers.py): algorithm name → digest and derived key length. */
const HASHERS: Record<string, { digest: "sha256" | "sha1"; keyLength: number }> = {
  pbkdf2_sha256: { digest: "sha256", keyLength: 32 },
  pbkdf2_sha1: { digest: "sha1", keyLength: 20 },
};

/** Django 5.x's default work factor; used for hashes this service makes (demo and test users). */
export const DJANGO_PBKDF2_ITERATIONS = 1_000_000;
/** Refuse absurd work factors from the database instead of spending minutes of CPU on one sign-in. */
const MAX_ITERATIONS = 10_000_000;

/**
 * Checks a password against a Django `auth_user.password` value, as `check_password` does for the PBKDF2 hashers:
 * `algorithm$iterations$salt$base64(hash)`. Constant-time comparison. Unusable passwords (`!…`, Django's
 * set_unusable_password), empty values and other algorithms (argon2, bcrypt: not used by Open edX's defaults) never
 * match.
 */
export async function checkDjangoPassword(password: string, encoded: string): Promise<boolean> {
  if (!encoded || isUnusablePassword(encoded)) return false;
  const parts = encoded.split("$");
  if (parts.length !== 4) return false;
  const [algorithm, iterationsText, salt, hashB64] = parts;
  const hasher = HASHERS[algorithm];
  const iterations = /^\d+$/.test(iterationsText) ? Number(iterationsText) : NaN;
  if (!hasher || !(iterations >= 1 && iterations <= MAX_ITERATIONS) || !salt) return false;
  const expected = Buffer.from(hashB64, "base64");
  const actual = await pbkdf2Async(password, salt, iterations, hasher.keyLength, hasher.digest);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/** Django's `make_password(password, salt, "pbkdf2_sha256")`, for seeding demo and test users. */
export async function makeDjangoPassword(password: string, opts: { salt?: string; iterations?: number } = {}): Promise<string> {
  const salt = opts.salt ?? randomBytes(16).toString("base64").replace(/[^A-Za-z0-9]/g, "").slice(0, 22);
  const iterations = opts.iterations ?? DJANGO_PBKDF2_ITERATIONS;
  const hash = await pbkdf2Async(password, salt, iterations, 32, "sha256");
  return `pbkdf2_sha256$${iterations}$${salt}$${hash.toString("base64")}`;
}

/**
 * Spends the same work as a real check when the username is unknown, so response time does not reveal which staff
 * usernames exist (Django runs its default hasher once for the same reason).
 */
export async function checkAgainstNothing(password: string, iterations: number): Promise<false> {
  await pbkdf2Async(password, "no-such-user", iterations, 32, "sha256");
  return false;
}
