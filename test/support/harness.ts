import type { S3Client } from "@aws-sdk/client-s3";
import { closeAppContext, type AppContext } from "../../src/app/app-context";
import { createAppContext } from "../../src/services/app-context-factory";
import { loadConfig, type AppConfig } from "../../src/config";
import { silentLogger, type Logger } from "../../src/logging/logger";
import { WorkerHost, type WorkerHostOptions } from "../../src/workers/worker-host";
import { deletePrefix } from "./redis-keys";
import { services, uniqueSuffix } from "./services";
import { createTestBucket, type TestBucket } from "./test-bucket";
import { createTestDatabase, type LmsSchemaKind, type TestDatabase } from "./test-database";

/*
 * The test harness. Each test gets its own database, queue prefix and (optionally) bucket.
 *
 * LMS schema of the database (docs/lms-schema.md):
 * - default: the tables `migrate --with-lms-schema` creates;
 * - `TEST_LMS_SCHEMA=real`: edx-platform's own schema (../shared/reference/lms-schema/edxapp-2023-02.sql, edx-platform
 *   master of 2023-02-21) plus the tables edx-platform added later that the workers read, each from the upstream
 *   migration that created it (src/db/migrations/lms/later-tables.ts), then plain `migrate`;
 * - `Harness.create({ lmsSchema: "real-2023-02" })` (or `TEST_LMS_SCHEMA=real-2023-02`): the 2023-02 schema without
 *   the later tables, i.e. an LMS of that release, for tests of an optional newer table being absent;
 * - `Harness.create({ lmsSchema: "real" | "project" })` picks one whatever TEST_LMS_SCHEMA says.
 * Databases are recycled between tests (test/support/database-pool.ts): a test sees empty LMS tables and a freshly
 * migrated schema either way; one that alters the schema gets its database dropped afterwards, not reused.
 * Rows in LMS tables: test/support/lms-seed.ts fills the NOT NULL columns the real schema has without defaults.
 */

/** The default pipeline without its HTTP steps (forums, notes). */
export const DATABASE_PIPELINE = JSON.stringify([
  ["LOCKING_ACCOUNT", "LOCKING_COMPLETE", "LMS", "lock_account"],
  ["RETIRING_EMAIL_LISTS", "EMAIL_LISTS_COMPLETE", "LMS", "retire_misc"],
  ["RETIRING_ENROLLMENTS", "ENROLLMENTS_COMPLETE", "LMS", "unenroll"],
  ["RETIRING_LMS", "LMS_COMPLETE", "LMS", "retire_lms"],
]);

export interface HarnessOptions {
  /** Create a bucket of its own (tests that touch S3). */
  bucket?: boolean;
  /** Extra environment for the config (beyond database, Redis, prefix, S3 and bucket). */
  env?: Record<string, string>;
  /**
   * The LMS schema the database starts from (test/support/lms-schemas.ts): `project` (`migrate --with-lms-schema`),
   * `real` (edx-platform's 2023-02 schema plus the later tables the workers read) or `real-2023-02` (that schema
   * alone: an LMS without the later tables). Default: TEST_LMS_SCHEMA, else `project`.
   */
  lmsSchema?: LmsSchemaKind;
}

/**
 * One test's own world: a fresh database, a queue prefix, optionally a bucket, and the environment that points the
 * service at them. Everything it makes is removed by `close()`. Tests build contexts and worker hosts from it.
 */
export class Harness {
  readonly prefix = `owt-${uniqueSuffix()}`;
  db!: TestDatabase;
  bucket?: TestBucket;
  private readonly contexts: AppContext[] = [];
  private readonly hosts: WorkerHost[] = [];

  private constructor(private readonly opts: HarnessOptions) {}

  static async create(opts: HarnessOptions = {}): Promise<Harness> {
    const h = new Harness(opts);
    h.db = await createTestDatabase({ lmsSchema: opts.lmsSchema });
    if (opts.bucket) h.bucket = await createTestBucket();
    return h;
  }

  get ds() {
    return this.db.dataSource;
  }

  /** The environment a CLI or child process of this test runs with. */
  env(extra: Record<string, string> = {}): Record<string, string> {
    const env: Record<string, string> = {
      DATABASE_URL: this.db.url,
      REDIS_URL: services.redisUrl,
      QUEUE_PREFIX: this.prefix,
      S3_ENDPOINT: services.s3Endpoint,
      S3_REGION: "us-east-1",
      S3_FORCE_PATH_STYLE: "true",
      AWS_ACCESS_KEY_ID: services.s3AccessKey,
      AWS_SECRET_ACCESS_KEY: services.s3SecretKey,
      LOG_LEVEL: "error",
      JOB_BACKOFF_MS: "100",
      // Lets worker tests run every queue with upstream's public retirement salts; tests of the refusal override it.
      OPENEDX_WORKERS_DEVELOPMENT_MODE: "true",
      // The database steps only, so workers of every queue run without an LMS to call; HTTP tests set their own.
      RETIREMENT_PIPELINE: DATABASE_PIPELINE,
      ...this.opts.env,
      ...extra,
    };
    if (this.bucket) {
      env.CERTIFICATES_BUCKET ??= this.bucket.name;
      env.CERTIFICATES_DOWNLOAD_URL_BASES ??= `https://${this.bucket.name}.s3.amazonaws.com`;
    }
    return env;
  }

  config(extra: Record<string, string> = {}): AppConfig {
    return loadConfig(this.env(extra));
  }

  async context(opts: { env?: Record<string, string>; logger?: Logger; s3?: S3Client } = {}): Promise<AppContext> {
    const ctx = await createAppContext(this.config(opts.env), opts.logger ?? silentLogger(), { s3: opts.s3 });
    this.contexts.push(ctx);
    return ctx;
  }

  /** A started worker host on its own context; fast stalled-job recovery so crash tests finish quickly. */
  async worker(opts: Partial<WorkerHostOptions> & { env?: Record<string, string>; logger?: Logger; s3?: S3Client } = {}): Promise<{ host: WorkerHost; ctx: AppContext }> {
    const ctx = await this.context({ env: opts.env, logger: opts.logger, s3: opts.s3 });
    const host = new WorkerHost(ctx, {
      queues: opts.queues ?? [],
      concurrency: opts.concurrency ?? 4,
      workerOptions: { lockDuration: 2000, stalledInterval: 1000, ...opts.workerOptions },
    });
    host.start();
    this.hosts.push(host);
    return { host, ctx };
  }

  async close(): Promise<void> {
    for (const host of this.hosts) await host.close(2000).catch(() => undefined);
    for (const ctx of this.contexts) await closeAppContext(ctx).catch(() => undefined);
    await deletePrefix(this.prefix);
    await this.bucket?.drop().catch(() => undefined);
    await this.db.drop();
  }
}
