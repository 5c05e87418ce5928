import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { loadConfig } from "../../src/config";
import { ConfigError } from "../../src/errors/config-error";
import { runCliInProcess } from "../support/cli";

describe("configuration: sources and cron patterns", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "owcfg-"));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("`config` shows values from the YAML file as coming from it, environment values as given, the rest as defaults", async () => {
    const file = path.join(dir, "workers.yml");
    fs.writeFileSync(file, "QUEUE_PREFIX: from-yaml\nWORKER_CONCURRENCY: 9\nAWS_ACCESS_KEY_ID: AKIA\nAWS_SECRET_ACCESS_KEY: yaml-s3cr3t\nCERTIFICATES_DOWNLOAD_URL_BASES: [https://a.example.org, https://b.example.org]\n");
    const result = await runCliInProcess(["config"], { OPENEDX_WORKERS_CONFIG: file, WORKER_CONCURRENCY: "3", S3_REGION: "eu-west-1" });
    expect(result.code, result.err).to.equal(0);
    const line = (name: string) => result.out.split("\n").find((l) => l.startsWith(`${name} `))?.replace(/\s+/g, " ");
    expect(line("QUEUE_PREFIX")).to.equal(`QUEUE_PREFIX (from ${file}) from-yaml`);
    expect(line("WORKER_CONCURRENCY")).to.equal("WORKER_CONCURRENCY 3"); // the environment wins over the file
    expect(line("S3_REGION")).to.equal("S3_REGION eu-west-1");
    expect(line("AWS_SECRET_ACCESS_KEY")).to.equal(`AWS_SECRET_ACCESS_KEY (set from ${file}, hidden)`);
    expect(line("CERTIFICATES_DOWNLOAD_URL_BASES")).to.equal(`CERTIFICATES_DOWNLOAD_URL_BASES (from ${file}) ["https://a.example.org","https://b.example.org"]`);
    expect(line("LOG_LEVEL")).to.equal("LOG_LEVEL (default) info");
    expect(result.out).not.to.contain("yaml-s3cr3t");
  });

  it("refuses cron patterns BullMQ's scheduler cannot run (cron-parser), each with its reason", () => {
    const problems = (value: string): string[] => {
      try {
        loadConfig({ RETIREMENT_SCHEDULE_CRON: value });
      } catch (err) {
        if (err instanceof ConfigError) return err.problems;
        throw err;
      }
      return [];
    };
    expect(problems("99 99 99 99 99")).to.deep.equal(['RETIREMENT_SCHEDULE_CRON: "99 99 99 99 99" is not a valid cron pattern: Constraint error, got value 99 expected range 0-59']);
    expect(problems("*/0 * * * *")[0]).to.match(/^RETIREMENT_SCHEDULE_CRON: "\*\/0 \* \* \* \*" is not a valid cron pattern: /);
    expect(problems("0 0 31 2 *")[0]).to.match(/^RETIREMENT_SCHEDULE_CRON: "0 0 31 2 \*" is not a valid cron pattern: /);
    expect(problems("0 3 * * MON-FRI")).to.deep.equal([]);
    expect(problems("   ")).to.deep.equal([]); // blank is off, like unset
  });
});
