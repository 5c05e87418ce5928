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

interface Pbkdf2Hash {
  hasher: { digest: "sha256" | "sha1"; keyLength: number };
  iterations: number;
  salt: string;
  hash: Buffer;
}

/**
 * A Django `auth_user.password` value of a PBKDF2 hasher, `algorithm$iterations$salt$base64(hash)`, or undefined:
 * unusable passwords (`!…`, Django's set_unusable_password), empty values, other algorithms (argon2, bcrypt: not
 * used by Open edX's defaults) and absurd work factors cannot be checked.
 */
export function parsePbkdf2Hash(encoded: string): Pbkdf2Hash | undefined {
  if (!encoded || isUnusablePassword(encoded)) return undefined;
  const parts = encoded.split("$");
  if (parts.length !== 4) return undefined;
  const [algorithm, iterationsText, salt, hashB64] = parts;
  const hasher = HASHERS[algorithm];
  const iterations = /^\d+$/.test(iterationsText) ? Number(iterationsText) : NaN;
  if (!hasher || !(iterations >= 1 && iterations <= MAX_ITERATIONS) || !salt) return undefined;
  return { hasher, iterations, salt, hash: Buffer.from(hashB64, "base64") };
}

/**
 * Checks a password against a Django `auth_user.password` value, as `check_password` does for the PBKDF2 hashers.
 * Constant-time comparison. A value parsePbkdf2Hash refuses never matches (and costs nothing here: the caller
 * spends the same work as a real check on it, see StaffDirectory.signIn).
 */
export async function checkDjangoPassword(password: string, encoded: string): Promise<boolean> {
  const parsed = parsePbkdf2Hash(encoded);
  if (!parsed) return false;
  const actual = await pbkdf2Async(password, parsed.salt, parsed.iterations, parsed.hasher.keyLength, parsed.hasher.digest);
  return parsed.hash.length === actual.length && timingSafeEqual(parsed.hash, actual);
}

/** Django's `make_password(password, salt, "pbkdf2_sha256")`, for seeding demo and test users. */
export async function makeDjangoPassword(password: string, opts: { salt?: string; iterations?: number } = {}): Promise<string> {
  const salt = opts.salt ?? randomBytes(16).toString("base64").replace(/[^A-Za-z0-9]/g, "").slice(0, 22);
  const iterations = opts.iterations ?? DJANGO_PBKDF2_ITERATIONS;
  const hash = await pbkdf2Async(password, salt, iterations, 32, "sha256");
  return `pbkdf2_sha256$${iterations}$${salt}$${hash.toString("base64")}`;
}

/**
 * Spends the work of a real check for a sign-in that has no checkable hash (unknown username, unusable or foreign
 * password value), so response time does not tell them apart: Django's ModelBackend runs the default hasher once for
 * unknown users, and its verify_password does the same for unusable values (django/contrib/auth/backends.py
 * ModelBackend.authenticate; django/contrib/auth/hashers.py verify_password).
 */
export async function checkAgainstNothing(password: string, iterations: number): Promise<false> {
  await pbkdf2Async(password, "no-such-user", iterations, 32, "sha256");
  return false;
}
