import { expect } from "chai";
import { parseArgumentText, parseOptionList } from "../../src/command-line/option-specs";
import { InvalidArgumentsError } from "../../src/errors/invalid-arguments-error";
import { GENERATION_SELECTION } from "../../src/producers/certificate-generation.producer";
import { runCliInProcess } from "../support/cli";

describe("command-line options (commander)", () => {
  it("reads upstream's spellings, short aliases, variadic and comma-separated lists into one value", () => {
    expect(parseArgumentText("-u 1 2 3 -c course-v1:Org+Course+Run", GENERATION_SELECTION)).to.deep.equal({
      "user-ids": ["1", "2", "3"],
      "course-key": "course-v1:Org+Course+Run",
    });
    expect(parseOptionList(["--user", "1,2", "--user_ids", "3", "--user-ids=4", "--dry_run", "--course_key", "k"], GENERATION_SELECTION)).to.deep.equal({
      "user-ids": ["1", "2", "3", "4"],
      "dry-run": true,
      "course-key": "k",
    });
  });

  it("refuses unknown options, missing values and stray arguments as usage errors", () => {
    expect(() => parseOptionList(["--bogus"], GENERATION_SELECTION)).to.throw(InvalidArgumentsError, "unknown option '--bogus'");
    expect(() => parseOptionList(["-c"], GENERATION_SELECTION)).to.throw(InvalidArgumentsError, /argument missing/);
    expect(() => parseOptionList(["stray"], GENERATION_SELECTION)).to.throw(InvalidArgumentsError, /too many arguments/);
  });

  it("keeps the exit codes: help 0, no command 2, unknown command or option 2", async () => {
    expect((await runCliInProcess(["--help"], {})).code).to.equal(0);
    expect((await runCliInProcess(["help"], {})).code).to.equal(0);
    const none = await runCliInProcess([], {});
    expect([none.code, none.out.split("\n")[0]]).to.deep.equal([2, "Usage: openedx-workers <command> [options]"]);
    const unknown = await runCliInProcess(["nope"], {});
    expect([unknown.code, unknown.err.split("\n")[0]]).to.deep.equal([2, 'openedx-workers: unknown command "nope"']);
    const badOption = await runCliInProcess(["queues", "--bogus"], {});
    expect([badOption.code, badOption.err]).to.deep.equal([2, "openedx-workers queues: unknown option '--bogus'\nUsage: openedx-workers queues [--queues a,b] [--json]"]);
    const help = await runCliInProcess(["purge-pdf-certificates", "-h"], {});
    expect(help.code).to.equal(0);
    expect(help.out).to.contain("  --certificate-ids, --certificate_ids ID…  These certificates (GeneratedCertificate ids)");
  });
});
