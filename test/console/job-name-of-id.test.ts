import { expect } from "chai";
import { jobIds, jobNameOfId } from "../../src/queues/registry";

describe("jobNameOfId: the job name behind an id, for events that carry only the id", () => {
  it("reads the deterministic ids of every family and the job schedulers' ids", () => {
    expect(jobNameOfId(jobIds.purgePdfCertificate(12))).to.equal("purge-pdf-certificate");
    expect(jobNameOfId(jobIds.generateCertificate(3, "course-v1:A+B+C"))).to.equal("generate-certificate");
    expect(jobNameOfId(jobIds.generateCertificates("course-v1:A+B+C", [3, 4]))).to.equal("generate-certificates");
    expect(jobNameOfId(jobIds.retireLearner(9))).to.equal("retire-learner");
    expect(jobNameOfId("repeat:retire-learners:1732000000000")).to.equal("retire-learners");
    expect(jobNameOfId("repeat:generate-certificates-from-database:1732000000000")).to.equal("generate-certificates-from-database");
    expect(jobNameOfId("repeat:someone-elses:1")).to.equal("scheduled");
    expect(jobNameOfId("1234")).to.equal("other");
  });
});
