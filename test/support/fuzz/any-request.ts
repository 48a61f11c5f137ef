import fc from "fast-check";
import { contentTypes, type FuzzWorld, junkBody, type Probe, pathSegment } from "./probe";

/** Any method on any path: scanners, typos, and our own routes with the wrong method. */
export function anyRequest(_world: FuzzWorld): fc.Arbitrary<Probe> {
  return fc
    .record({
      method: fc.constantFrom("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"),
      segments: fc.array(pathSegment, { minLength: 1, maxLength: 4 }),
      query: fc.option(fc.constantFrom("?ready", "?a=%zz", "?x=1&x=2", "?%00"), { nil: "" }),
      type: contentTypes,
      body: junkBody,
    })
    .map(({ method, segments, query, type, body }) => ({
      method,
      path: `/${segments.join("/")}${query}`,
      headers: { "content-type": type },
      body,
      mayStore: false,
    }));
}
