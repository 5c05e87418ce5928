import { randomBytes } from "node:crypto";

/**
 * Django's unusable password (make_password(None), set_unusable_password): "!" followed by 40 random characters,
 * which no password ever matches. check_password refuses any value starting with "!".
 */
export const UNUSABLE_PASSWORD_PREFIX = "!";

export function unusablePassword(): string {
  return `${UNUSABLE_PASSWORD_PREFIX}${randomBytes(30).toString("base64url").slice(0, 40)}`;
}

export function isUnusablePassword(encoded: string): boolean {
  return encoded.startsWith(UNUSABLE_PASSWORD_PREFIX);
}
