// @vitest-environment node
/**
 * The streamed splitting of a `{ "data": [...] }` body into its elements, on the real 2026-shaped
 * models list cut into chunks of every size, and on hand-made bodies built to trip a naive
 * splitter (brackets and quotes inside strings, escapes, a nested "data" key, scalars). Expected
 * elements come from `JSON.parse` of the whole body.
 */
import { describe, expect, it } from "vitest";
import { createDataArraySplitter, DataArrayError } from "../../src/sources/dataArraySplitter";
import { GOLDEN_2026_PATHS, loadRecording, modelsKeyOf } from "../support/recording";

function split(body: string, chunkSize: number, maxElementChars = 1 << 24): unknown[] {
  const elements: unknown[] = [];
  const splitter = createDataArraySplitter({ maxElementChars, onElement: (text) => elements.push(JSON.parse(text)) });
  for (let start = 0; start < body.length; start += chunkSize) splitter.push(body.slice(start, start + chunkSize));
  expect(splitter.end()).toBe(elements.length);
  return elements;
}

describe("splitting the data array of a streamed body", () => {
  it("yields every entry of the real models list, whatever the chunk size", () => {
    const recording = loadRecording(GOLDEN_2026_PATHS.base);
    const body = JSON.stringify(recording[modelsKeyOf(recording)]);
    const expected = JSON.parse(body).data;
    for (const chunkSize of [1, 7, 4096, body.length]) expect(split(body, chunkSize)).toEqual(expected);
  });

  it("is not fooled by brackets, quotes and escapes inside strings, other root keys, or a nested data key", () => {
    const body =
      '{ "meta": {"data": [9, 9]}, "note": "]}\\"{[", "data" : [ {"name": "a ] } \\" \\\\", "data": [1, {"x": "\\u005d"}]}, ' +
      '"str]ing", 12, -2.5e3, true, null, [ [], {} ], {"slug": "q/\\"8b\\""} ] , "after": {"data": "no"} }';
    const expected = JSON.parse(body).data;
    for (const chunkSize of [1, 2, 3, 5, body.length]) expect(split(body, chunkSize)).toEqual(expected);
  });

  it("yields nothing for an empty data array, and reads pretty-printed bodies", () => {
    expect(split('{"data":[]}', 3)).toEqual([]);
    const pretty = JSON.stringify({ data: [{ a: 1 }, 2, "three"] }, null, 2);
    expect(split(pretty, 4)).toEqual([{ a: 1 }, 2, "three"]);
  });

  it("names what is wrong with a body that is not {data: [...]}", () => {
    const cases: [string, RegExp][] = [
      ["", /empty body/],
      ["null", /expected \{"data": \[\.\.\.\]\}, got a body starting "n/],
      ["[1,2]", /expected \{"data"/],
      ['{"items": []}', /has no "data"/],
      ['{"data": {"a": 1}}', /"data" is not an array/],
      ['{"data": 5}', /"data" is not an array/],
      ['{"data": [{"a": 1}', /ended before its object did/],
      ['{"data": []} x', /text after the end/],
    ];
    for (const [body, message] of cases) expect(() => split(body, 2), body).toThrow(message);
    expect(() => split('{"data": []}', 2)).not.toThrow(DataArrayError);
  });

  it("refuses an element longer than the cap, naming it, before reading the rest", () => {
    const body = JSON.stringify({ data: [{ a: 1 }, { b: "x".repeat(100) }, { c: 3 }] });
    const seen: string[] = [];
    const splitter = createDataArraySplitter({ maxElementChars: 50, onElement: (text) => seen.push(text) });
    expect(() => {
      for (let start = 0; start < body.length; start += 10) splitter.push(body.slice(start, start + 10));
    }).toThrow(/element 1 of data is longer than 50 characters/);
    expect(seen).toEqual(['{"a":1}']);
  });

  it("with onOversized, skips an element over the cap, says which and how long, and goes on", () => {
    const big = { b: "x".repeat(100) };
    const body = JSON.stringify({ data: [{ a: 1 }, big, { c: 3 }, "y".repeat(60)] });
    const seen: string[] = [];
    const oversized: [number, number][] = [];
    const splitter = createDataArraySplitter({ maxElementChars: 50, onElement: (text) => seen.push(text), onOversized: (index, chars) => oversized.push([index, chars]) });
    for (let start = 0; start < body.length; start += 7) splitter.push(body.slice(start, start + 7));
    expect(splitter.end()).toBe(4);
    expect(seen).toEqual(['{"a":1}', '{"c":3}']);
    expect(oversized).toEqual([
      [1, JSON.stringify(big).length],
      [3, 62],
    ]);
  });
});
