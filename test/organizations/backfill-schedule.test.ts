import { expect } from "chai";
import { silentLogger } from "../../src/logging/logger";
import { JobName, QueueName } from "../../src/queues/registry";
import { syncSchedules } from "../../src/workers/schedules";
import { Harness } from "../support/harness";
import { waitFor } from "../support/wait";
import { insertCourseRuns, linkages, organizations } from "./organization-fixtures";

describe("backfill-organizations on ORGANIZATIONS_BACKFILL_CRON", function () {
  this.timeout(60000);
  let h: Harness;
  afterEach(async () => {
    await h?.close();
  });

  it("keeps new course runs linked with no CLI run (like --apply), with ..._SCHEDULE_INACTIVE leaves a deactivated organization inactive, and is removed when unset", async () => {
    h = await Harness.create({ env: { ORGANIZATIONS_BACKFILL_CRON: "* * * * * *", ORGANIZATIONS_BACKFILL_CHUNK_SIZE: "2" } });
    await insertCourseRuns(h.ds, ["course-v1:Sched+A+1", "course-v1:sched+B+1", "course-v1:Other+C+1"]);
    const { ctx } = await h.worker({ queues: [QueueName.Organizations] });
    await syncSchedules(ctx.queues, [QueueName.Organizations], ctx.config, silentLogger());
    expect((await ctx.queues.queue(QueueName.Organizations).getJobSchedulers()).map((s) => s.key)).to.deep.equal(["backfill-organizations"]);
    await waitFor("the first scheduled backfill", async () => (await linkages(h.ds)).length === 3);
    expect((await organizations(h.ds)).map((o) => o.short_name).sort()).to.deep.equal(["Other", "Sched"]);

    // A course run created later is linked by a later tick.
    await insertCourseRuns(h.ds, ["course-v1:sched+D+2"]);
    await waitFor("the new course run linked", async () => (await linkages(h.ds)).includes("Sched,course-v1:sched+D+2,1"));
    expect(await linkages(h.ds)).to.have.length(4);

    // ORGANIZATIONS_BACKFILL_SCHEDULE_INACTIVE (--inactive): an organization deactivated by hand stays inactive, new rows are inactive.
    const inactive = await h.context({ env: { ORGANIZATIONS_BACKFILL_SCHEDULE_INACTIVE: "true" } });
    await syncSchedules(inactive.queues, [QueueName.Organizations], inactive.config, silentLogger());
    const queue = inactive.queues.queue(QueueName.Organizations);
    await waitFor("a tick of the --inactive schedule", async () =>
      (await queue.getJobs(["completed"])).some((j) => j.name === JobName.BackfillOrganizations && j.data.activate === false),
    );
    await h.ds.query("UPDATE organizations_organization SET active = 0 WHERE short_name = 'Other'");
    await insertCourseRuns(h.ds, ["course-v1:Other+E+1", "course-v1:New+F+1"]);
    await waitFor("the next course runs linked", async () => (await linkages(h.ds)).length === 6);
    expect(await linkages(h.ds)).to.include.members(["Other,course-v1:Other+E+1,0", "New,course-v1:New+F+1,0"]);
    expect((await organizations(h.ds)).filter((o) => o.active === 0).map((o) => o.short_name).sort()).to.deep.equal(["New", "Other"]);

    const off = await h.context({ env: { ORGANIZATIONS_BACKFILL_CRON: "" } });
    await syncSchedules(off.queues, [QueueName.Organizations], off.config, silentLogger());
    expect(await off.queues.queue(QueueName.Organizations).getJobSchedulers()).to.deep.equal([]);
  });
});
