import { describe, expect, it } from "bun:test";
import { join } from "node:path";
import { checkLength } from "../../src/x/length";

type Case = {
  description: string;
  text: string;
  expected: { weightedLength: number; valid: boolean; validRangeEnd: number };
};

// twitter-text's own conformance cases for the v3 config (the one X counts with): see the fixture's header.
const fixture = Bun.YAML.parse(
  await Bun.file(join(import.meta.dir, "../fixtures/twitter-text-validate.yml")).text(),
) as { tests: Record<string, Case[]> };
const cases = Object.entries(fixture.tests).flatMap(([section, list]) =>
  list.map((c): [string, Case] => [`${section}: ${c.description}`, c]),
);

describe("checkLength", () => {
  it("should run twitter-text's conformance cases for the v3 config", () => {
    expect(cases.length).toBe(24);
  });

  it.each(cases)(
    "should weigh and judge as twitter-text's conformance says: %s",
    (_name, { text, expected }) => {
      const check = checkLength(text);
      expect(check.weightedLength).toBe(expected.weightedLength);
      expect(check.kind === "fits").toBe(expected.valid);
      // What fits ends where twitter-text's valid range ends (an invalid character is named instead).
      if (check.kind === "too_long") expect(check.fitting).toBe(text.slice(0, expected.validRangeEnd + 1));
    },
  );

  it("should name the first character X does not accept, ahead of the length", () => {
    expect(checkLength("ABC\u202A\uFFFFABC\uFFFE")).toMatchObject({
      kind: "invalid_character",
      codePoint: 0xffff,
    });
    expect(checkLength(`${"a".repeat(300)}\uFEFF`)).toMatchObject({
      kind: "invalid_character",
      codePoint: 0xfeff,
    });
    expect(checkLength("\uFFFE")).toMatchObject({ kind: "invalid_character", codePoint: 0xfffe });
  });

  it("should let an empty text through for a picture posted alone", () => {
    expect(checkLength("")).toEqual({ kind: "fits", weightedLength: 0 });
  });
});
