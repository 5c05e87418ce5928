import { z } from "zod";
import { DEFAULT_PIPELINE, RETIREMENT_CHUNK_MAX, parsePipeline, pipelineProblems, pipelineRows, type PipelineStep } from "../../domain/retirement/retirement-pipeline";
import { DEFAULT_RETIREMENT_STATES } from "../../domain/retirement/retirement-states";
import { defineSection } from "../section";
import { buildRetirementServices, DRIVER_CONFIG_VARIABLE, readDriverConfig, missingServiceSettings, RETIREMENT_SERVICE_VARIABLES, type RetirementServicesConfig } from "./retirement-services";
import { bool, cron, int, list, stringList, text, variable } from "../variable";

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
  /** Learners per retirement job enqueued by retire-learners (1: a retire-learner job each). */
  chunkSize: number;
  developmentMode: boolean;
}

/** edx-platform's shipped salts: public, so hashes made with them can be reversed by guessing usernames. */
const PUBLIC_DEFAULT_SALTS = ["abc", "123"];
const STATE_NAME = /^[A-Za-z0-9_]{1,30}$/; // user_api_retirementstate.state_name is char(30)

/** Read by other sections too (e.g. the console's); the loader lists and checks a shared variable once. */
export const DEVELOPMENT_MODE = variable(bool(), {
  description: "Development/test mode: allows upstream's public default RETIRED_USER_SALTS. Never set it in production",
  default: false,
});

export const retirementSection = defineSection(
  {
    OPENEDX_WORKERS_DEVELOPMENT_MODE: DEVELOPMENT_MODE,
    RETIRED_USERNAME_PREFIX: variable(text(), { description: "Prefix of retired usernames (LMS RETIRED_USERNAME_PREFIX)", default: "retired__user_" }),
    RETIRED_EMAIL_PREFIX: variable(text(), { description: "Prefix of retired emails (LMS RETIRED_EMAIL_PREFIX)", default: "retired__user_" }),
    RETIRED_EMAIL_DOMAIN: variable(text(), { description: "Domain of retired emails (LMS RETIRED_EMAIL_DOMAIN)", default: "retired.invalid" }),
    // Salts are secrets (anyone holding them can confirm a guessed identity): `config` must not print them.
    RETIRED_USER_SALTS: variable(stringList().refine((s) => s.length > 0, "must hold at least one salt"), {
      description:
        "Salts of retired usernames/emails, oldest first; must equal the LMS's RETIRED_USER_SALTS. The last one hashes new retirements. Required for retirement; upstream's public default is refused outside development mode",
      default: PUBLIC_DEFAULT_SALTS,
      secret: true,
    }),
    RETIREMENT_STATES: variable(
      stringList(STATE_NAME).check((ctx) => {
        const duplicates = ctx.value.filter((s, i) => ctx.value.indexOf(s) !== i);
        if (duplicates.length > 0) ctx.issues.push({ code: "custom", message: `lists ${[...new Set(duplicates)].join(", ")} more than once`, input: ctx.value });
      }),
      {
        description: "Ordered retirement states that populate-retirement-states writes to user_api_retirementstate (LMS RETIREMENT_STATES)",
        default: DEFAULT_RETIREMENT_STATES,
      },
    ),
    ...DRIVER_CONFIG_VARIABLE,
    ...RETIREMENT_SERVICE_VARIABLES,
    // Unset: the driver config's retirement_pipeline, else the default one (see build).
    RETIREMENT_PIPELINE: variable(list(z.unknown()), {
      description:
        "Ordered steps [START_STATE, END_STATE, SERVICE, METHOD] (JSON array of arrays, or a YAML sequence), as the upstream driver's retirement_pipeline (which RETIREMENT_DRIVER_CONFIG's is used when this is unset). Database methods: LMS lock_account, retire_misc, unenroll, retire_lms, purge_pdf_certificates, add_to_partner_queue; HTTP methods: upstream's (LMS retirement_retire_forum, … ECOMMERCE retire_learner, …, BRAZE delete_user, …) and RETIREMENT_HTTP_SERVICES' retire_learner",
      docDefault: JSON.stringify(pipelineRows(DEFAULT_PIPELINE)),
    }),
    RETIREMENT_SCHEDULE_CRON: variable(cron(), {
      description: "Cron pattern (UTC) on which workers of the learner-retirement queue run retire-learners themselves, e.g. '0 3 * * *'; unset = off",
    }),
    RETIREMENT_SERVICE_WORKER_USERNAME: variable(text(), {
      description: "The LMS's retirement service user (LMS RETIREMENT_SERVICE_WORKER_USERNAME), whose OAuth application RETIREMENT_CLIENT_ID/SECRET are; informational",
      default: "RETIREMENT_SERVICE_USER",
    }),
    RETIREMENT_COOL_OFF_DAYS: variable(int({ min: 0 }), { description: "Days after the request (status row's created) before a learner is retired", default: 7 }),
    RETIREMENT_BATCH_LIMIT: variable(int({ min: 1 }), {
      description: "At most this many learners enqueued per retire-learners run (upstream max_user_batch_size)",
      default: 200,
    }),
    RETIREMENT_ABORT_ABOVE: variable(int({ min: 1 }), {
      description: "retire-learners refuses to run when more learners than this are eligible (upstream user_count_error_threshold)",
      default: 300,
    }),
    RETIREMENT_CHUNK_SIZE: variable(int({ min: 1, max: RETIREMENT_CHUNK_MAX }), {
      description: `Learners per job enqueued by retire-learners, 1-${RETIREMENT_CHUNK_MAX}: 1 is a retire-learner job each; more batches their database work (32 for a backlog, see docs/performance.md)`,
      default: 1,
    }),
  },
  (v, checks): RetirementConfig => {
    const developmentMode = v.OPENEDX_WORKERS_DEVELOPMENT_MODE;
    const salts = v.RETIRED_USER_SALTS;
    checks.requirement("RETIRED_USER_SALTS", () => {
      const newest = salts[salts.length - 1];
      if (developmentMode || newest === undefined || !PUBLIC_DEFAULT_SALTS.includes(newest)) return undefined;
      return `the newest salt is upstream's public default ("${newest}"); set the LMS's own RETIRED_USER_SALTS (or OPENEDX_WORKERS_DEVELOPMENT_MODE=true for a throw-away setup)`;
    });

    const states = v.RETIREMENT_STATES;
    const driver = readDriverConfig(v.RETIREMENT_DRIVER_CONFIG, checks);
    const services = buildRetirementServices(v, driver, checks);
    const rawPipeline = v.RETIREMENT_PIPELINE ?? driver?.retirement_pipeline ?? pipelineRows(DEFAULT_PIPELINE);
    const { steps: pipeline, problems } = parsePipeline(rawPipeline, { genericServices: Object.keys(services.generic) });
    if (pipeline.length === 0 && problems.length === 0) problems.push("must hold at least one step");
    problems.push(...pipelineProblems(pipeline, states, "RETIREMENT_STATES"));
    for (const p of problems) checks.problem("RETIREMENT_PIPELINE", p);
    // Only a retirement worker needs the services: other commands (retire-learners, status) work without them.
    checks.requirement("RETIREMENT_PIPELINE", () => missingServiceSettings(pipeline, services));

    return {
      usernamePrefix: v.RETIRED_USERNAME_PREFIX,
      emailPrefix: v.RETIRED_EMAIL_PREFIX,
      emailDomain: v.RETIRED_EMAIL_DOMAIN,
      salts,
      states,
      serviceWorkerUsername: v.RETIREMENT_SERVICE_WORKER_USERNAME,
      pipeline,
      services,
      scheduleCron: v.RETIREMENT_SCHEDULE_CRON,
      coolOffDays: v.RETIREMENT_COOL_OFF_DAYS,
      batchLimit: v.RETIREMENT_BATCH_LIMIT,
      abortAbove: v.RETIREMENT_ABORT_ABOVE,
      chunkSize: v.RETIREMENT_CHUNK_SIZE,
      developmentMode,
    };
  },
);
