/**
 * upstream's partner report (`scripts/user_retirement/retirement_partner_report.py` with the LMS's
 * `AccountRetirementPartnerReportView.retirement_partner_report`): which partners hear about which learners, and the
 * CSV files they get, byte for byte as upstream writes them.
 */

/** upstream's DEFAULT_FIELD_HEADINGS. */
export const DEFAULT_FIELD_HEADINGS = ["user_id", "original_username", "original_email", "original_name", "deletion_completed"] as const;

/** upstream's REPORTING_FILENAME_PREFIX. */
const REPORTING_FILENAME_PREFIX = "user_retirement";

/** upstream's NOTIFICATION_MESSAGE_TEMPLATE (edX's wording); `{tags}` becomes "+a@x.org +b@y.org". */
export const NOTIFICATION_MESSAGE_TEMPLATE =
  "Hello from edX. Dear {tags}, a new report listing the learners enrolled in your institution’s courses on edx.org that have requested deletion of their edX account and associated personal data within the last week has been published to Google Drive. Please access your folder to see the latest report.";

/** The Drive folder mime type (upstream's FOLDER_MIMETYPE). */
export const FOLDER_MIMETYPE = "application/vnd.google-apps.folder";

/** One queued learner as the LMS's view returns it. Holds PII: it goes into the CSV files only. */
export interface PartnerReportLearner {
  userId: number;
  originalUsername: string;
  originalEmail: string;
  originalName: string;
  /** The reporting row's `created`, as the LMS serializes it (DRF DateTimeField): upstream's `deletion_completed`. */
  created: string;
  /** The orgs of the learner's enrollments. */
  orgs: string[];
}

/** The bogus default org value the LMS's `_get_orgs_for_user` skips, with blank orgs. */
const NO_ORG = "outdated_entry";

/** The LMS's `_get_orgs_for_user`: the distinct orgs of the learner's enrollments, blank and `outdated_entry` left out. */
export function learnerOrgs(courseOrgs: ReadonlyArray<string | null | undefined>): string[] {
  return [...new Set(courseOrgs.filter((o): o is string => !!o && o !== NO_ORG))].sort();
}

/**
 * DRF's DateTimeField output of a UTC datetime (the LMS runs with TIME_ZONE UTC): Python's isoformat with `+00:00`
 * written `Z`, microseconds left out when zero. Input: MySQL's `%Y-%m-%d %H:%i:%s.%f`.
 */
export function drfDateTime(mysqlDatetime: string): string {
  const [date, time = "00:00:00"] = mysqlDatetime.trim().split(" ");
  const [hms, fraction = ""] = time.split(".");
  const micros = fraction.padEnd(6, "0").slice(0, 6);
  return /^0+$/.test(micros) ? `${date}T${hms}Z` : `${date}T${hms}.${micros}Z`;
}

/**
 * One record of Python's `csv.writer` with the `excel` dialect upstream uses (`csv.DictWriter(f, headings,
 * dialect=csv.excel)` of unicodecsv, UTF-8): fields joined by ",", QUOTE_MINIMAL (a field is quoted only when it holds
 * the delimiter, the quote character or a character of the line terminator, and quotes inside are doubled), `None`
 * written empty, and the record ended by "\r\n". Written here because the byte-exact Python dialect is the
 * requirement; a CSV library's own quoting rules would have to be configured and checked against it just the same.
 */
export function pythonCsvRecord(fields: ReadonlyArray<string | number | null | undefined>): string {
  return `${fields.map(pythonCsvField).join(",")}\r\n`;
}

function pythonCsvField(value: string | number | null | undefined): string {
  const text = value === null || value === undefined ? "" : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A partner's whole file: the header, then one record per learner in queue order. UTF-8, no byte order mark. */
export function partnerReportCsv(learners: readonly PartnerReportLearner[]): string {
  return [
    pythonCsvRecord(DEFAULT_FIELD_HEADINGS),
    ...learners.map((l) => pythonCsvRecord([l.userId, l.originalUsername, l.originalEmail, l.originalName, l.created])),
  ].join("");
}

/** upstream's file name: `user_retirement_<partner_report_platform_name>_<partner>_<YYYY-MM-DD>.csv` (`date.today()`, UTC here). */
export function partnerReportFileName(platformName: string, partner: string, now: Date): string {
  return `${REPORTING_FILENAME_PREFIX}_${platformName}_${partner}_${now.toISOString().slice(0, 10)}.csv`;
}

export interface PartnerAssignment {
  /** Orgs of some learner that `org_partner_mapping` lacks (upstream then stops the run), sorted. */
  unmapped: string[];
  /** Each partner with its learners, partners in the order upstream meets them (learners by queue order, orgs sorted). */
  partners: Array<{ partner: string; learners: PartnerReportLearner[] }>;
  /** The partners each learner is reported to (empty for a learner without orgs: nothing to report). */
  partnersOf: Map<number, string[]>;
}

/**
 * upstream's `_check_all_learner_orgs_or_exit` and `_get_orgs_and_learners_or_exit`: every org must be in the mapping
 * (org → list of partner names); each learner goes to every partner of each of its orgs. A learner whose orgs share a
 * partner is listed once in that partner's file (upstream appends it once per org).
 */
export function assignToPartners(learners: readonly PartnerReportLearner[], mapping: Readonly<Record<string, readonly string[]>>): PartnerAssignment {
  const unmapped = [...new Set(learners.flatMap((l) => l.orgs).filter((org) => !Object.hasOwn(mapping, org)))].sort();
  const partners = new Map<string, PartnerReportLearner[]>();
  const partnersOf = new Map<number, string[]>();
  if (unmapped.length > 0) return { unmapped, partners: [], partnersOf };
  for (const learner of learners) {
    const own = [...new Set(learner.orgs.flatMap((org) => mapping[org]))];
    partnersOf.set(learner.userId, own);
    for (const partner of own) partners.set(partner, [...(partners.get(partner) ?? []), learner]);
  }
  return { unmapped, partners: [...partners].map(([partner, list]) => ({ partner, learners: list })), partnersOf };
}

/** upstream's message for unmapped orgs (a Python set's text, sorted here). */
export function unmappedOrganizationsMessage(orgs: readonly string[]): string {
  return `Partners for organizations {${orgs.map((o) => `'${o}'`).join(", ")}} do not exist in configuration.`;
}

/**
 * upstream's `_add_comments_to_files`: the folder's permission addresses, less those ending with a denied domain
 * (case-insensitive), tagged "+address" in the notification text; undefined when none is left (upstream warns).
 */
export function notificationComment(template: string, addresses: readonly string[], deniedDomains: readonly string[]): string | undefined {
  const external = addresses.filter((a) => !deniedDomains.some((d) => a.toLowerCase().endsWith(d.toLowerCase())));
  if (external.length === 0) return undefined;
  return template.replace("{tags}", external.map((a) => `+${a}`).join(" "));
}

/** upstream normalizes partner names (config and Drive folder names) to NFKC, so accented names match. */
export const normalizePartnerName = (name: string): string => name.normalize("NFKC");
