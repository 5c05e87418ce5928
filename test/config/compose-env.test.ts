import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import YAML from "yaml";
import { loadConfig } from "../../src/config";
import { QUEUE_REQUIREMENTS } from "../../src/workers/job-definitions";

const ROOT = path.resolve(__dirname, "../..");

/**
 * docker-compose.yml's services, each value with `${NAME:-default}` replaced by its default (as Compose does with an
 * empty environment, after reading the YAML), as the strings Compose hands over.
 */
function composeServices(): Record<string, { command?: string[]; environment?: Record<string, string> }> {
  const doc = YAML.parse(fs.readFileSync(path.join(ROOT, "docker-compose.yml"), "utf8"), { merge: true }) as { services: Record<string, { command?: string[]; environment?: Record<string, unknown> }> };
  const interpolate = (v: unknown) => String(v ?? "").replace(/\$\{[A-Z0-9_]+:-([^}]*)\}/g, "$1");
  for (const s of Object.values(doc.services)) s.environment = Object.fromEntries(Object.entries(s.environment ?? {}).map(([k, v]) => [k, interpolate(v)]));
  return doc.services as Record<string, { command?: string[]; environment?: Record<string, string> }>;
}

/**
 * The stack `docker compose up` starts must pass the service's own start-up validation: the worker with every
 * queue's requirements (retirement salts, the HTTP steps' LMS and OAuth settings), the console with its own.
 */
describe("docker-compose.yml passes the services' configuration validation", () => {
  it("the worker's environment satisfies every queue's requirements: retirement salts and a database-only pipeline", () => {
    const env = composeServices().worker.environment ?? {};
    const config = loadConfig(env, { require: Object.values(QUEUE_REQUIREMENTS).flat() });
    expect(config.retirement.salts).to.deep.equal(["local-compose-only-salt-change-me"]);
    expect(config.retirement.pipeline.map((s) => s.method)).to.deep.equal(["lock_account", "retire_misc", "unenroll", "retire_lms"]);
  });

  it("passes the LMS and OAuth settings of the HTTP steps through: set with upstream's pipeline, the worker starts", () => {
    const env = composeServices().worker.environment ?? {};
    for (const name of ["RETIREMENT_LMS_BASE_URL", "RETIREMENT_CLIENT_ID", "RETIREMENT_CLIENT_SECRET", "RETIREMENT_DRIVER_CONFIG", "RETIRED_USER_SALTS"]) expect(env, name).to.have.property(name);
    // What an operator's .env gives: the LMS, the retirement service user's OAuth application, upstream's pipeline.
    const withLms = { ...env, RETIREMENT_LMS_BASE_URL: "https://lms.example.org", RETIREMENT_CLIENT_ID: "retirement", RETIREMENT_CLIENT_SECRET: "s3cret", RETIREMENT_PIPELINE: "" };
    const config = loadConfig(withLms, { require: Object.values(QUEUE_REQUIREMENTS).flat() });
    expect(config.retirement.pipeline.map((s) => s.method)).to.include("retirement_retire_forum");
  });

  it("the console is its own service with its own validated configuration and the retirement settings the worker has", () => {
    const services = composeServices();
    expect(services.console.command?.[0]).to.equal("console");
    const env = services.console.environment ?? {};
    loadConfig(env, { require: ["CONSOLE_SESSION_SECRET"] });
    // The same salts: the console reads learners' retirement state from the same database.
    expect(env.RETIRED_USER_SALTS).to.equal(services.worker.environment?.RETIRED_USER_SALTS);
  });
});
