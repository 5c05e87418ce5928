import { expect } from "chai";
import { profileImageNames } from "../../src/domain/retirement/profile-image-names";
import { retiredExternalKeyFor } from "../../src/domain/retirement/retired-identifiers";

/** Vectors computed with Python's hashlib, as upstream's image_helpers and openedx/user-util do. */
describe("retirement erasure rules", () => {
  it("names profile images as upstream: md5(PROFILE_IMAGE_HASH_SEED + username)_<size>.jpg for each size of the map", () => {
    expect(profileImageNames("TestUser", "placeholder_secret_key", [500, 120, 50, 30])).to.deep.equal([
      "6bb894dead2631954fef3f40be52799f_500.jpg",
      "6bb894dead2631954fef3f40be52799f_120.jpg",
      "6bb894dead2631954fef3f40be52799f_50.jpg",
      "6bb894dead2631954fef3f40be52799f_30.jpg",
    ]);
  });

  it("retires program enrollment external keys as user-util's get_retired_external_key (newest salt, lowercased key)", () => {
    expect(retiredExternalKeyFor("EXT-Key9", ["abc", "123"])).to.equal("retired_external_key_d30af0ba61e597b2bf88d51a9673d34726f06e90");
  });
});
