import { createHash } from "node:crypto";

export interface RetiredIdentifierFormat {
  usernamePrefix: string;
  emailPrefix: string;
  emailDomain: string;
  /** Oldest first; only the last one hashes new retirements (upstream RETIRED_USER_SALTS). */
  salts: string[];
}

/** openedx/user-util: sha1(salt + lowercase(value)), hex. The salt is prepended; the value is lowercased first. */
export function retirementHash(value: string, salt: string): string {
  return createHash("sha1").update(Buffer.from(salt, "utf8")).update(Buffer.from(value.toLowerCase(), "utf8")).digest("hex");
}

function newestSalt(format: RetiredIdentifierFormat): string {
  const salt = format.salts[format.salts.length - 1];
  if (salt === undefined) throw new Error("RETIRED_USER_SALTS is empty");
  return salt;
}

export function retiredUsernameFor(username: string, format: RetiredIdentifierFormat): string {
  return `${format.usernamePrefix}${retirementHash(username, newestSalt(format))}`;
}

export function retiredEmailFor(email: string, format: RetiredIdentifierFormat): string {
  return `${format.emailPrefix}${retirementHash(email, newestSalt(format))}@${format.emailDomain}`;
}

/** Every retired form of a username under any configured salt, for "is this identity retired?" checks. */
export function allRetiredUsernames(username: string, format: RetiredIdentifierFormat): string[] {
  return format.salts.map((salt) => `${format.usernamePrefix}${retirementHash(username, salt)}`);
}

/** openedx/user-util get_retired_external_key: "retired_external_key_" + sha1(newest salt + lowercase(key)). */
export function retiredExternalKeyFor(externalKey: string, salts: readonly string[]): string {
  const salt = salts[salts.length - 1];
  if (salt === undefined) throw new Error("RETIRED_USER_SALTS is empty");
  return `retired_external_key_${retirementHash(externalKey, salt)}`;
}
