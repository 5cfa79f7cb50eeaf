/**
 * feedQuery, the HTTP feeds' query parameters: each spelling of an instant (epoch ms, a date, a
 * date-time with each kind of zone, the space an unencoded `+` becomes), dates that do not exist,
 * every parameter's bad values, unknown, repeated and empty parameters, the page size's default
 * and cap, and the price history's three required parameters. Expected instants are written with
 * `Date.UTC`; each error is checked for the parameter it names and the values it allows.
 */
import { describe, expect, it } from "vitest";
import { ParameterError, parseFeedQuery, parseInstant, parsePriceHistoryQuery } from "../../src/history/feedQuery";

const parse = (query: string) => parseFeedQuery(new URLSearchParams(query), { maxLimit: 200 });

/** The error a query throws: which parameter, and the message. */
function errorOf(run: () => unknown): { parameter: string; message: string } {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ParameterError);
    const { parameter, message } = error as ParameterError;
    expect(message).not.toContain("\n");
    return { parameter, message };
  }
  throw new Error("expected a ParameterError");
}

describe("parseFeedQuery", () => {
  it("reads no parameters as the whole feed, 50 rows a page, from the newest", () => {
    expect(parse("")).toEqual({ filter: {}, limit: 50, cursor: null });
  });

  it("reads every filter, the limit and the cursor", () => {
    expect(parse("since=1784851200000&until=2026-07-25&entity=endpoint&tag=price&model=openai%2Fgpt-4o&provider=azure%2Feu&min_percent=2.5&limit=20&cursor=abc")).toEqual(
      {
        filter: {
          since: Date.UTC(2026, 6, 24),
          until: Date.UTC(2026, 6, 25),
          entity: "endpoint",
          tag: "price",
          model: "openai/gpt-4o",
          provider: "azure/eu",
          min_percent: 2.5,
        },
        limit: 20,
        cursor: "abc",
      },
    );
  });

  it("caps the limit at the maximum and rejects a limit that is not a positive whole number", () => {
    expect(parse("limit=200").limit).toBe(200);
    expect(parse("limit=100000").limit).toBe(200);
    expect(parseFeedQuery(new URLSearchParams(""), { maxLimit: 10 }).limit).toBe(10);
    for (const bad of ["0", "-1", "2.5", "abc", "1e3", "07"]) {
      const error = errorOf(() => parse(`limit=${bad}`));
      expect(error.parameter).toBe("limit");
      expect(error.message).toContain("limit must be a whole number from 1");
      expect(error.message).toContain(JSON.stringify(bad));
    }
  });

  it("names the allowed entity kinds and tags when one is not", () => {
    expect(errorOf(() => parse("entity=provider"))).toEqual({ parameter: "entity", message: 'entity must be one of model, endpoint, got "provider"' });
    expect(errorOf(() => parse("tag=cost"))).toEqual({
      parameter: "tag",
      message: 'tag must be one of price, context, limits, capabilities, data_policy, deprecation, availability, metadata, got "cost"',
    });
    // Case matters: the tags are lower case.
    expect(errorOf(() => parse("tag=Price")).parameter).toBe("tag");
  });

  it("takes min_percent as a number of at least 0", () => {
    expect(parse("min_percent=10").filter.min_percent).toBe(10);
    expect(parse("min_percent=0").filter.min_percent).toBe(0);
    for (const bad of ["-1", "abc", "1e3", "10%", ".5", "Infinity"]) {
      const error = errorOf(() => parse(`min_percent=${encodeURIComponent(bad)}`));
      expect(error.parameter).toBe("min_percent");
      expect(error.message).toContain("min_percent must be a number of at least 0");
    }
  });

  it("rejects an unknown parameter, naming the allowed ones", () => {
    expect(errorOf(() => parse("tag=price&models=x"))).toEqual({
      parameter: "models",
      message: 'unknown parameter "models"; allowed: since, until, entity, tag, model, provider, min_percent, limit, cursor',
    });
  });

  it("rejects a parameter given twice or empty", () => {
    expect(errorOf(() => parse("tag=price&tag=context"))).toEqual({ parameter: "tag", message: "tag may be given once, got it 2 times" });
    expect(errorOf(() => parse("model="))).toEqual({ parameter: "model", message: "model must not be empty" });
    expect(errorOf(() => parse("cursor")).parameter).toBe("cursor");
  });

  it("rejects since after until, naming both instants", () => {
    const error = errorOf(() => parse("since=2026-07-25&until=2026-07-24"));
    expect(error.parameter).toBe("since");
    expect(error.message).toBe("since (2026-07-25T00:00:00.000Z) must not be after until (2026-07-24T00:00:00.000Z)");
    expect(parse("since=2026-07-24&until=2026-07-24").filter).toEqual({ since: Date.UTC(2026, 6, 24), until: Date.UTC(2026, 6, 24) });
  });

  it("keeps a hostile value on one short line in the message", () => {
    const error = errorOf(() => parse(`entity=${encodeURIComponent("a\nb\u2028" + "x".repeat(100))}`));
    expect(error.message).toContain('got "a\\nb\\u2028xxx');
    expect(error.message.length).toBeLessThan(120);
  });
});

describe("parseInstant", () => {
  it("reads epoch ms, dates and date-times with a zone", () => {
    expect(parseInstant("since", "0")).toBe(0);
    expect(parseInstant("since", "1784894400000")).toBe(Date.UTC(2026, 6, 24, 12));
    expect(parseInstant("since", "2026-07-24")).toBe(Date.UTC(2026, 6, 24));
    expect(parseInstant("since", "2026-07-24T12:00:00Z")).toBe(Date.UTC(2026, 6, 24, 12));
    expect(parseInstant("since", "2026-07-24t12:00:00z")).toBe(Date.UTC(2026, 6, 24, 12));
    expect(parseInstant("since", "2026-07-24T12:00Z")).toBe(Date.UTC(2026, 6, 24, 12));
    expect(parseInstant("since", "2026-07-24T12:00:00.5Z")).toBe(Date.UTC(2026, 6, 24, 12, 0, 0, 500));
    expect(parseInstant("since", "2026-07-24T12:00:00.123456Z")).toBe(Date.UTC(2026, 6, 24, 12, 0, 0, 123));
    expect(parseInstant("since", "2026-07-24T12:00:00+02:00")).toBe(Date.UTC(2026, 6, 24, 10));
    expect(parseInstant("since", "2026-07-24T12:00:00-05:30")).toBe(Date.UTC(2026, 6, 24, 17, 30));
    // An unencoded `+` in a URL's query reads back as a space.
    expect(parseInstant("since", new URLSearchParams("s=2026-07-24T12:00:00+02:00").get("s")!)).toBe(Date.UTC(2026, 6, 24, 10));
    expect(parseInstant("since", "2024-02-29")).toBe(Date.UTC(2024, 1, 29));
    expect(parseInstant("since", "2000-02-29")).toBe(Date.UTC(2000, 1, 29));
    // A year below 100 is that year (Date.UTC would read 50 as 1950).
    expect(parseInstant("since", "0050-01-01")).toBe(new Date("0050-01-01T00:00:00Z").getTime());
  });

  it("rejects what is not an instant, or names no real time, or has no zone", () => {
    for (const bad of [
      "yesterday",
      "-5",
      "1e12",
      "12.5",
      "2026-02-30",
      "2025-02-29",
      "1900-02-29",
      "2026-13-01",
      "2026-00-10",
      "2026-07-24T24:00:00Z",
      "2026-07-24T12:60:00Z",
      "2026-07-24T12:00:60Z",
      "2026-07-24T12:00:00",
      "2026-07-24T12:00:00+2:00",
      "2026-07-24 12:00:00Z",
      "26-07-24",
      "99999999999999999",
    ]) {
      const error = errorOf(() => parseInstant("until", bad));
      expect(error.parameter, bad).toBe("until");
      expect(error.message, bad).toBe(
        `until must be epoch milliseconds (1784894400000) or an ISO-8601 date or date-time with a zone (2026-07-24, 2026-07-24T12:00:00Z), got ${JSON.stringify(bad)}`,
      );
    }
  });
});

describe("parsePriceHistoryQuery", () => {
  it("reads an endpoint's key", () => {
    expect(parsePriceHistoryQuery(new URLSearchParams("model_permaslug=openai%2Fgpt-4o&variant=standard&endpoint_id=e1"))).toEqual({
      model_permaslug: "openai/gpt-4o",
      variant: "standard",
      endpoint_id: "e1",
    });
  });

  it("names a missing, unknown or empty parameter", () => {
    expect(errorOf(() => parsePriceHistoryQuery(new URLSearchParams("model_permaslug=a&endpoint_id=e1")))).toEqual({
      parameter: "variant",
      message: "variant is required (give model_permaslug, variant and endpoint_id)",
    });
    expect(errorOf(() => parsePriceHistoryQuery(new URLSearchParams("model_permaslug=a&variant=standard&endpoint_id=e1&since=0")))).toEqual({
      parameter: "since",
      message: 'unknown parameter "since"; allowed: model_permaslug, variant, endpoint_id',
    });
    expect(errorOf(() => parsePriceHistoryQuery(new URLSearchParams("model_permaslug=a&variant=&endpoint_id=e1"))).parameter).toBe("variant");
  });
});
