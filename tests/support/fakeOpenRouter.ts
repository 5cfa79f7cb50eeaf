/*
 * Test-support fake of OpenRouter's frontend API (`/api/frontend/...`), served
 * from a recording over loopback, with fault injection (HTTP errors, delays,
 * connection resets, truncated/garbled bodies, seeded random faults) so the
 * sync code can be exercised against every failure it must survive.
 *
 * It must never leave loopback: it binds 127.0.0.1 on an ephemeral port and
 * makes no outbound requests. It is Node-only (`node:http`) and must never be
 * imported by, or shipped in, the Convex module.
 *
 * Request keys: the request path, then — only when there is a query — `?` and
 * the query re-serialised by URLSearchParams with entries sorted by key name,
 * so any query order maps to the same recording entry.
 *
 * Fault spec grammar (parseFaultSpec), comma-separated tokens:
 *
 *   spec        := "" | token ("," token)*
 *   token       := rule | randomHead | randomParam
 *   rule        := fault "@" target
 *   target      := ("*" | requestKey) ["*" times]     times: integer >= 1
 *                  ("*" = any request; a trailing "*N" is always read as times,
 *                   so "**3" is "any request, first 3 times")
 *   fault       := status [":retry-after=" seconds]  status: integer 200..599
 *                | "delay=" ms
 *                | "reset"
 *                | "truncate" ["=" bytes]
 *                | "invalid-json" | "html" | "wrong-shape"
 *   randomHead  := "random:" randomParam
 *   randomParam := "seed=" integer | "rate=" number(0..1)
 *                | "kinds=" fault ("|" fault)*
 *                  (randomParam tokens after randomHead belong to it; seed and
 *                   rate are required; kinds defaults to DEFAULT_RANDOM_KINDS)
 *
 *   e.g. "429:retry-after=2@/api/frontend/models*2,reset@*,delay=5000@<key>,
 *         random:seed=7,rate=0.1,kinds=500|reset"
 *
 * A random fault is decided by (seed, request key, attempt number for that
 * key), never by arrival order, so a seed faults the same requests at any
 * client concurrency. Rules with a `times` budget still count arrivals.
 *
 * The `body` fault kind has no spec form: it carries arbitrary text that could
 * contain the separators, so it is only available programmatically.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket, AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { mulberry32 } from './random.js';

export type FaultKind =
  | { kind: 'status'; status: number; retryAfterSeconds?: number; body?: string }
  | { kind: 'delay'; ms: number }
  | { kind: 'reset' }
  | { kind: 'truncate'; bytes?: number }
  | { kind: 'invalid-json' }
  | { kind: 'html' }
  | { kind: 'wrong-shape' }
  | { kind: 'body'; body: string; contentType?: string };

export interface FaultRule {
  /** request key to match exactly, or '*' for any request; or a predicate */
  key: string | ((key: string) => boolean);
  fault: FaultKind;
  /** apply only to the first `times` matching requests (default: every matching request) */
  times?: number;
}

export interface FakeOpenRouterOptions {
  /** function form lets a test swap the recording between runs; it is read on every request */
  recording: Record<string, unknown> | (() => Record<string, unknown>);
  faults?: FaultRule[];
  /**
   * random faults: with probability `rate` per request, one of `kinds`. Each decision is drawn from
   * (seed, request key, attempt number for that key), so the same seed faults the same
   * (request, attempt) pairs whatever order the requests arrive in.
   */
  random?: { seed: number; rate: number; kinds: FaultKind[] };
  /** latency added to every response (ms), for benchmarks */
  latencyMs?: number;
}

export interface FakeOpenRouter {
  /** e.g. http://127.0.0.1:43123 */
  url: string;
  /** total requests received since start or the last resetCounts() */
  requestCount(): number;
  requestsFor(key: string): number;
  /**
   * one entry per request; `attempt` counts this key's requests from 1 (resetCounts does not
   * restart it); `at` is milliseconds since the server started
   */
  log(): Array<{ key: string; attempt: number; fault: string | null; at: number }>;
  /** replace fault rules at runtime (their `times` budgets start afresh) */
  setFaults(rules: FaultRule[]): void;
  /** clears counts, the log and maxInFlight; does not restart attempt numbers (random faults) or rule budgets */
  resetCounts(): void;
  /** max number of requests that were in flight simultaneously (useful for concurrency asserts) */
  maxInFlight(): number;
  /** closes the server, destroys open sockets, clears pending timers; idempotent */
  close(): Promise<void>;
}

const LOOPBACK_HOST = '127.0.0.1';
/** Only used to let `new URL` parse origin-relative request targets; never contacted. */
const PLACEHOLDER_BASE = 'http://placeholder.invalid';

/** Used when a spec's random clause names no kinds; excludes delay so random runs stay fast. */
export const DEFAULT_RANDOM_KINDS: readonly FaultKind[] = Object.freeze([
  { kind: 'status', status: 429, retryAfterSeconds: 1 },
  { kind: 'status', status: 500 },
  { kind: 'status', status: 503 },
  { kind: 'reset' },
  { kind: 'truncate' },
  { kind: 'invalid-json' },
  { kind: 'html' },
  { kind: 'wrong-shape' },
]);

export function requestKeyOf(url: string): string {
  const parsed = new URL(url, PLACEHOLDER_BASE);
  // Array.prototype.sort is stable, so repeated keys keep their relative order.
  const sortedEntries = [...parsed.searchParams.entries()].sort(([a], [b]) =>
    a < b ? -1 : a > b ? 1 : 0,
  );
  if (sortedEntries.length === 0) return parsed.pathname;
  return `${parsed.pathname}?${new URLSearchParams(sortedEntries).toString()}`;
}


function describeFault(fault: FaultKind): string {
  switch (fault.kind) {
    case 'status':
      return `status:${fault.status}`;
    case 'delay':
      return `delay:${fault.ms}`;
    case 'truncate':
      return fault.bytes === undefined ? 'truncate' : `truncate:${fault.bytes}`;
    default:
      return fault.kind;
  }
}

function assertValidFault(fault: FaultKind, where: string): void {
  const fail = (why: string): never => {
    throw new Error(`fakeOpenRouter: invalid ${where} fault ${JSON.stringify(fault)}: ${why}`);
  };
  switch (fault.kind) {
    case 'status':
      if (!Number.isInteger(fault.status) || fault.status < 200 || fault.status > 599)
        fail('status must be an integer in 200..599');
      if (
        fault.retryAfterSeconds !== undefined &&
        !(Number.isFinite(fault.retryAfterSeconds) && fault.retryAfterSeconds >= 0)
      )
        fail('retryAfterSeconds must be a non-negative number');
      break;
    case 'delay':
      if (!(Number.isFinite(fault.ms) && fault.ms >= 0)) fail('ms must be a non-negative number');
      break;
    case 'truncate':
      if (fault.bytes !== undefined && !(Number.isInteger(fault.bytes) && fault.bytes >= 0))
        fail('bytes must be a non-negative integer');
      break;
    case 'reset':
    case 'invalid-json':
    case 'html':
    case 'wrong-shape':
    case 'body':
      break;
    default:
      fail('unknown kind');
  }
}

interface ArmedRule {
  matches: (key: string) => boolean;
  fault: FaultKind;
  remaining: number;
}

function armRules(rules: readonly FaultRule[]): ArmedRule[] {
  return rules.map((rule) => {
    assertValidFault(rule.fault, 'rule');
    const { key } = rule;
    let matches: (key: string) => boolean;
    if (typeof key === 'function') matches = key;
    else if (key === '*') matches = () => true;
    else {
      // Normalising is a no-op for keys already in canonical form, and lets
      // callers write the query in any order.
      const canonical = requestKeyOf(key);
      matches = (requestKey) => requestKey === canonical;
    }
    return { matches, fault: rule.fault, remaining: rule.times ?? Number.POSITIVE_INFINITY };
  });
}

interface PlannedResponse {
  status: number;
  headers: Record<string, string | number>;
  body: string;
}

function jsonResponse(status: number, value: unknown): PlannedResponse {
  return { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(value) };
}

const HTML_ERROR_PAGE =
  '<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>' +
  '<body><h1>502 Bad Gateway</h1><p>The upstream server returned an invalid response.</p></body></html>\n';

export async function startFakeOpenRouter(options: FakeOpenRouterOptions): Promise<FakeOpenRouter> {
  const latencyMs = options.latencyMs ?? 0;
  if (!(Number.isFinite(latencyMs) && latencyMs >= 0))
    throw new Error(`fakeOpenRouter: latencyMs must be a non-negative number, got ${latencyMs}`);

  const random = options.random;
  if (random) {
    if (!(random.rate >= 0 && random.rate <= 1))
      throw new Error(`fakeOpenRouter: random.rate must be in 0..1, got ${random.rate}`);
    if (random.rate > 0 && random.kinds.length === 0)
      throw new Error('fakeOpenRouter: random.kinds must not be empty when rate > 0');
    for (const kind of random.kinds) assertValidFault(kind, 'random');
  }
  if (typeof options.recording !== 'function') checkRecording(options.recording);

  let armedRules = armRules(options.faults ?? []);
  const startedAt = performance.now();
  let totalRequests = 0;
  let perKeyRequests = new Map<string, number>();
  /** Requests per key since start, never reset: the attempt numbers random faults are drawn from. */
  const attemptsPerKey = new Map<string, number>();
  let requestLog: Array<{ key: string; attempt: number; fault: string | null; at: number }> = [];
  let inFlight = 0;
  let peakInFlight = 0;
  let closed = false;

  const openSockets = new Set<Socket>();
  const pendingTimers = new Set<NodeJS.Timeout>();

  const readRecording = (): Record<string, unknown> =>
    typeof options.recording === 'function' ? options.recording() : options.recording;

  const chooseFault = (key: string, attempt: number): FaultKind | null => {
    for (const rule of armedRules) {
      if (rule.remaining > 0 && rule.matches(key)) {
        rule.remaining -= 1;
        return rule.fault;
      }
    }
    if (random && random.kinds.length > 0) {
      // A stream of its own per (seed, key, attempt): concurrent requests arriving in another
      // order cannot shift one another's draws.
      const draw = mulberry32(hashString(`${random.seed}\u0000${key}\u0000${attempt}`));
      if (draw() < random.rate) {
        const index = Math.min(random.kinds.length - 1, Math.floor(draw() * random.kinds.length));
        return random.kinds[index] ?? null;
      }
    }
    return null;
  };

  const normalResponse = (key: string): PlannedResponse => {
    const recording = readRecording();
    // A function recording is read per request: a bad one answers 500 naming the problem, not a crash.
    const problem = recordingProblem(recording);
    if (problem !== null) return jsonResponse(500, { error: `fakeOpenRouter: ${problem}`, key });
    if (!Object.prototype.hasOwnProperty.call(recording, key))
      return jsonResponse(404, { error: 'not found', key });
    const value = recording[key];
    const body = typeof value === 'string' ? value : (JSON.stringify(value) ?? 'null');
    return { status: 200, headers: { 'content-type': 'application/json' }, body };
  };

  const after = (ms: number, run: () => void): void => {
    if (ms <= 0) {
      run();
      return;
    }
    const timer = setTimeout(() => {
      pendingTimers.delete(timer);
      run();
    }, ms);
    pendingTimers.add(timer);
  };

  const send = (res: ServerResponse, planned: PlannedResponse): void => {
    if (res.destroyed || res.writableEnded) return;
    const body = Buffer.from(planned.body, 'utf8');
    res.writeHead(planned.status, { ...planned.headers, 'content-length': body.length });
    res.end(body);
  };

  const respond = (res: ServerResponse, key: string, fault: FaultKind | null): void => {
    if (res.destroyed || res.writableEnded) return;
    if (fault === null) {
      send(res, normalResponse(key));
      return;
    }
    switch (fault.kind) {
      case 'status': {
        const headers: Record<string, string | number> = {};
        if (fault.retryAfterSeconds !== undefined) headers['retry-after'] = String(fault.retryAfterSeconds);
        if (fault.body !== undefined) {
          headers['content-type'] = looksLikeJson(fault.body) ? 'application/json' : 'text/plain; charset=utf-8';
          send(res, { status: fault.status, headers, body: fault.body });
        } else {
          const planned = jsonResponse(fault.status, { error: 'injected fault', status: fault.status });
          send(res, { ...planned, headers: { ...planned.headers, ...headers } });
        }
        return;
      }
      case 'delay':
        // The delay itself was already waited for before respond() ran.
        send(res, normalResponse(key));
        return;
      case 'reset':
        destroyAbruptly(res.socket);
        return;
      case 'truncate': {
        const planned = normalResponse(key);
        const full = Buffer.from(planned.body, 'utf8');
        const requested = fault.bytes ?? Math.floor(full.length / 2);
        // Never send the whole body, otherwise the "truncation" would be invisible.
        const sent = Math.max(0, Math.min(requested, full.length - 1));
        res.writeHead(planned.status, { ...planned.headers, 'content-length': full.length });
        res.write(full.subarray(0, sent), () => destroyAbruptly(res.socket));
        return;
      }
      case 'invalid-json':
        send(res, { status: 200, headers: { 'content-type': 'application/json' }, body: '{"data": [' });
        return;
      case 'html':
        send(res, { status: 200, headers: { 'content-type': 'text/html; charset=utf-8' }, body: HTML_ERROR_PAGE });
        return;
      case 'wrong-shape':
        send(res, jsonResponse(200, { items: 'nope' }));
        return;
      case 'body':
        send(res, {
          status: 200,
          headers: { 'content-type': fault.contentType ?? 'application/json' },
          body: fault.body,
        });
        return;
    }
  };

  const handleRequest = (req: IncomingMessage, res: ServerResponse): void => {
    if (closed) {
      destroyAbruptly(req.socket);
      return;
    }
    let key: string;
    try {
      key = requestKeyOf(req.url ?? '/');
    } catch {
      key = req.url ?? '/';
    }
    const attempt = (attemptsPerKey.get(key) ?? 0) + 1;
    attemptsPerKey.set(key, attempt);
    const fault = chooseFault(key, attempt);

    totalRequests += 1;
    perKeyRequests.set(key, (perKeyRequests.get(key) ?? 0) + 1);
    const at = performance.now() - startedAt;
    requestLog.push({ key, attempt, fault: fault ? describeFault(fault) : null, at });

    inFlight += 1;
    peakInFlight = Math.max(peakInFlight, inFlight);
    let settled = false;
    res.on('close', () => {
      if (settled) return;
      settled = true;
      inFlight -= 1;
    });

    // Request bodies are irrelevant to the frontend API; drain so the socket can be reused.
    req.resume();

    const waitMs = latencyMs + (fault?.kind === 'delay' ? fault.ms : 0);
    after(waitMs, () => respond(res, key, fault));
  };

  const server = createServer(handleRequest);
  server.on('connection', (socket: Socket) => {
    openSockets.add(socket);
    socket.on('close', () => openSockets.delete(socket));
  });
  // A client that aborts mid-response causes socket errors we do not care about.
  server.on('clientError', (_error, socket) => socket.destroy());

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, LOOPBACK_HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });

  const address = server.address() as AddressInfo;
  let closing: Promise<void> | null = null;

  return {
    url: `http://${LOOPBACK_HOST}:${address.port}`,
    requestCount: () => totalRequests,
    requestsFor: (key) => perKeyRequests.get(requestKeyOf(key)) ?? 0,
    log: () => requestLog.map((entry) => ({ ...entry })),
    setFaults: (rules) => {
      armedRules = armRules(rules);
    },
    resetCounts: () => {
      totalRequests = 0;
      perKeyRequests = new Map();
      requestLog = [];
      peakInFlight = inFlight;
    },
    maxInFlight: () => peakInFlight,
    close: () => {
      if (closing) return closing;
      closed = true;
      closing = new Promise<void>((resolve) => {
        for (const timer of pendingTimers) clearTimeout(timer);
        pendingTimers.clear();
        server.close(() => resolve());
        for (const socket of openSockets) socket.destroy();
        openSockets.clear();
      });
      return closing;
    },
  };
}

/** FNV-1a, 32 bits: a seed for mulberry32 from a string. */
function hashString(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index += 1) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** Why a value cannot be served as a recording (an object mapping request keys to bodies), or null. */
function recordingProblem(recording: unknown): string | null {
  const what =
    recording === null ? 'null' : Array.isArray(recording) ? 'an array' : typeof recording !== 'object' ? typeof recording : null;
  return what === null ? null : `the recording is ${what}, not an object mapping request keys to bodies`;
}

function checkRecording(recording: unknown): void {
  const problem = recordingProblem(recording);
  if (problem !== null) throw new Error(`fakeOpenRouter: ${problem}`);
}

function destroyAbruptly(socket: Socket | null): void {
  if (!socket || socket.destroyed) return;
  // RST rather than FIN, so the client sees a genuine connection reset.
  if (typeof socket.resetAndDestroy === 'function') socket.resetAndDestroy();
  else socket.destroy();
}

function looksLikeJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------
// Fault spec parsing (grammar in the header comment)

const RANDOM_PARAM_NAMES = new Set(['seed', 'rate', 'kinds']);

function badToken(token: string, why: string): Error {
  return new Error(`Invalid fault spec token "${token}": ${why}`);
}

function parseNonNegativeInteger(text: string, token: string, what: string): number {
  if (!/^\d+$/.test(text)) throw badToken(token, `${what} must be a non-negative integer, got "${text}"`);
  return Number(text);
}

function parseFault(text: string, token: string): FaultKind {
  const statusMatch = /^(\d{3})(?::retry-after=(.*))?$/.exec(text);
  if (statusMatch) {
    const status = Number(statusMatch[1]);
    if (status < 200 || status > 599) throw badToken(token, `status must be in 200..599, got ${status}`);
    const retryAfterText = statusMatch[2];
    if (retryAfterText === undefined) return { kind: 'status', status };
    return {
      kind: 'status',
      status,
      retryAfterSeconds: parseNonNegativeInteger(retryAfterText, token, 'retry-after'),
    };
  }
  if (text.startsWith('delay=')) {
    return { kind: 'delay', ms: parseNonNegativeInteger(text.slice('delay='.length), token, 'delay') };
  }
  if (text === 'truncate') return { kind: 'truncate' };
  if (text.startsWith('truncate=')) {
    return {
      kind: 'truncate',
      bytes: parseNonNegativeInteger(text.slice('truncate='.length), token, 'truncate bytes'),
    };
  }
  if (text === 'reset' || text === 'invalid-json' || text === 'html' || text === 'wrong-shape') {
    return { kind: text };
  }
  throw badToken(token, `unknown fault "${text}"`);
}

function parseRule(token: string): FaultRule {
  const at = token.indexOf('@');
  const faultText = token.slice(0, at);
  let target = token.slice(at + 1);
  if (faultText === '') throw badToken(token, 'missing fault before "@"');

  let times: number | undefined;
  const timesMatch = /^(.*)\*(\d+)$/.exec(target);
  if (timesMatch) {
    target = timesMatch[1] ?? '';
    times = Number(timesMatch[2]);
    if (times < 1) throw badToken(token, 'times must be at least 1');
  }
  if (target !== '*' && !target.startsWith('/'))
    throw badToken(token, 'target must be "*" or a request key starting with "/"');

  const fault = parseFault(faultText, token);
  const key = target === '*' ? '*' : requestKeyOf(target);
  return times === undefined ? { key, fault } : { key, fault, times };
}

export function parseFaultSpec(spec: string): Pick<FakeOpenRouterOptions, 'faults' | 'random'> {
  const faults: FaultRule[] = [];
  if (spec.trim() === '') return { faults };

  let randomParams: Map<string, string> | null = null;
  let randomHeadToken = '';

  for (const rawToken of spec.split(',')) {
    const token = rawToken.trim();
    if (token === '') throw badToken(rawToken, 'empty token (stray comma?)');

    if (token.startsWith('random:')) {
      if (randomParams) throw badToken(token, 'only one random clause is allowed');
      randomParams = new Map();
      randomHeadToken = token;
      addRandomParam(randomParams, token.slice('random:'.length), token);
      continue;
    }
    if (token.includes('@')) {
      faults.push(parseRule(token));
      continue;
    }
    const name = token.split('=', 1)[0] ?? '';
    if (randomParams && token.includes('=') && RANDOM_PARAM_NAMES.has(name)) {
      addRandomParam(randomParams, token, token);
      continue;
    }
    throw badToken(token, 'expected "<fault>@<target>" or a "random:" clause');
  }

  if (!randomParams) return { faults };

  const seedText = randomParams.get('seed');
  const rateText = randomParams.get('rate');
  if (seedText === undefined) throw badToken(randomHeadToken, 'random clause needs seed=<integer>');
  if (rateText === undefined) throw badToken(randomHeadToken, 'random clause needs rate=<0..1>');

  const seed = Number(seedText);
  if (!/^-?\d+$/.test(seedText)) throw badToken(`seed=${seedText}`, 'seed must be an integer');
  const rate = Number(rateText);
  if (rateText.trim() === '' || !(rate >= 0 && rate <= 1))
    throw badToken(`rate=${rateText}`, 'rate must be a number in 0..1');

  const kindsText = randomParams.get('kinds');
  const kinds =
    kindsText === undefined
      ? DEFAULT_RANDOM_KINDS.map((kind) => ({ ...kind }))
      : kindsText.split('|').map((part) => parseFault(part, `kinds=${kindsText}`));

  return { faults, random: { seed, rate, kinds } };
}

function addRandomParam(params: Map<string, string>, assignment: string, token: string): void {
  const equals = assignment.indexOf('=');
  if (equals <= 0) throw badToken(token, 'expected name=value');
  const name = assignment.slice(0, equals);
  const value = assignment.slice(equals + 1);
  if (!RANDOM_PARAM_NAMES.has(name)) throw badToken(token, `unknown random parameter "${name}"`);
  if (params.has(name)) throw badToken(token, `duplicate random parameter "${name}"`);
  if (value === '') throw badToken(token, `empty value for "${name}"`);
  params.set(name, value);
}
