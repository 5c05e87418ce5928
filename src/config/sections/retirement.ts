import { DEFAULT_PIPELINE, parsePipeline, pipelineProblems, pipelineRows, type PipelineStep } from "../../domain/retirement/retirement-pipeline";
import { DEFAULT_RETIREMENT_STATES } from "../../domain/retirement/retirement-states";
import type { ConfigSource } from "../config-source";
import { missingServiceSettings, readDriverConfig, readRetirementServicesConfig, type RetirementServicesConfig } from "./retirement-services";

export interface RetirementConfig {
  usernamePrefix: string;
  emailPrefix: string;
  emailDomain: string;
  /** Oldest first; the last one hashes new retirements. */
  salts: string[];
  states: string[];
  serviceWorkerUsername: string;
  pipeline: PipelineStep[];
  /** Where the HTTP steps go and how they authenticate. */
  services: RetirementServicesConfig;
  /** Cron pattern (UTC) of the retire-learners job scheduler; undefined = off. */
  scheduleCron?: string;
  coolOffDays: number;
  batchLimit: number;
  abortAbove: number;
  developmentMode: boolean;
}

/** edx-platform's shipped salts: public, so hashes made with them can be reversed by guessing usernames. */
export const PUBLIC_DEFAULT_SALTS = ["abc", "123"];
const STATE_NAME = /^[A-Za-z0-9_]{1,30}$/; // user_api_retirementstate.state_name is char(30)

export function readRetirementConfig(src: ConfigSource): RetirementConfig {
  const developmentMode = src.bool(
    "OPENEDX_WORKERS_DEVELOPMENT_MODE",
    "Development/test mode: allows upstream's public default RETIRED_USER_SALTS. Never set it in production",
    false,
  );
  const usernamePrefix = src.string("RETIRED_USERNAME_PREFIX", "Prefix of retired usernames (LMS RETIRED_USERNAME_PREFIX)", { default: "retired__user_" });
  const emailPrefix = src.string("RETIRED_EMAIL_PREFIX", "Prefix of retired emails (LMS RETIRED_EMAIL_PREFIX)", { default: "retired__user_" });
  const emailDomain = src.string("RETIRED_EMAIL_DOMAIN", "Domain of retired emails (LMS RETIRED_EMAIL_DOMAIN)", { default: "retired.invalid" });
  const salts = src.stringList("RETIRED_USER_SALTS", "Salts of retired usernames/emails, oldest first; must equal the LMS's RETIRED_USER_SALTS. The last one hashes new retirements. Required for retirement; upstream's public default is refused outside development mode", { default: PUBLIC_DEFAULT_SALTS });
  // Salts are secrets (anyone holding them can confirm a guessed identity): `config` must not print them.
  const saltsDoc = src.docs.find((d) => d.name === "RETIRED_USER_SALTS");
  if (saltsDoc) saltsDoc.secret = true;
  if (salts.length === 0) src.problem("RETIRED_USER_SALTS", "must hold at least one salt");
  src.requirement("RETIRED_USER_SALTS", () => {
    const newest = salts[salts.length - 1];
    if (developmentMode || newest === undefined || !PUBLIC_DEFAULT_SALTS.includes(newest)) return undefined;
    return `the newest salt is upstream's public default ("${newest}"); set the LMS's own RETIRED_USER_SALTS (or OPENEDX_WORKERS_DEVELOPMENT_MODE=true for a throw-away setup)`;
  });

  const states = src.stringList("RETIREMENT_STATES", "Ordered retirement states that populate-retirement-states writes to user_api_retirementstate (LMS RETIREMENT_STATES)", {
    default: DEFAULT_RETIREMENT_STATES,
    pattern: STATE_NAME,
  });
  const duplicates = states.filter((s, i) => states.indexOf(s) !== i);
  if (duplicates.length > 0) src.problem("RETIREMENT_STATES", `lists ${[...new Set(duplicates)].join(", ")} more than once`);

  const driver = readDriverConfig(src);
  const services = readRetirementServicesConfig(src, driver);
  const rawPipeline = src.list(
    "RETIREMENT_PIPELINE",
    "Ordered steps [START_STATE, END_STATE, SERVICE, METHOD] (JSON array of arrays, or a YAML sequence), as the upstream driver's retirement_pipeline (which RETIREMENT_DRIVER_CONFIG's is used when this is unset). Database methods: LMS lock_account, retire_misc, unenroll, retire_lms, purge_pdf_certificates; HTTP methods: upstream's (LMS retirement_retire_forum, … ECOMMERCE retire_learner, …, BRAZE delete_user, …) and RETIREMENT_HTTP_SERVICES' retire_learner",
    { default: driver?.retirement_pipeline ?? pipelineRows(DEFAULT_PIPELINE), docDefault: JSON.stringify(pipelineRows(DEFAULT_PIPELINE)) },
  );
  const { steps: pipeline, problems } = parsePipeline(rawPipeline, { genericServices: Object.keys(services.generic) });
  if (pipeline.length === 0 && problems.length === 0) problems.push("must hold at least one step");
  problems.push(...pipelineProblems(pipeline, states, "RETIREMENT_STATES"));
  for (const p of problems) src.problem("RETIREMENT_PIPELINE", p);
  // Only a retirement worker needs the services: other commands (retire-learners, status) work without them.
  src.requirement("RETIREMENT_PIPELINE", () => missingServiceSettings(pipeline, services));

  const scheduleCron = src.cron("RETIREMENT_SCHEDULE_CRON", "Cron pattern (UTC) on which workers of the learner-retirement queue run retire-learners themselves, e.g. '0 3 * * *'; unset = off");
  return {
    usernamePrefix,
    emailPrefix,
    emailDomain,
    salts,
    states,
    serviceWorkerUsername: src.string("RETIREMENT_SERVICE_WORKER_USERNAME", "The LMS's retirement service user (LMS RETIREMENT_SERVICE_WORKER_USERNAME), whose OAuth application RETIREMENT_CLIENT_ID/SECRET are; informational", { default: "RETIREMENT_SERVICE_USER" }),
    pipeline,
    services,
    scheduleCron,
    coolOffDays: src.int("RETIREMENT_COOL_OFF_DAYS", "Days after the request (status row's created) before a learner is retired", { default: 7, min: 0 }),
    batchLimit: src.int("RETIREMENT_BATCH_LIMIT", "At most this many learners enqueued per retire-learners run (upstream max_user_batch_size)", { default: 200, min: 1 }),
    abortAbove: src.int("RETIREMENT_ABORT_ABOVE", "retire-learners refuses to run when more learners than this are eligible (upstream user_count_error_threshold)", { default: 300, min: 1 }),
    developmentMode,
  };
}
