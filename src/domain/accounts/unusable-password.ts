import { randomInt } from "node:crypto";

/**
 * Django's unusable password (`make_password(None)`, what `set_unusable_password` stores): "!" followed by
 * `get_random_string(UNUSABLE_PASSWORD_SUFFIX_LENGTH = 40)` over ASCII letters and digits, which no password ever
 * matches. check_password refuses any value starting with "!".
 */
export const UNUSABLE_PASSWORD_PREFIX = "!";
const SUFFIX_LENGTH = 40;
const ALLOWED_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

export function unusablePassword(): string {
  let suffix = "";
  for (let i = 0; i < SUFFIX_LENGTH; i++) suffix += ALLOWED_CHARS[randomInt(ALLOWED_CHARS.length)];
  return `${UNUSABLE_PASSWORD_PREFIX}${suffix}`;
}

export function isUnusablePassword(encoded: string): boolean {
  return encoded.startsWith(UNUSABLE_PASSWORD_PREFIX);
}
