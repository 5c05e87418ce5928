/** HTML's named character references for the characters identifiers hold (usernames, emails, names). */
const NAMED_ENTITIES: Record<string, string[]> = {
  "&": ["amp"],
  "<": ["lt"],
  ">": ["gt"],
  '"': ["quot"],
  "'": ["apos"],
  "@": ["commat"],
  ".": ["period"],
  "_": ["lowbar", "UnderBar"],
  "+": ["plus"],
  "-": ["dash", "hyphen"],
  ",": ["comma"],
  ":": ["colon"],
  "/": ["sol"],
  " ": ["nbsp"],
};

// The characters a `u`-mode regex lets (and needs) escaped outside a class.
const REGEX_SYNTAX = /[.*+?^${}()|[\]\\/]/g;
const literal = (s: string) => s.replace(REGEX_SYNTAX, "\\$&");
const hex = (n: number, width: number) => n.toString(16).padStart(width, "0");

/**
 * Every way one character of an identifier may be written in free text, as a regex alternative:
 * - as itself (case-insensitively), punctuation possibly backslash-escaped (`\.`, `\/`);
 * - percent-encoded, each UTF-8 byte `%XX`, also encoded twice (`%25XX`); a space also as `+` (form encoding);
 * - a JSON / JavaScript / Python escape `\uXXXX` (astral characters as their surrogate pair), `\xXX` for Latin-1,
 *   behind any number of backslashes (JSON inside JSON);
 * - an HTML character reference: decimal `&#64;`, hexadecimal `&#x40;` (leading zeros, `;` optional) or named
 *   (`&commat;`, `&period;`, `&amp;`…).
 */
function characterForms(char: string): string {
  const cp = char.codePointAt(0)!;
  const forms = new Set<string>();
  forms.add(/[A-Za-z0-9]/.test(char) ? literal(char) : `(?:\\\\+)?${literal(char)}`);
  const bytes = [...Buffer.from(char, "utf8")];
  forms.add(bytes.map((b) => `%(?:25)*${hex(b, 2)}`).join(""));
  if (char === " ") forms.add("\\+");
  const units = char.length === 2 ? [char.charCodeAt(0), char.charCodeAt(1)] : [cp];
  forms.add(units.map((u) => `\\\\+u${hex(u, 4)}`).join(""));
  if (cp < 0x100) forms.add(`\\\\+x${hex(cp, 2)}`);
  forms.add(`&#0*${cp};?`);
  forms.add(`&#x0*${hex(cp, 1)};?`);
  for (const name of NAMED_ENTITIES[char] ?? []) forms.add(`&${name};`);
  return `(?:${[...forms].join("|")})`;
}

/** A regex matching `value` with each of its characters in any of its written forms, mixed freely. */
function anyEncodingOf(value: string): RegExp {
  return new RegExp([...value].map(characterForms).join(""), "giu");
}

/**
 * Replaces every occurrence of these values in `text`, whatever its encoding: as is (case-insensitive), URL-encoded
 * (once or twice, `+` for spaces), JSON- or Python-escaped, or as HTML character references, and any mix of those
 * (an error body quoting a URL quoting the email). Empty and very short values are ignored.
 */
export function redactValues(text: string, values: ReadonlyArray<string | null | undefined>, mask = "[redacted]"): string {
  let out = text;
  // Longest first, so an email is blanked whole before the username inside it.
  const wanted = [...new Set(values.filter((v): v is string => typeof v === "string" && v.trim().length >= 3).map((v) => v.trim()))].sort((a, b) => b.length - a.length);
  for (const value of wanted) out = out.replace(anyEncodingOf(value), mask);
  return out;
}
