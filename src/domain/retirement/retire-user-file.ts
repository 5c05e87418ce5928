/**
 * The `--user_file` of upstream's `retire_user` command (openedx/core/djangoapps/user_api/management/commands/
 * retire_user.py, `append_users_lists`), read as it reads it: one learner per line, the line split at commas (no
 * quoting), the first field the username and the second the email, each stripped of surrounding whitespace, further
 * fields ignored; a line whose fields are `username` and `email` or `user_email` (any case) is a header and skipped.
 * Beyond upstream, which stops with an IndexError there: blank lines are skipped, a UTF-8 byte order mark is dropped,
 * and a line without two non-empty fields is a bad row of its own instead of the end of the run.
 */
export type UserFileRow =
  | { line: number; username: string; email: string }
  | { line: number; problem: string };

export function parseRetireUserFile(text: string): UserFileRow[] {
  const rows: UserFileRow[] = [];
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  for (const [i, record] of lines.entries()) {
    if (record.trim() === "") continue;
    const fields = record.split(",");
    const line = i + 1;
    if (fields.length < 2) {
      rows.push({ line, problem: "expected username,email" });
      continue;
    }
    const username = fields[0].trim();
    const email = fields[1].trim();
    if (username.toLowerCase() === "username" && ["email", "user_email"].includes(email.toLowerCase())) continue;
    if (username === "" || email === "") rows.push({ line, problem: "empty username or email" });
    else rows.push({ line, username, email });
  }
  return rows;
}
