import { PassThrough } from "node:stream";
import { expect } from "chai";
import { HostileLinkError } from "../../src/domain/certificates/hostile-link-error";
import { TransientJobError } from "../../src/errors/transient-job-error";
import { createLogger } from "../../src/logging/logger";

type Format = "json" | "pretty";

/** Logs through a real winston logger into a stream and returns the lines written. */
async function logLines(format: Format, level: "info" | "debug", write: (logger: ReturnType<typeof createLogger>) => void): Promise<string[]> {
  const stream = new PassThrough();
  let text = "";
  stream.on("data", (chunk) => (text += chunk));
  const logger = createLogger({ log: { format, level } }, stream);
  write(logger);
  await new Promise<void>((resolve) => {
    logger.on("finish", resolve);
    logger.end();
  });
  return text.trim().split("\n");
}

const LEARNER = { id: 42, username: "jane_doe", email: "jane@example.org", profile: { name: "Jane Doe", city: "Paris" } };

for (const format of ["json", "pretty"] as const) {
  describe(`logger (${format} format)`, () => {
    it("writes the message and fields, and strips PII-named fields at every depth", async () => {
      const [line] = await logLines(format, "info", (logger) =>
        logger.info("learner retired", { userId: 42, email: "top@example.org", data: { learner: LEARNER, rows: [{ user_id: 42, first_name: "Jane" }] } }),
      );
      expect(line).to.contain("learner retired").and.contain("42").and.contain("Paris");
      for (const pii of ["top@example.org", "jane_doe", "jane@example.org", "Jane Doe", "Jane"]) expect(line, pii).not.to.contain(pii);
      if (format === "json") {
        const entry = JSON.parse(line);
        expect(entry).to.include({ level: "info", message: "learner retired", userId: 42 });
        expect(entry.data).to.deep.equal({ learner: { id: 42, profile: { city: "Paris" } }, rows: [{ user_id: 42 }] });
      } else {
        expect(line).to.match(/^\d{2}:\d{2}:\d{2}\.\d{3} info  learner retired userId=42 data=\{"learner":\{"id":42,"profile":\{"city":"Paris"\}\},"rows":\[\{"user_id":42\}\]\}$/);
      }
    });

    it("logs an error with a stable code and its message, and its stack only at debug level", async () => {
      const hostile = new HostileLinkError(7, "download_url is not under any allowed base");
      const [info] = await logLines(format, "info", (logger) => logger.error("job failed", { jobId: "j1", error: hostile }));
      const [debug] = await logLines(format, "debug", (logger) => logger.error("job failed", { jobId: "j1", error: new TransientJobError("S3 timed out") }));
      if (format === "json") {
        expect(JSON.parse(info).error).to.deep.equal({ code: "HOSTILE_LINK", message: "certificate 7: refusing to purge: download_url is not under any allowed base" });
        const e = JSON.parse(debug).error;
        expect([e.code, e.message]).to.deep.equal(["TRANSIENT_JOB_ERROR", "S3 timed out"]);
        expect(e.stack).to.match(/^TransientJobError: S3 timed out\n\s+at /);
      } else {
        expect(info).to.contain('error={"code":"HOSTILE_LINK","message":"certificate 7: refusing to purge: download_url is not under any allowed base"}');
        expect(info).not.to.contain("stack");
        expect(debug).to.contain('error={"code":"TRANSIENT_JOB_ERROR","message":"S3 timed out","stack":"TransientJobError: S3 timed out\\n');
      }
    });
  });
}
