import { expect } from "chai";
import { redactValues } from "../../src/domain/retirement/redact-values";
import { encodings } from "./encoded-forms";

const EMAIL = "Zoë.O'Brien+cert@example.org";
const USERNAME = "zoe_obrien";
const NAME = "Zoë O'Brien";
const ORIGINALS = [USERNAME, EMAIL, NAME];

describe("retirement timeline redaction", () => {
  it("blanks given values anywhere in a text, case-insensitively, longest first; ignores empty and tiny values", () => {
    const text = "Failed for Ada.Lovelace@example.org (ada.lovelace), name Ada Lovelace; a+b";
    expect(redactValues(text, ["ada.lovelace", "ada.lovelace@example.org", "Ada Lovelace", "", null, "a+"])).to.equal("Failed for [redacted] ([redacted]), name [redacted]; a+b");
  });

  for (const original of ORIGINALS) {
    it(`blanks every encoded form of ${JSON.stringify(original)}: URL (once, twice, form), JSON (escaped, ASCII, nested), HTML references, mixed`, () => {
      for (const [form, written] of Object.entries(encodings(original))) {
        const text = `409 from https://lms.example/api/user/v1/accounts/${written}/retire {"detail": "user ${written} not found"}`;
        const out = redactValues(text, ORIGINALS);
        expect(out, `${form}: ${written}`).to.not.include(written);
        expect(out, form).to.include("[redacted]");
        // The text around it stays.
        expect(out, form).to.match(/^409 from https:\/\/lms\.example\/api\/user\/v1\/accounts\/.*\/retire \{"detail": "user .* not found"\}$/);
      }
    });
  }

  it("leaves text that only resembles an original alone", () => {
    const text = "zoe_obrie n, zoe-obrien, retired__user_3f2a, ZoeOBrien";
    expect(redactValues(text, ORIGINALS)).to.equal(text);
  });
});
