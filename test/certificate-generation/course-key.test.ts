import { expect } from "chai";
import { isCcxCourseKey, parseCourseKey } from "../../src/domain/course-key";

describe("parseCourseKey", () => {
  it("parses course-v1 keys", () => {
    expect(parseCourseKey("course-v1:edX+DemoX+Demo_Course")).to.deep.equal({
      text: "course-v1:edX+DemoX+Demo_Course", org: "edX", course: "DemoX", run: "Demo_Course", deprecated: false,
    });
  });

  it("parses deprecated Org/Course/Run keys", () => {
    expect(parseCourseKey("MITx/6.002x/2012_Fall")).to.deep.include({ org: "MITx", course: "6.002x", run: "2012_Fall", deprecated: true });
  });

  it("accepts opaque-keys' id characters: letters, digits, _ - ~ . and ':' inside parts", () => {
    expect(parseCourseKey("course-v1:Org.X+C-1~a+2024:T1")).to.deep.include({ org: "Org.X", course: "C-1~a", run: "2024:T1" });
    expect(parseCourseKey("course-v1:Écoles+Cours+Été")).to.deep.include({ org: "Écoles", run: "Été" });
  });

  it("recognises CCX keys as CCX runs", () => {
    const key = parseCourseKey("ccx-v1:edX+DemoX+Demo_Course+ccx@3");
    expect(key).to.deep.include({ org: "edX", course: "DemoX", run: "Demo_Course", ccx: 3 });
    expect(isCcxCourseKey(key!)).to.equal(true);
    expect(isCcxCourseKey(parseCourseKey("course-v1:edX+DemoX+Demo_Course")!)).to.equal(false);
  });

  for (const bad of [
    "",
    "course-v1:edX+DemoX",
    "course-v1:edX+DemoX+Demo+Extra",
    "course-v1:edX+Demo X+Run",
    "course-v1:edX++Run",
    "course-v2:edX+DemoX+Run",
    "edX+DemoX+Run",
    "edX/DemoX",
    "edX/DemoX/Run/extra",
    "course-v1:edX/DemoX/Run",
    "ccx-v1:edX+DemoX+Run",
    "ccx-v1:edX+DemoX+Run+ccx@x",
    "library-v1:edX+Lib",
    "course-v1:edX+DemoX+Run+branch@draft",
    "block-v1:edX+DemoX+Run+type@course+block@course",
    `course-v1:edX+DemoX+${"r".repeat(250)}`,
  ]) {
    it(`refuses ${JSON.stringify(bad.length > 40 ? bad.slice(0, 40) + "…" : bad)}`, () => {
      expect(parseCourseKey(bad)).to.equal(null);
    });
  }
});
