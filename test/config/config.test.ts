import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { loadConfig } from "../../src/config";
import { ConfigError } from "../../src/errors/config-error";
import { runCliInProcess } from "../support/cli";

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  throw new Error("expected a ConfigError");
}

describe("configuration", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "owcfg-"));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));
  const yamlFile = (text: string) => {
    const file = path.join(dir, "config.yml");
    fs.writeFileSync(file, text);
    return file;
  };

  it("has the documented defaults", () => {
    const config = loadConfig({});
    expect(config.databaseUrl).to.equal("mysql://root@127.0.0.1:3306/edxapp");
    expect(config.redisUrl).to.equal("redis://127.0.0.1:6379/0");
    expect(config.certificates).to.deep.include({ downloadPrefix: "downloads", verifyPrefix: "cert", filename: "Certificate.pdf" });
    expect(config.s3.endpoint).to.equal(undefined);
    expect(config.s3.credentials).to.equal(undefined);
  });

  it("derives the download URL base from the bucket, and parses comma-separated bases", () => {
    expect(loadConfig({ CERTIFICATES_BUCKET: "edx-certs" }).certificates.downloadUrlBases).to.deep.equal(["https://edx-certs.s3.amazonaws.com"]);
    const bases = loadConfig({ CERTIFICATES_BUCKET: "edx-certs", CERTIFICATES_DOWNLOAD_URL_BASES: "https://a.example.org/, https://B.example.org/certs" }).certificates.downloadUrlBases;
    expect(bases).to.deep.equal(["https://a.example.org", "https://b.example.org/certs"]);
  });

  it("reads the YAML file, with environment variables taking precedence", () => {
    const file = yamlFile("QUEUE_PREFIX: from-yaml\nWORKER_CONCURRENCY: 9\nCERTIFICATES_DOWNLOAD_URL_BASES:\n  - https://x.example.org\n  - https://y.example.org\n");
    const config = loadConfig({ OPENEDX_WORKERS_CONFIG: file, WORKER_CONCURRENCY: "3" });
    expect(config.queuePrefix).to.equal("from-yaml");
    expect(config.worker.concurrency).to.equal(3);
    expect(config.certificates.downloadUrlBases).to.deep.equal(["https://x.example.org", "https://y.example.org"]);
  });

  it("lists every problem at once, including unknown YAML keys", () => {
    const file = yamlFile("QUEUE_PREFX: typo\nJOB_ATTEMPTS: many\n");
    const problems = problemsOf(() => loadConfig({ OPENEDX_WORKERS_CONFIG: file, LOG_LEVEL: "loud", AWS_ACCESS_KEY_ID: "only-half" }));
    expect(problems).to.have.length(4);
    expect(problems.join("\n")).to.contain("QUEUE_PREFX: unknown variable").and.contain("JOB_ATTEMPTS: must be a whole number")
      .and.contain("LOG_LEVEL: must be one of").and.contain("AWS_SECRET_ACCESS_KEY: must be set together with AWS_ACCESS_KEY_ID");
  });

  it("validates cron patterns the same way for every schedule", () => {
    const ok = loadConfig({ RETIREMENT_SCHEDULE_CRON: " 0 3 * * * ", CERTIFICATE_GENERATION_CRON: "*/30 * * * * MON-FRI" });
    expect(ok.retirement.scheduleCron).to.equal("0 3 * * *");
    expect(ok.generation.batchCron).to.equal("*/30 * * * * MON-FRI");
    expect(loadConfig({ RETIREMENT_SCHEDULE_CRON: "" }).retirement.scheduleCron).to.equal(undefined);
    const problems = problemsOf(() => loadConfig({ RETIREMENT_SCHEDULE_CRON: "0 3 * * * * *", CERTIFICATE_GENERATION_CRON: "every day" }));
    expect(problems).to.deep.equal([
      'RETIREMENT_SCHEDULE_CRON: "0 3 * * * * *" is not a cron pattern of 5 or 6 fields, e.g. "0 3 * * *"',
      'CERTIFICATE_GENERATION_CRON: "every day" is not a cron pattern of 5 or 6 fields, e.g. "0 3 * * *"',
    ]);
  });

  it("refuses an unreadable or non-mapping YAML file", () => {
    expect(problemsOf(() => loadConfig({ OPENEDX_WORKERS_CONFIG: path.join(dir, "missing.yml") }))[0]).to.match(/cannot read YAML file/);
    expect(problemsOf(() => loadConfig({ OPENEDX_WORKERS_CONFIG: yamlFile("- a\n- b\n") }))[0]).to.match(/must hold a mapping/);
  });

  it("`config` exits 2 with the problems, and never prints a secret", async () => {
    const bad = await runCliInProcess(["config"], { REDIS_URL: "http://x" });
    expect(bad.code).to.equal(2);
    expect(bad.err).to.contain("REDIS_URL: must be a redis: or rediss: URL");
    const good = await runCliInProcess(["config"], { AWS_ACCESS_KEY_ID: "AKIA", AWS_SECRET_ACCESS_KEY: "s3cr3t-value", DATABASE_URL: "mysql://u:dbpass@h:3306/edxapp" });
    expect(good.code).to.equal(0);
    expect(good.out).to.contain("AWS_SECRET_ACCESS_KEY").and.contain("(set, hidden)");
    expect(good.out).not.to.contain("s3cr3t-value");
    expect(good.out).not.to.contain("dbpass");
  });
});
