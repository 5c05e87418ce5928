import { expect } from "chai";
import {
  backfillReport,
  canonicalOrganizations,
  compareCodePoints,
  confirmationAnswer,
  planLinkages,
  planOrganizations,
  sortedStrings,
} from "../../src/domain/organizations/organization-backfill";
import { courseRunOrg, parseLibraryKey } from "../../src/domain/organizations/organization-keys";

describe("organizations backfill rules (edx-organizations bulk_add_*)", () => {
  it("sorts like Python's sorted(): by code point, upper case before lower case, astral characters last", () => {
    expect(sortedStrings(["myorg", "MyOrg", "org_b", "Org", "\u{1D400}x", "\uFFFF"])).to.deep.equal(["MyOrg", "Org", "myorg", "org_b", "\uFFFF", "\u{1D400}x"]);
    expect(compareCodePoints("a", "ab")).to.be.lessThan(0);
    expect(compareCodePoints("ab", "ab")).to.equal(0);
  });

  it("keeps the first spelling in sorted order per lowercased short name", () => {
    expect([...canonicalOrganizations(["myorg", "MyOrg", "MYORG", "other"])]).to.deep.equal([
      ["myorg", "MYORG"],
      ["other", "other"],
    ]);
  });

  it("matches existing organizations case-insensitively, never renames, reactivates only with activate", () => {
    const requested = canonicalOrganizations(["MyOrg", "New", "Gone"]);
    const existing = [
      { id: 1, shortName: "myorg", active: true },
      { id: 2, shortName: "GONE", active: false },
      { id: 3, shortName: "unrelated", active: false },
    ];
    expect(planOrganizations(requested, existing, true)).to.deep.equal({ create: ["New"], reactivate: [existing[1]] });
    expect(planOrganizations(requested, existing, false)).to.deep.equal({ create: ["New"], reactivate: [] });
  });

  it("identifies linkages by (lowercased short name, course id) and reactivates only requested inactive ones", () => {
    const existing = [
      { id: 1, courseId: "course-v1:A+B+C", shortNameLower: "a", active: false },
      { id: 2, courseId: "course-v1:Z+B+C", shortNameLower: "z", active: false },
    ];
    const plan = planLinkages([["A", "course-v1:A+B+C"], ["a", "course-v1:a+D+E"], ["a", "course-v1:a+D+E"]], existing, true);
    expect(plan).to.deep.equal({ create: [["a", "course-v1:a+D+E"]], reactivate: [existing[0]] });
    expect(planLinkages([["A", "course-v1:A+B+C"]], existing, false).reactivate).to.deep.equal([]);
  });

  it("prints upstream's report lines", () => {
    const lines = backfillReport({ organizationsCreated: ["b", "B"], organizationsReactivated: [], linkagesCreated: [["b", "course-v1:b+1+1"]], linkagesReactivated: [] }, false);
    expect(lines.slice(1, 6)).to.deep.equal(["Bulk-adding organizations...", "Created 2 organizations:", "    B", "    b", "Reactivated 0 organizations:"]);
    expect(lines).to.include("    b,course-v1:b+1+1");
  });

  it("accepts y/yes/n/no in any case and asks again otherwise", () => {
    expect(["y", "YES", "Yes", "n", "No", "", "x", " y"].map(confirmationAnswer)).to.deep.equal([true, true, true, false, false, undefined, undefined, undefined]);
  });

  it("parses V1 library keys and course run orgs; anything else is refused", () => {
    expect(parseLibraryKey("library-v1:MyOrg+Lib1")).to.deep.equal({ text: "library-v1:MyOrg+Lib1", org: "MyOrg", library: "Lib1" });
    expect(parseLibraryKey("library-v1:MyOrg+Lib1+branch@library")?.org).to.equal("MyOrg");
    for (const bad of ["library-v1:MyOrg", "lib:MyOrg+Lib1", "course-v1:A+B+C", "library-v1:My Org+L"]) expect(parseLibraryKey(bad), bad).to.equal(null);
    expect(courseRunOrg("course-v1:edX+DemoX+2024")).to.equal("edX");
    expect(courseRunOrg("edX/toy/2012")).to.equal("edX");
    expect(courseRunOrg("ccx-v1:edX+DemoX+2024+ccx@3")).to.equal("edX");
    expect(courseRunOrg("library-v1:edX+L")).to.equal(null);
  });
});
