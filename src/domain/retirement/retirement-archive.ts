/**
 * The archive format of upstream's `retirement_archive_and_cleanup.py`: one JSON object per line (Python's
 * `json.dump`, so `", "`/`": "` separators and non-ASCII escaped), gzip, under
 * `raw/%Y/%m/retirement_archive_%Y_%d_%m_%H_%M_%S.json.gz` (upstream's own day-before-month timestamp).
 */

/** One archived learner: the status row's fields, dates as the LMS serializes them, made Athena-friendly. */
export interface ArchivedRetirement {
  userId: number;
  originalUsername: string;
  originalEmail: string;
  originalName: string;
  retiredUsername: string;
  retiredEmail: string;
  /** `created` of the status row, as `YYYY-MM-DD HH:MM:SS[.ffffff]` (UTC). */
  retirementRequestDate: string;
  /** `modified` of the status row, same format. */
  lastModifiedDate: string;
}

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

/** The object key of an archive written at `now` (UTC), exactly as upstream builds it. */
export function archiveObjectKey(now: Date): string {
  const Y = now.getUTCFullYear();
  const m = pad(now.getUTCMonth() + 1);
  const d = pad(now.getUTCDate());
  const stamp = `${Y}_${d}_${m}_${pad(now.getUTCHours())}_${pad(now.getUTCMinutes())}_${pad(now.getUTCSeconds())}`;
  return `raw/${Y}/${m}/retirement_archive_${stamp}.json.gz`;
}

/**
 * upstream `_format_datetime_for_athena`: the LMS's JSON timestamp (`2018-10-18T20:35:52.349757Z`, Python isoformat,
 * microseconds omitted when zero) with `T` → space and the `Z` stripped. Input: MySQL's `%Y-%m-%d %H:%i:%s.%f`.
 */
export function athenaDate(mysqlDatetime: string): string {
  const [date, time = "00:00:00"] = mysqlDatetime.trim().split(" ");
  const [hms, fraction = ""] = time.split(".");
  const micros = fraction.padEnd(6, "0").slice(0, 6);
  return /^0+$/.test(micros) ? `${date} ${hms}` : `${date} ${hms}.${micros}`;
}

/** Python's `json.dumps` of a string with the default ensure_ascii=True. */
function pythonJsonString(value: string): string {
  return JSON.stringify(value).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** One line of the archive, byte for byte what upstream's `json.dump(user, out)` writes (without the newline). */
function archiveLine(r: ArchivedRetirement): string {
  const fields: Array<[string, string]> = [
    ["user_id", String(r.userId)],
    ["original_username", pythonJsonString(r.originalUsername)],
    ["original_email", pythonJsonString(r.originalEmail)],
    ["original_name", pythonJsonString(r.originalName)],
    ["retired_username", pythonJsonString(r.retiredUsername)],
    ["retired_email", pythonJsonString(r.retiredEmail)],
    ["retirement_request_date", pythonJsonString(r.retirementRequestDate)],
    ["last_modified_date", pythonJsonString(r.lastModifiedDate)],
  ];
  return `{${fields.map(([k, v]) => `"${k}": ${v}`).join(", ")}}`;
}

/** The whole archive text: every line followed by "\n", as upstream writes it. */
export function archiveText(rows: readonly ArchivedRetirement[]): string {
  return rows.map((r) => `${archiveLine(r)}\n`).join("");
}

/**
 * Upstream's window: rows `created` before the day after `now − cool_off_days` (the driver sends the end as a date and
 * the LMS filters `created < end + 1 day`), from 2018-01-01 on. Returns the exclusive upper bound (UTC midnight).
 */
export function archiveCutoff(now: Date, coolOffDays: number): Date {
  const end = new Date(now.getTime() - coolOffDays * 86_400_000);
  return new Date(Date.UTC(end.getUTCFullYear(), end.getUTCMonth(), end.getUTCDate() + 1));
}

/** The selection window of an archive run: status rows created at or after `start` (when set) and before `endExclusive`. */
export interface ArchiveWindow {
  start?: Date;
  endExclusive: Date;
}

/** A date option upstream's archive script refuses (its ERR_BAD_CLI_PARAM); the CLI exits 2 with the message. */
export class ArchiveWindowError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ArchiveWindowError";
  }
}

/**
 * upstream's `archive_and_cleanup` window (retirement_archive_and_cleanup.py): `--end-date` (a day) must not fall
 * within the cool-off (`end_date > now - cool_off_days` is refused); without it the end is now − cool-off; a
 * `--start-date` on or after the end is refused. The LMS then selects `created >= start` and `created < end + 1 day`
 * (retirements_by_status_and_date). Upstream's default start, 2018-01-01, predates retirement itself; here no start
 * means no lower bound.
 */
export function archiveWindow(now: Date, coolOffDays: number, startDate?: Date, endDate?: Date): ArchiveWindow {
  const coolOffEnd = new Date(now.getTime() - coolOffDays * 86_400_000);
  if (endDate && endDate.getTime() > coolOffEnd.getTime()) throw new ArchiveWindowError("End date cannot occur within the cool_off_days period");
  const end = endDate ?? coolOffEnd;
  if (startDate && startDate.getTime() >= end.getTime()) throw new ArchiveWindowError("Conflicting start and end dates passed on CLI");
  const endExclusive = endDate ? new Date(endDate.getTime() + 86_400_000) : archiveCutoff(now, coolOffDays);
  return { start: startDate, endExclusive };
}
