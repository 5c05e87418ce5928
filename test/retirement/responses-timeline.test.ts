import { expect } from "chai";
import { responsesTimeline } from "../../src/domain/retirement/responses-timeline";

describe("retirement responses as a timeline", () => {
  it("splits create_retirement's line and each update_state move, keeping the text of each", () => {
    const responses =
      "Created in state PENDING (step 1) by create_retirement" +
      "\n Moved from PENDING (step 1) to LOCKING_ACCOUNT (step 11):\nok\n" +
      "\n Moved from LOCKING_ACCOUNT (step 11) to ERRORED (step 131):\nlock failed\nsecond line\n" +
      "retry note appended without a move\n";
    expect(responsesTimeline(responses)).to.deep.equal([
      { kind: "created", text: "Created in state PENDING (step 1) by create_retirement" },
      { kind: "moved", from: "PENDING (step 1)", to: "LOCKING_ACCOUNT (step 11)", text: "ok" },
      { kind: "moved", from: "LOCKING_ACCOUNT (step 11)", to: "ERRORED (step 131)", text: "lock failed\nsecond line\nretry note appended without a move" },
    ]);
    expect(responsesTimeline("")).to.deep.equal([]);
  });
});
