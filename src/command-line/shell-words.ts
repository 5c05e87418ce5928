import { parse, type ParseEntry } from "shell-quote";
import { InvalidArgumentsError } from "../errors/invalid-arguments-error";

/** A character no argument text holds: the closing sentinel word `'END'"END"` must come back whole. */
const END = "\uE000";
const SENTINEL = ` '${END}'"${END}"`;

/**
 * Splits a stored argument string (the `arguments` column of edx-platform's command-configuration models) into
 * words as upstream's `shlex.split` does: whitespace separates, single quotes keep everything, double quotes keep
 * everything but `\"` and `\\`, a backslash outside quotes escapes the next character, quoted parts join the word
 * around them. shell-quote does the splitting. Where a POSIX shell and shlex differ (unquoted `|`, `;`, `&`, `<`,
 * `>`, `(`, `)`, `#` and `$` are shell syntax, plain characters to shlex), the text is refused rather than read
 * differently than upstream would; like shlex, an unterminated quote or a trailing backslash is refused too.
 */
export function shellWords(text: string): string[] {
  // A quote left open, or a final backslash, swallows the sentinel's quotes, so it does not come back as one word.
  const words: ParseEntry[] = parse(text + SENTINEL, (name) => ({ op: `$${name}` }) as unknown as string);
  if (words.some((w) => typeof w === "object" && "comment" in w)) throw refused("#");
  if (words.pop() !== END + END) throw new InvalidArgumentsError("unterminated quote or trailing backslash in arguments");
  return words.map((word) => {
    if (typeof word === "string") return word;
    if ("op" in word && word.op === "glob") return word.pattern; // shlex does not expand globs
    throw refused("op" in word && word.op.startsWith("$") ? "$" : "op" in word ? word.op : "#");
  });
}

function refused(syntax: string): InvalidArgumentsError {
  return new InvalidArgumentsError(`arguments may not contain the shell syntax ${JSON.stringify(syntax)} unquoted; quote it`);
}
