import { spawnSync } from "node:child_process";
import { expect } from "chai";
import { shellWords } from "../../src/command-line/shell-words";
import { InvalidArgumentsError } from "../../src/errors/invalid-arguments-error";

/** Input → Python 3's `shlex.split(input)` (upstream's `--args-from-database` splitter), recorded from CPython. */
const SHLEX_VECTORS: Array<[string, string[]]> = [
  ["-u 1 2 3 -c course-v1:Org+Course+Run", ["-u", "1", "2", "3", "-c", "course-v1:Org+Course+Run"]],
  ["--certificate_ids 1 2 3", ["--certificate_ids", "1", "2", "3"]],
  ["  --user-ids\t1,2\n --dry-run  ", ["--user-ids", "1,2", "--dry-run"]],
  ["-c 'course-v1:Org+Course with space+Run' -u 7", ["-c", "course-v1:Org+Course with space+Run", "-u", "7"]],
  ['-c "course-v1:Org+C\\"q\\"+Run"', ["-c", 'course-v1:Org+C"q"+Run']],
  ["-c course\\ key", ["-c", "course key"]],
  ["a'b c'd", ["ab cd"]],
  [`x "" ''`, ["x", "", ""]],
  [`"a\\\\b" 'a\\\\b'`, ["a\\b", "a\\\\b"]],
  ["-u 1*", ["-u", "1*"]],
  ["-c 'a|b;c#d$e'", ["-c", "a|b;c#d$e"]],
  ["", []],
];
/** Texts shlex.split refuses (ValueError: No closing quotation / No escaped character). */
const SHLEX_ERRORS = ['-u "1 2', "-u '1", "-u 1\\"];

describe("stored arguments are split like upstream's shlex.split", () => {
  it("gives shlex's words for quotes, escapes and whitespace", () => {
    for (const [text, words] of SHLEX_VECTORS) expect(shellWords(text), text).to.deep.equal(words);
  });

  it("refuses what shlex refuses: an unterminated quote or a trailing backslash", () => {
    for (const text of SHLEX_ERRORS) expect(() => shellWords(text), text).to.throw(InvalidArgumentsError, /unterminated quote or trailing backslash/);
  });

  it("refuses unquoted shell syntax that a shell and shlex would read differently, rather than guess", () => {
    for (const text of ["-u 1 | 2", "-u 1; rm", "-c a#b", "-c $HOME", "-u 1 > x"]) expect(() => shellWords(text), text).to.throw(InvalidArgumentsError, /shell syntax/);
  });

  it("the recorded vectors are what this machine's Python shlex gives (when python3 is installed)", function () {
    const script = "import json,shlex,sys\nout=[]\nfor s in json.load(sys.stdin):\n  try: out.append(shlex.split(s))\n  except ValueError: out.append(None)\nprint(json.dumps(out))";
    const inputs = [...SHLEX_VECTORS.map(([t]) => t), ...SHLEX_ERRORS];
    const run = spawnSync("python3", ["-c", script], { input: JSON.stringify(inputs), encoding: "utf8" });
    if (run.error || run.status !== 0) this.skip();
    expect(JSON.parse(run.stdout)).to.deep.equal([...SHLEX_VECTORS.map(([, w]) => w), ...SHLEX_ERRORS.map(() => null)]);
  });
});
