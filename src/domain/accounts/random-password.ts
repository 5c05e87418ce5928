import { pbkdf2, randomInt } from "node:crypto";
import { promisify } from "node:util";

const pbkdf2Async = promisify(pbkdf2);

/** Django's RANDOM_STRING_CHARS (get_random_string). */
const RANDOM_STRING_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/**
 * PBKDF2PasswordHasher.iterations of Django 4.2, the release Open edX Quince to Teak run. Django re-hashes a password
 * with its own count at the next successful login, so a newer release reads this hash as it is.
 */
export const DJANGO_PBKDF2_ITERATIONS = 600_000;

function randomString(length: number): string {
  let s = "";
  for (let i = 0; i < length; i++) s += RANDOM_STRING_CHARS[randomInt(RANDOM_STRING_CHARS.length)];
  return s;
}

/**
 * Django's `make_password` with its default hasher: `pbkdf2_sha256$<iterations>$<salt>$<base64 hash>`, the salt 22
 * characters of RANDOM_STRING_CHARS (128 bits, as Django 3.1+ makes it). Node's own PBKDF2: the format is four
 * fields joined by `$`, and no npm package writes Django's format without pulling in a whole framework.
 */
export async function djangoPasswordHash(password: string, salt = randomString(22), iterations = DJANGO_PBKDF2_ITERATIONS): Promise<string> {
  const hash = await pbkdf2Async(password, salt, iterations, 32, "sha256");
  return `pbkdf2_sha256$${iterations}$${salt}$${hash.toString("base64")}`;
}

/**
 * What upstream's cancellation stores (`user.set_password(generate_password(length=25))` in
 * `handle_retirement_cancellation`): a usable hash of a random 25-character password nobody knows. It must be
 * usable: the LMS's password reset form refuses accounts whose password is unusable ("!…"), and the learner gets
 * back into the account through that reset.
 */
export function randomUsablePassword(): Promise<string> {
  return djangoPasswordHash(randomString(25));
}
