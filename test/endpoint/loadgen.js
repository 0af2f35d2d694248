#!/usr/bin/env node
'use strict';
// Load generator: signed text/csv InvokeEndpoint calls at a fixed concurrency over
// keep-alive connections; prints one JSON line with throughput and latency figures.
//
//   node loadgen.js --url http://127.0.0.1:N/endpoints/echo-bench/invocations \
//        --rows-per-call 100 --concurrency 8 --calls 1000   (or --seconds S)

const http = require('node:http');
const { makeSigner, signedHeaders } = require('./lib/client');

const USAGE = `usage: node loadgen.js --url URL [--rows-per-call N] [--concurrency N]
       (--calls N | --seconds S) [--columns N] [--payloads N] [--no-sign]
       [--region R] [--access-key-id ID] [--secret-access-key KEY] [--session-token T]`;

// Parse flags (over ENDPOINT_* / AWS_* environment variables).
function parseArgs(argv, env) {
  const o = {
    url: null,
    rowsPerCall: 100,
    concurrency: 8,
    calls: null,
    seconds: null,
    columns: 4,
    payloads: 16,
    sign: true,
    region: env.ENDPOINT_REGION || env.AWS_REGION || 'us-east-1',
    accessKeyId: env.ENDPOINT_ACCESS_KEY_ID || 'AKIDEXAMPLE',
    secretAccessKey: env.ENDPOINT_SECRET_ACCESS_KEY || 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
    sessionToken: env.ENDPOINT_SESSION_TOKEN || null,
  };
  const num = (v, f) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) fail(`${f} needs a positive number`);
    return n;
  };
  const valued = {
    '--url': (v) => { o.url = v; },
    '--rows-per-call': (v) => { o.rowsPerCall = Math.floor(num(v, '--rows-per-call')); },
    '--concurrency': (v) => { o.concurrency = Math.floor(num(v, '--concurrency')); },
    '--calls': (v) => { o.calls = Math.floor(num(v, '--calls')); },
    '--seconds': (v) => { o.seconds = num(v, '--seconds'); },
    '--columns': (v) => { o.columns = Math.floor(num(v, '--columns')); },
    '--payloads': (v) => { o.payloads = Math.floor(num(v, '--payloads')); },
    '--region': (v) => { o.region = v; },
    '--access-key-id': (v) => { o.accessKeyId = v; },
    '--secret-access-key': (v) => { o.secretAccessKey = v; },
    '--session-token': (v) => { o.sessionToken = v; },
  };
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i];
    let value;
    const eq = arg.indexOf('=');
    if (arg.startsWith('--') && eq > 0) {
      value = arg.slice(eq + 1);
      arg = arg.slice(0, eq);
    }
    if (arg === '--no-sign') o.sign = false;
    else if (arg === '--help' || arg === '-h') fail('');
    else if (valued[arg]) {
      if (value === undefined) {
        if (i + 1 >= argv.length) fail(`${arg} needs a value`);
        value = argv[++i];
      }
      valued[arg](value);
    } else fail(`unknown argument: ${arg}`);
  }
  if (!o.url) fail('--url is required');
  if (o.calls === null && o.seconds === null) o.calls = 1000;
  return o;
}

function fail(msg) {
  if (msg) process.stderr.write(`loadgen.js: ${msg}\n`);
  process.stderr.write(`${USAGE}\n`);
  process.exit(msg ? 2 : 0);
}

// Pre-build a few distinct CSV payloads of rowsPerCall rows of `columns` numbers.
function buildPayloads(o) {
  const out = [];
  let seed = 12345;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
  for (let p = 0; p < o.payloads; p++) {
    const lines = [];
    for (let r = 0; r < o.rowsPerCall; r++) {
      const row = [];
      for (let c = 0; c < o.columns; c++) row.push((rnd() * 200 - 100).toFixed(3));
      lines.push(row.join(','));
    }
    out.push(Buffer.from(lines.join('\n') + '\n'));
  }
  return out;
}

// One call: resolves to the HTTP status (0 on a transport error).
function call(o, agent, signer, payload) {
  return (async () => {
    const base = { 'content-type': 'text/csv', accept: 'text/csv' };
    const headers = o.sign ? await signedHeaders(signer, o.url, 'POST', base, payload) : base;
    return new Promise((resolve) => {
      const req = http.request(o.url, { method: 'POST', agent, headers }, (res) => {
        res.on('data', () => {});
        res.on('end', () => resolve(res.statusCode));
        res.on('error', () => resolve(0));
      });
      req.on('error', () => resolve(0));
      req.setHeader('content-length', payload.length);
      req.end(payload);
    });
  })();
}

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

async function main() {
  const o = parseArgs(process.argv.slice(2), process.env);
  const agent = new http.Agent({ keepAlive: true, maxSockets: o.concurrency });
  const signer = makeSigner(o);
  const payloads = buildPayloads(o);
  const latencies = [];
  const statuses = {};
  let started = 0;
  let okCalls = 0;
  const t0 = process.hrtime.bigint();
  const deadline = o.seconds !== null ? t0 + BigInt(Math.round(o.seconds * 1e9)) : null;
  const more = () => (o.calls !== null ? started < o.calls : true) &&
    (deadline === null || process.hrtime.bigint() < deadline);

  async function worker() {
    while (more()) {
      const payload = payloads[started % payloads.length];
      started++;
      const s = process.hrtime.bigint();
      const status = await call(o, agent, signer, payload);
      latencies.push(Number(process.hrtime.bigint() - s) / 1e6);
      statuses[status] = (statuses[status] || 0) + 1;
      if (status === 200) okCalls++;
    }
  }
  await Promise.all(Array.from({ length: o.concurrency }, worker));
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const round = (x, d = 3) => (x === null ? null : Number(x.toFixed(d)));
  const result = {
    calls: okCalls,
    rows: okCalls * o.rowsPerCall,
    seconds: round(seconds),
    calls_per_s: round(okCalls / seconds, 1),
    rows_per_s: round((okCalls * o.rowsPerCall) / seconds, 1),
    p50_ms: round(percentile(latencies, 50)),
    p99_ms: round(percentile(latencies, 99)),
    failed_calls: started - okCalls,
    statuses,
    concurrency: o.concurrency,
    rows_per_call: o.rowsPerCall,
  };
  process.stdout.write(JSON.stringify(result) + '\n');
  process.exitCode = okCalls === started ? 0 : 1;
}

if (require.main === module && !process.env.NODE_TEST_CONTEXT) {
  main().catch((e) => {
    process.stderr.write(`loadgen.js: ${e.stack || e}\n`);
    process.exit(1);
  });
}
