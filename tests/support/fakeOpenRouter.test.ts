// @vitest-environment node
/** The loopback fake OpenRouter: key normalisation, every fault kind, counting, seeded randomness. */
import { afterEach, describe, expect, it } from 'vitest';
import {
  parseFaultSpec,
  requestKeyOf,
  startFakeOpenRouter,
  type FakeOpenRouter,
  type FakeOpenRouterOptions,
} from './fakeOpenRouter.js';

const MODELS_KEY = '/api/frontend/models';
const STATS_KEY = '/api/frontend/stats/endpoint?permaslug=openai%2Fcodex-mini&variant=standard';

const recording = {
  [MODELS_KEY]: { data: [{ slug: 'openai/codex-mini', name: 'Codex Mini' }] },
  [STATS_KEY]: { data: { p50_latency: 123, p50_throughput: 45 } },
  '/api/frontend/raw': '{"already":"serialised"}',
};

let servers: FakeOpenRouter[] = [];

async function start(options: Partial<FakeOpenRouterOptions> = {}): Promise<FakeOpenRouter> {
  const server = await startFakeOpenRouter({ recording, ...options });
  servers.push(server);
  return server;
}

afterEach(async () => {
  await Promise.all(servers.map((server) => server.close()));
  servers = [];
});

describe('requestKeyOf', () => {
  it('keeps a bare path and sorts the query by key', () => {
    expect(requestKeyOf('/api/frontend/models')).toBe(MODELS_KEY);
    expect(requestKeyOf('/api/frontend/models?')).toBe(MODELS_KEY);
    expect(requestKeyOf('/api/frontend/stats/endpoint?variant=standard&permaslug=openai/codex-mini')).toBe(
      STATS_KEY,
    );
    expect(requestKeyOf(`http://127.0.0.1:1${STATS_KEY}`)).toBe(STATS_KEY);
    expect(requestKeyOf(STATS_KEY)).toBe(STATS_KEY);
  });
});

describe('startFakeOpenRouter', () => {
  it('serves recorded responses on loopback, whatever the query order', async () => {
    const server = await start();
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    const models = await fetch(`${server.url}${MODELS_KEY}`);
    expect(models.status).toBe(200);
    expect(models.headers.get('content-type')).toBe('application/json');
    const modelsText = await models.text();
    expect(models.headers.get('content-length')).toBe(String(Buffer.byteLength(modelsText)));
    expect(JSON.parse(modelsText)).toEqual(recording[MODELS_KEY]);

    const swapped = await fetch(
      `${server.url}/api/frontend/stats/endpoint?variant=standard&permaslug=openai%2Fcodex-mini`,
    );
    expect(swapped.status).toBe(200);
    expect(await swapped.json()).toEqual(recording[STATS_KEY]);

    const raw = await fetch(`${server.url}/api/frontend/raw`);
    expect(await raw.text()).toBe('{"already":"serialised"}');
  });

  it('answers 404 with the key for unknown requests', async () => {
    const server = await start();
    const response = await fetch(`${server.url}/api/frontend/nope?b=2&a=1`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: 'not found', key: '/api/frontend/nope?a=1&b=2' });
  });

  it('reads a function recording on every request', async () => {
    let current: Record<string, unknown> = { [MODELS_KEY]: { data: [] } };
    const server = await start({ recording: () => current });
    expect(await (await fetch(`${server.url}${MODELS_KEY}`)).json()).toEqual({ data: [] });
    current = { [MODELS_KEY]: { data: [1] } };
    expect(await (await fetch(`${server.url}${MODELS_KEY}`)).json()).toEqual({ data: [1] });
  });

  it('injects 429 with Retry-After only for the first `times` requests', async () => {
    const server = await start({
      faults: [{ key: MODELS_KEY, fault: { kind: 'status', status: 429, retryAfterSeconds: 3 }, times: 1 }],
    });
    const limited = await fetch(`${server.url}${MODELS_KEY}`);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('3');
    await limited.text();

    const ok = await fetch(`${server.url}${MODELS_KEY}`);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual(recording[MODELS_KEY]);
    expect(server.log().map((entry) => entry.fault)).toEqual(['status:429', null]);
  });

  it('injects 500 for any request with the wildcard key', async () => {
    const server = await start({ faults: [{ key: '*', fault: { kind: 'status', status: 500 } }] });
    for (const key of [MODELS_KEY, STATS_KEY]) {
      const response = await fetch(`${server.url}${key}`);
      expect(response.status).toBe(500);
      await response.text();
    }
  });

  it('delays past the client timeout so the client aborts, quickly', async () => {
    const server = await start({ faults: [{ key: MODELS_KEY, fault: { kind: 'delay', ms: 1000 } }] });
    const startedAt = Date.now();
    await expect(fetch(`${server.url}${MODELS_KEY}`, { signal: AbortSignal.timeout(100) })).rejects.toThrow();
    expect(Date.now() - startedAt).toBeLessThan(900);
  });

  it('resets the connection without a response', async () => {
    const server = await start({ faults: [{ key: '*', fault: { kind: 'reset' } }] });
    await expect(fetch(`${server.url}${MODELS_KEY}`)).rejects.toThrow();
  });

  it('truncates the body below the advertised Content-Length', async () => {
    const server = await start({ faults: [{ key: MODELS_KEY, fault: { kind: 'truncate' } }] });
    const fullLength = Buffer.byteLength(JSON.stringify(recording[MODELS_KEY]));
    let text: string | null = null;
    try {
      const response = await fetch(`${server.url}${MODELS_KEY}`);
      expect(response.headers.get('content-length')).toBe(String(fullLength));
      text = await response.text();
    } catch {
      // Rejecting while the body is read is one acceptable outcome.
    }
    if (text !== null) {
      expect(Buffer.byteLength(text)).toBeLessThan(fullLength);
      expect(() => JSON.parse(text as string)).toThrow();
    }
  });

  it('serves invalid JSON, an HTML page and a wrong-shaped body with 200', async () => {
    const server = await start();

    server.setFaults([{ key: '*', fault: { kind: 'invalid-json' } }]);
    const invalid = await fetch(`${server.url}${MODELS_KEY}`);
    expect(invalid.status).toBe(200);
    await expect(invalid.json()).rejects.toThrow();

    server.setFaults([{ key: '*', fault: { kind: 'html' } }]);
    const html = await fetch(`${server.url}${MODELS_KEY}`);
    expect(html.status).toBe(200);
    expect(html.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await html.text()).toMatch(/<html/i);

    server.setFaults([{ key: '*', fault: { kind: 'wrong-shape' } }]);
    const wrong = await fetch(`${server.url}${MODELS_KEY}`);
    expect(wrong.status).toBe(200);
    expect(await wrong.json()).toEqual({ items: 'nope' });

    server.setFaults([{ key: '*', fault: { kind: 'body', body: 'x'.repeat(10_000), contentType: 'text/plain' } }]);
    const body = await fetch(`${server.url}${MODELS_KEY}`);
    expect(body.headers.get('content-type')).toBe('text/plain');
    expect((await body.text()).length).toBe(10_000);
  });

  it('counts requests in total and per key, and resets the counts', async () => {
    const server = await start();
    await (await fetch(`${server.url}${MODELS_KEY}`)).text();
    await (await fetch(`${server.url}${MODELS_KEY}`)).text();
    await (await fetch(`${server.url}${STATS_KEY}`)).text();
    expect(server.requestCount()).toBe(3);
    expect(server.requestsFor(MODELS_KEY)).toBe(2);
    expect(server.requestsFor(STATS_KEY)).toBe(1);
    expect(server.requestsFor('/api/frontend/other')).toBe(0);
    expect(server.log().map((entry) => entry.key)).toEqual([MODELS_KEY, MODELS_KEY, STATS_KEY]);

    server.resetCounts();
    expect(server.requestCount()).toBe(0);
    expect(server.requestsFor(MODELS_KEY)).toBe(0);
    expect(server.log()).toEqual([]);
  });

  it('reports the peak number of concurrent requests', async () => {
    const server = await start({ faults: [{ key: '*', fault: { kind: 'delay', ms: 50 } }] });
    const responses = await Promise.all(
      Array.from({ length: 5 }, () => fetch(`${server.url}${MODELS_KEY}`).then((r) => r.json())),
    );
    expect(responses).toHaveLength(5);
    expect(server.maxInFlight()).toBe(5);
  });

  it('produces the same random fault sequence for the same seed', async () => {
    const sequenceFor = async (seed: number): Promise<Array<string | null>> => {
      const server = await start({
        random: {
          seed,
          rate: 0.5,
          kinds: [
            { kind: 'status', status: 500 },
            { kind: 'status', status: 503 },
          ],
        },
      });
      for (let i = 0; i < 20; i += 1) await (await fetch(`${server.url}${MODELS_KEY}`)).text();
      await server.close();
      return server.log().map((entry) => entry.fault);
    };

    const first = await sequenceFor(7);
    const second = await sequenceFor(7);
    expect(second).toEqual(first);
    expect(first).toContain(null);
    expect(first.some((fault) => fault !== null)).toBe(true);
    expect(await sequenceFor(8)).not.toEqual(first);
  });

  it('faults the same (request, attempt) pairs for a seed at any concurrency and arrival order', async () => {
    // 40 endpoint lists, fetched by a client that retries a faulted request up to 4 times, as the
    // sync's transport does. Each run issues the keys in another order, so arrivals interleave differently.
    const keys = Array.from(
      { length: 40 },
      (_, index) => `/api/frontend/stats/endpoint?permaslug=p${index}&variant=standard`,
    );
    const lists = Object.fromEntries(keys.map((key) => [key, { data: [] }]));
    const faultedPairs = async (concurrency: number, order: string[]): Promise<string[]> => {
      const server = await start({
        recording: lists,
        random: {
          seed: 7,
          rate: 0.3,
          kinds: [{ kind: 'status', status: 500 }, { kind: 'reset' }, { kind: 'invalid-json' }],
        },
      });
      const fetchWithRetries = async (key: string) => {
        for (let attempt = 1; attempt <= 4; attempt += 1) {
          try {
            const response = await fetch(`${server.url}${key}`);
            if (response.ok) {
              await response.json();
              return;
            }
            await response.text();
          } catch {
            // A reset or a body that is not JSON: try again.
          }
        }
      };
      const queue = [...order];
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          for (let key = queue.shift(); key !== undefined; key = queue.shift()) await fetchWithRetries(key);
        }),
      );
      await server.close();
      return server
        .log()
        .filter((entry) => entry.fault !== null)
        .map((entry) => `${entry.key} #${entry.attempt} ${entry.fault}`)
        .sort();
    };

    const one = await faultedPairs(1, keys);
    const eight = await faultedPairs(8, [...keys].reverse());
    const sixteen = await faultedPairs(16, [...keys.slice(20), ...keys.slice(0, 20)]);
    expect(eight).toEqual(one);
    expect(sixteen).toEqual(one);
    // Some lists faulted, and some of them again on a retry.
    expect(one.length).toBeGreaterThan(5);
    expect(one.some((pair) => / #[2-4] /.test(pair))).toBe(true);
  });

  it('answers 500 naming a function recording that is not an object, and refuses one up front', async () => {
    let current: unknown = null;
    const server = await start({ recording: () => current as Record<string, unknown> });
    const nullAnswer = await fetch(`${server.url}${MODELS_KEY}`);
    expect(nullAnswer.status).toBe(500);
    expect((await nullAnswer.json()).error).toMatch(/recording is null/);
    current = [];
    expect((await (await fetch(`${server.url}${MODELS_KEY}`)).json()).error).toMatch(/recording is an array/);
    current = recording;
    expect((await fetch(`${server.url}${MODELS_KEY}`)).status).toBe(200);

    await expect(
      startFakeOpenRouter({ recording: null as unknown as Record<string, unknown> }),
    ).rejects.toThrow(/recording is null/);
  });

  it('close() does not hang on a pending delayed request', async () => {
    const server = await start({ faults: [{ key: '*', fault: { kind: 'delay', ms: 60_000 } }] });
    const pending = fetch(`${server.url}${MODELS_KEY}`).then(
      () => 'resolved',
      () => 'rejected',
    );
    for (let attempt = 0; attempt < 200 && server.requestCount() === 0; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    expect(server.requestCount()).toBe(1);
    await server.close();
    expect(await pending).toBe('rejected');
  });
});

describe('parseFaultSpec', () => {
  it('parses rules, times, wildcard and a random clause', () => {
    const parsed = parseFaultSpec(
      `429:retry-after=2@${MODELS_KEY}*2,reset@*,delay=5000@/api/frontend/stats/endpoint?variant=standard&permaslug=openai%2Fcodex-mini,truncate=10@**3,random:seed=7,rate=0.1,kinds=500|html`,
    );
    expect(parsed.faults).toEqual([
      { key: MODELS_KEY, fault: { kind: 'status', status: 429, retryAfterSeconds: 2 }, times: 2 },
      { key: '*', fault: { kind: 'reset' } },
      { key: STATS_KEY, fault: { kind: 'delay', ms: 5000 } },
      { key: '*', fault: { kind: 'truncate', bytes: 10 }, times: 3 },
    ]);
    expect(parsed.random).toEqual({
      seed: 7,
      rate: 0.1,
      kinds: [{ kind: 'status', status: 500 }, { kind: 'html' }],
    });
  });

  it('uses default random kinds and accepts an empty spec', () => {
    expect(parseFaultSpec('random:seed=1,rate=0.5').random?.kinds.length).toBeGreaterThan(0);
    expect(parseFaultSpec('')).toEqual({ faults: [] });
  });

  it.each([
    ['bogus@*', 'bogus@*'],
    ['429@/ok,explode', 'explode'],
    ['999@*', '999@*'],
    ['delay=soon@*', 'delay=soon@*'],
    ['reset@models', 'reset@models'],
    ['random:seed=1,rate=2', 'rate=2'],
    ['random:seed=1,colour=red', 'colour=red'],
    ['random:rate=0.1', 'random:rate=0.1'],
    ['reset@*,,html@*', ''],
  ])('rejects %j naming the bad token', (spec, badToken) => {
    expect(() => parseFaultSpec(spec)).toThrow(`"${badToken}"`);
  });
});
