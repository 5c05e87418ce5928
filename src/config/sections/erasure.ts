import { defineSection } from "../section";
import { cron, int, stringList, text, variable } from "../variable";

/** Retirement's work beyond the LMS database: profile image files, the archive of status rows, the sweepers. */
export interface ErasureConfig {
  profileImages: {
    /** Bucket of the LMS PROFILE_IMAGE_BACKEND; unset = profile image files are not deleted (warned once). */
    bucket?: string;
    /** Key prefix inside the bucket (the storage's `location`), '' or ending in '/'. */
    keyPrefix: string;
    /** LMS PROFILE_IMAGE_HASH_SEED: file names are md5(seed + username). */
    hashSeed: string;
    /** The pixel sizes of LMS PROFILE_IMAGE_SIZES_MAP: one file per size. */
    sizes: number[];
  };
  archive: {
    /** RETIREMENT_ARCHIVE_BUCKET (upstream s3_archive.bucket_name); required by archive-retirements. */
    bucket?: string;
    coolOffDays: number;
    batchSize: number;
    /** Cron pattern (UTC) of the scheduled archive-retirements; undefined = off. */
    scheduleCron?: string;
  };
  sweeper: {
    /** Cron pattern (UTC) of the stuck-work sweepers; undefined = off. */
    scheduleCron?: string;
    stuckAfterMinutes: number;
  };
}

const S3_BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
/** upstream's PROFILE_IMAGE_SIZES_MAP values: full 500, large 120, medium 50, small 30. */
const UPSTREAM_PROFILE_IMAGE_SIZES = [500, 120, 50, 30];

/**
 * Nightly, like immich's nightly check job: cheap (one bounded query per family) and the safety net for work
 * nothing else would look at again, so it is on unless an operator says `off`.
 */
export const DEFAULT_SWEEPER_CRON = "15 2 * * *";

const bucket = () => text().refine((v) => S3_BUCKET.test(v), { error: (iss) => `"${String(iss.input)}" is not a valid S3 bucket name` });

export const erasureSection = defineSection(
  {
    PROFILE_IMAGE_BUCKET: variable(bucket(), {
      description: "Bucket of the LMS profile images (PROFILE_IMAGE_BACKEND); retirement deletes the learner's files there. Unset = files are not deleted (a warning says so)",
    }),
    PROFILE_IMAGE_KEY_PREFIX: variable(
      text().refine((v) => v === "" || (v.endsWith("/") && !v.startsWith("/") && !v.includes("..")), {
        error: (iss) => `must be empty or a relative path ending in '/', got "${String(iss.input)}"`,
      }),
      { description: "Key prefix of profile images inside PROFILE_IMAGE_BUCKET (the LMS storage's location), e.g. 'profile-images/'", default: "" },
    ),
    PROFILE_IMAGE_HASH_SEED: variable(text(), {
      description: "The LMS PROFILE_IMAGE_HASH_SEED: profile image files are named md5(seed + username)_<size>.jpg",
      default: "placeholder_secret_key",
      secret: true,
    }),
    PROFILE_IMAGE_SIZES: variable(stringList(/^\d{1,5}$/), {
      description: "Pixel sizes of the LMS PROFILE_IMAGE_SIZES_MAP (one profile image file per size)",
      default: UPSTREAM_PROFILE_IMAGE_SIZES.map(String),
    }),
    RETIREMENT_ARCHIVE_BUCKET: variable(bucket(), {
      description: "Bucket archive-retirements writes the gzip JSON-lines archives of COMPLETE learners to (upstream s3_archive.bucket_name); required by archive-retirements",
    }),
    RETIREMENT_ARCHIVE_COOL_OFF_DAYS: variable(int({ min: 0 }), {
      description: "Days after the request (status row's created) before a COMPLETE learner is archived and its status row deleted (upstream default 37: 7 before retirement, 30 after)",
      default: 37,
    }),
    RETIREMENT_ARCHIVE_BATCH_SIZE: variable(int({ min: 1, max: 100000 }), { description: "Learners per archive object and per cleanup transaction", default: 1000 }),
    RETIREMENT_ARCHIVE_SCHEDULE_CRON: variable(cron(), {
      description: "Cron pattern (UTC) on which workers of the learner-retirement queue run archive-retirements themselves, e.g. '30 4 * * *'; unset = off",
    }),
    STUCK_JOB_SWEEPER_CRON: variable(cron(), {
      description: "Cron pattern (UTC) of the sweepers each worker queue runs (learners with no live job, lost or stalled generation, purges still to do); 'off' = off",
      default: DEFAULT_SWEEPER_CRON,
    }),
    STUCK_JOB_AFTER_MINUTES: variable(int({ min: 0 }), {
      description: "The sweepers re-enqueue work whose rows say unfinished, unchanged for at least this many minutes, that no waiting, delayed or active job carries",
      default: 30,
    }),
  },
  (v): ErasureConfig => ({
    profileImages: {
      bucket: v.PROFILE_IMAGE_BUCKET,
      keyPrefix: v.PROFILE_IMAGE_KEY_PREFIX,
      hashSeed: v.PROFILE_IMAGE_HASH_SEED,
      sizes: v.PROFILE_IMAGE_SIZES.map(Number),
    },
    archive: {
      bucket: v.RETIREMENT_ARCHIVE_BUCKET,
      coolOffDays: v.RETIREMENT_ARCHIVE_COOL_OFF_DAYS,
      batchSize: v.RETIREMENT_ARCHIVE_BATCH_SIZE,
      scheduleCron: v.RETIREMENT_ARCHIVE_SCHEDULE_CRON,
    },
    sweeper: { scheduleCron: v.STUCK_JOB_SWEEPER_CRON, stuckAfterMinutes: v.STUCK_JOB_AFTER_MINUTES },
  }),
);
