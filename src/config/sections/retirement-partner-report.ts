import { NOTIFICATION_MESSAGE_TEMPLATE, normalizePartnerName } from "../../domain/retirement/partner-report";
import { defineSection, type SectionChecks } from "../section";
import { bool, cron, int, stringList, text, url, variable } from "../variable";
import { DRIVER_CONFIG_VARIABLE, mapping, readDriverConfig } from "./retirement-services";

/** The partner report's settings: upstream's driver config keys, or RETIREMENT_PARTNER_<KEY> variables. */
export interface PartnerReportConfig {
  /** org → partner names (NFKC), upstream's org_partner_mapping; undefined when not configured. */
  orgPartnerMapping?: Record<string, string[]>;
  platformName?: string;
  /** Id of the Drive folder whose subfolders are named after the partners. */
  drivePartnersFolder?: string;
  deniedNotificationDomains: string[];
  /** The Google service account's JSON key file. */
  googleSecretsFile?: string;
  driveRootUrl: string;
  notificationTemplate: string;
  httpTimeoutMs: number;
  /** Rows marked as being processed longer than this are taken again (a run that crashed). */
  reclaimAfterHours: number;
  /** The scheduled run: cron (UTC; undefined = off), where it writes, whether it uploads and comments. */
  schedule: { cron?: string; outputDir?: string; upload: boolean; comments: boolean };
}

/** A partner name becomes part of a file name and is matched to a Drive folder name. */
const BAD_PARTNER = /[/\\\0]/;

const P = "RETIREMENT_PARTNER_";

/** upstream's org_partner_mapping: each org's list of partner names (a single name is taken as a list of one). */
function readMapping(raw: Record<string, unknown>, name: string, checks: SectionChecks): Record<string, string[]> | undefined {
  const result: Record<string, string[]> = {};
  for (const [org, value] of Object.entries(raw)) {
    const partners = typeof value === "string" ? [value] : value;
    if (!Array.isArray(partners) || partners.length === 0 || !partners.every((p) => typeof p === "string" && p.trim() !== "")) {
      checks.problem(name, `org ${org}: must map to a list of partner names`);
      continue;
    }
    const bad = (partners as string[]).filter((p) => BAD_PARTNER.test(p));
    if (bad.length > 0) checks.problem(name, `org ${org}: partner names become file names and may not hold / or \\: ${bad.join(", ")}`);
    result[org] = (partners as string[]).map(normalizePartnerName);
  }
  return Object.keys(result).length > 0 ? result : undefined;
}

export const partnerReportSection = defineSection(
  {
    ...DRIVER_CONFIG_VARIABLE,
    [`${P}ORG_PARTNER_MAPPING`]: variable(mapping(), {
      description: "The partner report's org → [partner, …] mapping (driver config org_partner_mapping); every org of a reported learner must be in it",
    }),
    [`${P}PARTNER_REPORT_PLATFORM_NAME`]: variable(text(), { description: "Platform name in the report file names (driver config partner_report_platform_name)" }),
    [`${P}DRIVE_PARTNERS_FOLDER`]: variable(text(), { description: "Id of the Google Drive folder holding one folder per partner, named after it (driver config drive_partners_folder)" }),
    [`${P}DENIED_NOTIFICATION_DOMAINS`]: variable(stringList(), {
      description: "Email domains never tagged in the notification comments, e.g. your own staff's (driver config denied_notification_domains)",
      default: [],
    }),
    [`${P}GOOGLE_SECRETS_FILE`]: variable(text(), { description: "JSON key file of the Google service account that uploads the reports (upstream --google_secrets_file)" }),
    [`${P}DRIVE_ROOT_URL`]: variable(url(["https:", "http:"]), { description: "Root URL of the Google Drive API", default: "https://www.googleapis.com/" }),
    [`${P}NOTIFICATION_TEMPLATE`]: variable(text(), {
      description: "Text of the comment that notifies a partner of a new report; {tags} becomes the partner's +addresses (default: upstream's edX text)",
      default: NOTIFICATION_MESSAGE_TEMPLATE,
      docDefault: "upstream's NOTIFICATION_MESSAGE_TEMPLATE",
    }),
    [`${P}HTTP_TIMEOUT_MS`]: variable(int({ min: 100 }), { description: "Timeout of each Google API request of the partner report (token, listing, upload, comment)", default: 60000 }),
    [`${P}RECLAIM_AFTER_HOURS`]: variable(int({ min: 1 }), {
      description: "Reporting rows a partner report marked as being processed this long ago (a run that crashed) are taken again by the next run",
      default: 24,
    }),
    RETIREMENT_PARTNER_REPORT_CRON: variable(cron(), {
      description: "Cron pattern (UTC) on which workers of the learner-retirement queue run partner-report themselves, e.g. '0 5 * * 1'; unset = off",
    }),
    RETIREMENT_PARTNER_REPORT_OUTPUT_DIR: variable(text(), { description: "Directory the scheduled partner report writes its CSV files to (they hold PII)" }),
    RETIREMENT_PARTNER_REPORT_NO_UPLOAD: variable(bool(), { description: "The scheduled partner report only writes the files (no Google Drive); the rows are deleted once written", default: false }),
    RETIREMENT_PARTNER_REPORT_NO_COMMENTS: variable(bool(), { description: "The scheduled partner report adds no notification comments", default: false }),
  },
  (v, checks): PartnerReportConfig => {
    // The retirement section reports a bad driver config file; here it is only read.
    const driver = readDriverConfig(v.RETIREMENT_DRIVER_CONFIG, { problem: () => undefined, requirement: () => undefined });
    const fromDriver = (key: string): unknown => driver?.[key];
    const str = (value: unknown): string | undefined => (typeof value === "string" && value.trim() !== "" ? value.trim() : undefined);
    const rawMapping = v[`${P}ORG_PARTNER_MAPPING`] ?? fromDriver("org_partner_mapping");
    let orgPartnerMapping: Record<string, string[]> | undefined;
    if (rawMapping !== undefined && rawMapping !== null) {
      if (typeof rawMapping !== "object" || Array.isArray(rawMapping)) checks.problem(`${P}ORG_PARTNER_MAPPING`, "org_partner_mapping must be a mapping org → [partner, …]");
      else orgPartnerMapping = readMapping(rawMapping as Record<string, unknown>, `${P}ORG_PARTNER_MAPPING`, checks);
    }
    const denied = fromDriver("denied_notification_domains");
    const deniedNotificationDomains = v[`${P}DENIED_NOTIFICATION_DOMAINS`].length > 0 ? v[`${P}DENIED_NOTIFICATION_DOMAINS`] : Array.isArray(denied) ? denied.filter((d): d is string => typeof d === "string") : [];
    const config: PartnerReportConfig = {
      orgPartnerMapping,
      platformName: v[`${P}PARTNER_REPORT_PLATFORM_NAME`] ?? str(fromDriver("partner_report_platform_name")),
      drivePartnersFolder: v[`${P}DRIVE_PARTNERS_FOLDER`] ?? str(fromDriver("drive_partners_folder")),
      deniedNotificationDomains,
      googleSecretsFile: v[`${P}GOOGLE_SECRETS_FILE`],
      driveRootUrl: v[`${P}DRIVE_ROOT_URL`].endsWith("/") ? v[`${P}DRIVE_ROOT_URL`] : `${v[`${P}DRIVE_ROOT_URL`]}/`,
      notificationTemplate: v[`${P}NOTIFICATION_TEMPLATE`],
      httpTimeoutMs: v[`${P}HTTP_TIMEOUT_MS`],
      reclaimAfterHours: v[`${P}RECLAIM_AFTER_HOURS`],
      schedule: {
        cron: v.RETIREMENT_PARTNER_REPORT_CRON,
        outputDir: v.RETIREMENT_PARTNER_REPORT_OUTPUT_DIR,
        upload: !v.RETIREMENT_PARTNER_REPORT_NO_UPLOAD,
        comments: !v.RETIREMENT_PARTNER_REPORT_NO_COMMENTS,
      },
    };
    // A worker that runs the scheduled report needs all of it; other commands do not.
    checks.requirement("RETIREMENT_PARTNER_REPORT_CRON", () => {
      if (!config.schedule.cron) return undefined;
      return partnerReportSettingsMissing(config, { upload: config.schedule.upload, googleSecretsFile: config.googleSecretsFile }).concat(
        config.schedule.outputDir ? [] : ["is set, so RETIREMENT_PARTNER_REPORT_OUTPUT_DIR must name the directory the reports are written to"],
      );
    });
    return config;
  },
);

/** What a run of the partner report needs and lacks (one problem each, naming the variable and the driver config key). */
export function partnerReportSettingsMissing(c: PartnerReportConfig, run: { upload: boolean; googleSecretsFile?: string }): string[] {
  const problems: string[] = [];
  if (!c.orgPartnerMapping) problems.push(`${P}ORG_PARTNER_MAPPING (driver config org_partner_mapping) is not set`);
  if (!c.platformName) problems.push(`${P}PARTNER_REPORT_PLATFORM_NAME (driver config partner_report_platform_name) is not set`);
  if (run.upload && !c.drivePartnersFolder) problems.push(`${P}DRIVE_PARTNERS_FOLDER (driver config drive_partners_folder) is not set (or run without upload)`);
  if (run.upload && !run.googleSecretsFile) problems.push(`${P}GOOGLE_SECRETS_FILE (--google-secrets-file) is not set (or run without upload)`);
  return problems;
}
