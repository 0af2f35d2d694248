#!/usr/bin/env node
'use strict';
// A SageMaker Runtime test endpoint: serves InvokeEndpoint
// (POST /endpoints/{name}/invocations), verifies every request's SigV4 signature with
// AWS's own signer, answers with toy models chosen by endpoint name, injects faults on
// request, and counts everything. See README.md for the CLI, the names and the control API.

const http = require('node:http');
const crypto = require('node:crypto');
const { SigV4Verifier, AuthError } = require('./lib/sigv4verify');
const { FaultTable, canonicalMode } = require('./lib/faults');
const models = require('./lib/models');

const HOST = '127.0.0.1';
const ACCOUNT = '123456789012';
const MAX_PAYLOAD = 6 * 1024 * 1024;      // SageMaker's InvokeEndpoint limit
const HARD_LIMIT = 64 * 1024 * 1024;      // beyond this the connection is cut
const NAME_RE = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;

const CORAL = 'http://internal.amazon.com/coral/';
const ERROR_NAMESPACE = {
  ValidationError: 'com.amazon.coral.validate/',
  ThrottlingException: 'com.amazon.coral.availability/',
  ModelError: 'com.amazonaws.sagemaker/',
  ModelNotReadyException: 'com.amazonaws.sagemaker/',
  ServiceUnavailable: 'com.amazonaws.sagemaker/',
};

/*--- Configuration ---*/

const USAGE = `usage: node server.js [--port N] [--region R] [--access-key-id ID]
       [--secret-access-key KEY] [--session-token TOKEN] [--no-auth]
       [--latency-ms N] [--max-payload-bytes N] [--verbose]`;

// Build the configuration from command-line flags over environment variables.
function parseArgs(argv, env) {
  const cfg = {
    port: Number(env.PORT || 0),
    region: env.ENDPOINT_REGION || 'us-east-1',
    accessKeyId: env.ENDPOINT_ACCESS_KEY_ID || 'AKIDEXAMPLE',
    secretAccessKey: env.ENDPOINT_SECRET_ACCESS_KEY || 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
    sessionToken: env.ENDPOINT_SESSION_TOKEN || null,
    noAuth: ['1', 'true', 'yes'].includes(String(env.ENDPOINT_NO_AUTH || '').toLowerCase()),
    latencyMs: Number(env.ENDPOINT_LATENCY_MS || 0),
    maxPayload: MAX_PAYLOAD,
    verbose: false,
  };
  const valued = {
    '--port': (v) => { cfg.port = toInt(v, '--port'); },
    '--region': (v) => { cfg.region = v; },
    '--access-key-id': (v) => { cfg.accessKeyId = v; },
    '--secret-access-key': (v) => { cfg.secretAccessKey = v; },
    '--session-token': (v) => { cfg.sessionToken = v || null; },
    '--latency-ms': (v) => { cfg.latencyMs = toInt(v, '--latency-ms'); },
    '--max-payload-bytes': (v) => { cfg.maxPayload = toInt(v, '--max-payload-bytes'); },
  };
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i];
    let value;
    const eq = arg.indexOf('=');
    if (arg.startsWith('--') && eq > 0) {
      value = arg.slice(eq + 1);
      arg = arg.slice(0, eq);
    }
    if (arg === '--no-auth') cfg.noAuth = true;
    else if (arg === '--verbose') cfg.verbose = true;
    else if (arg === '--help' || arg === '-h') throw new UsageError('');
    else if (valued[arg]) {
      if (value === undefined) {
        if (i + 1 >= argv.length) throw new UsageError(`${arg} needs a value`);
        value = argv[++i];
      }
      valued[arg](value);
    } else {
      throw new UsageError(`unknown argument: ${arg}`);
    }
  }
  return cfg;
}

class UsageError extends Error {}

function toInt(v, flag) {
  if (!/^\d+$/.test(String(v))) throw new UsageError(`${flag} needs a non-negative integer`);
  return Number(v);
}

/*--- Statistics ---*/

function newCounters() {
  return {
    calls: 0, ok: 0, rows: 0, bytes: 0, bytes_out: 0, errors: {}, signature_failures: 0,
    faults: {}, client_gone: 0, in_flight: 0, max_in_flight: 0,
  };
}

class Stats {
  constructor() {
    this.reset();
  }

  reset() {
    this.endpoints = new Map();
    this.total = newCounters();
  }

  // Counters of one endpoint, created on first use.
  of(name) {
    let c = this.endpoints.get(name);
    if (!c) {
      c = newCounters();
      c.last = null;
      this.endpoints.set(name, c);
    }
    return c;
  }

  // Add n to a numeric counter of an endpoint and of the total.
  add(c, key, n = 1) {
    c[key] += n;
    this.total[key] += n;
  }

  // Count an entry of a keyed counter (errors, faults) in an endpoint and the total.
  bump(c, key, sub) {
    c[key][sub] = (c[key][sub] || 0) + 1;
    this.total[key][sub] = (this.total[key][sub] || 0) + 1;
  }

  enter(c) {
    this.add(c, 'in_flight');
    c.max_in_flight = Math.max(c.max_in_flight, c.in_flight);
    this.total.max_in_flight = Math.max(this.total.max_in_flight, this.total.in_flight);
  }

  toJSON() {
    return { endpoints: Object.fromEntries(this.endpoints), total: this.total };
  }
}

/*--- HTTP helpers ---*/

// Read the whole body; beyond `limit` bytes the rest is drained and `oversize` set.
function readBody(req, limit) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > HARD_LIMIT) {
        req.socket.destroy();
        reject(new Error('request body over hard limit'));
        return;
      }
      if (size <= limit) chunks.push(chunk);
    });
    req.on('end', () => resolve({ body: Buffer.concat(chunks), size, oversize: size > limit }));
    req.on('error', reject);
  });
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// Lowercased header name -> list of values, as received.
function headerLists(req) {
  if (req.headersDistinct) return req.headersDistinct;
  const out = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const k = req.rawHeaders[i].toLowerCase();
    (out[k] = out[k] || []).push(req.rawHeaders[i + 1]);
  }
  return out;
}

function sendJson(res, status, obj, headers = {}) {
  const body = JSON.stringify(obj);
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
    ...headers,
  });
  res.end(body);
  return Buffer.byteLength(body);
}

/*--- The endpoint ---*/

function createEndpoint(cfg) {
  const verifier = new SigV4Verifier({
    accessKeyId: cfg.accessKeyId,
    secretAccessKey: cfg.secretAccessKey,
    sessionToken: cfg.sessionToken,
    region: cfg.region,
    service: 'sagemaker',
  });
  const faults = new FaultTable();
  const stats = new Stats();
  const log = cfg.verbose ? (msg) => process.stderr.write(`${new Date().toISOString()} ${msg}\n`) : () => {};

  // Send an AWS-style error and count it.
  function sendError(res, c, status, type, message, extra = {}) {
    stats.bump(c, 'errors', type);
    const ns = ERROR_NAMESPACE[type] || 'com.amazon.coral.service/';
    const n = sendJson(res, status, { message, ...extra }, {
      'x-amzn-ErrorType': `${type}:${CORAL}${ns}`,
      'x-amzn-RequestId': res.requestId,
    });
    stats.add(c, 'bytes_out', n);
    log(`${res.endpointName} -> ${status} ${type}: ${message}`);
  }

  // A ModelError (424) as SageMaker reports a failing container.
  function sendModelError(res, c, name, originalStatus, originalMessage) {
    const kind = originalStatus >= 500 ? 'server' : 'client';
    const group = `/aws/sagemaker/Endpoints/${name}`;
    sendError(res, c, 424, 'ModelError',
      `Received ${kind} error (${originalStatus}) from primary with message "${originalMessage}". ` +
      `See https://${cfg.region}.console.aws.amazon.com/cloudwatch/home?region=${cfg.region}` +
      `#logEventViewer:group=${group} in account ${ACCOUNT} for more information.`,
      {
        OriginalStatusCode: originalStatus,
        OriginalMessage: originalMessage,
        LogStreamArn: `arn:aws:logs:${cfg.region}:${ACCOUNT}:log-group:${group}`,
      });
  }

  // Answer a fault mode that replies with an error; false if the mode is not one.
  function sendFaultError(res, c, name, mode) {
    switch (mode) {
      case 'throttle':
        sendError(res, c, 429, 'ThrottlingException', 'Rate exceeded');
        return true;
      case 'throttle400':
        sendError(res, c, 400, 'ThrottlingException', 'Rate exceeded');
        return true;
      case 'error5xx':
        sendError(res, c, 503, 'ServiceUnavailable', 'The service is unavailable. Please try again later.');
        return true;
      case 'internal500':
        sendError(res, c, 500, 'InternalFailure', 'An internal error occurred. Please try again.');
        return true;
      case 'not_ready':
        sendError(res, c, 429, 'ModelNotReadyException',
          `Model for endpoint ${name} is not ready yet. Please try again later.`);
        return true;
      case 'model_error':
        sendModelError(res, c, name, 500, 'injected model failure: the model raised an exception');
        return true;
      case 'reflect':
      case 'reflect_type':
        sendReflection(res, c, mode);
        return true;
      default:
        return false;
    }
  }

  // A hostile server: an error that reflects the request's secrets back.
  // "reflect": the error type is the access key id, and the message is the
  // session token behind 480 bytes of padding (so a client clipping at 500
  // bytes before redacting would show the token's prefix); "reflect_type":
  // the error type is the session token itself.
  function sendReflection(res, c, mode) {
    const auth = res.requestHeaders['authorization'] || '';
    const keyId = (/Credential=([^/,]*)/.exec(auth) || [])[1] || 'NoKey';
    const token = res.requestHeaders['x-amz-security-token'] || 'NoToken';
    const type = mode === 'reflect' ? keyId : token;
    const message = `${'x'.repeat(480)} ${token}`;
    stats.bump(c, 'errors', 'Reflection');
    const n = sendJson(res, 400, { message }, { 'x-amzn-ErrorType': `${type}:reflected` });
    stats.add(c, 'bytes_out', n);
  }

  // A 200 reply the client must check: bytes that are not UTF-8, or a
  // body of 3 MB (one text row of 'a's), announced with Content-Length
  // ("big") or chunked ("big_chunked").
  function sendHostileBody(res, c, mode, accept, nrows) {
    if (mode === 'bad_utf8') {
      const line = Buffer.from([0xff, 0xfe, 0x0a]);
      const out = accept === models.CSV
        ? Buffer.concat(Array.from({ length: nrows }, () => line))
        : Buffer.concat([Buffer.from('{"predictions":['),
          ...Array.from({ length: nrows }, (_, i) => Buffer.concat([
            Buffer.from(i ? ',"' : '"'), Buffer.from([0xff, 0xfe]), Buffer.from('"')])),
          Buffer.from(']}')]);
      res.writeHead(200, { 'Content-Type': accept, 'Content-Length': out.length });
      stats.add(c, 'bytes_out', out.length);
      res.end(out);
      return;
    }
    const piece = Buffer.from('a'.repeat(128 * 1024));
    const pieces = 24;		// 3 MB
    const headers = { 'Content-Type': models.CSV };
    if (mode === 'big') headers['Content-Length'] = piece.length * pieces;
    res.writeHead(200, headers);
    let sent = 0;
    const more = () => {
      while (sent < pieces) {
        sent++;
        stats.add(c, 'bytes_out', piece.length);
        if (sent === pieces) { res.end(Buffer.concat([piece.subarray(1), Buffer.from('\n')])); return; }
        if (!res.write(piece)) { res.once('drain', more); return; }
      }
    };
    res.on('error', () => {});
    more();
  }

  // Everything about one InvokeEndpoint call after its body has been read.
  async function invoke(req, res, name, body, size, oversize, signedPath) {
    const c = stats.of(name);
    const hdrs = headerLists(req);
    res.requestHeaders = req.headers;	// for the reflecting faults
    const h = (k) => (hdrs[k] ? hdrs[k].join(',') : undefined);
    stats.add(c, 'calls');
    stats.add(c, 'bytes', size);

    if (oversize) {
      sendError(res, c, 413, 'ValidationError',
        `1 validation error detected: Value at 'body' failed to satisfy constraint: ` +
        `Member must have length less than or equal to ${cfg.maxPayload}`);
      return;
    }
    const bare = name.startsWith('local-') ? name.slice(6) : name;
    const needAuth = signedPath && !cfg.noAuth && !name.startsWith('local-');
    if (needAuth) {
      try {
        await verifier.verify({
          method: req.method,
          rawPath: req.url.split('?')[0],
          rawQuery: req.url.includes('?') ? req.url.slice(req.url.indexOf('?') + 1) : '',
          headers: hdrs,
          body,
        });
      } catch (e) {
        if (!(e instanceof AuthError)) throw e;
        stats.add(c, 'signature_failures');
        sendError(res, c, e.status, e.type, e.message);
        return;
      }
    }
    if (signedPath && !NAME_RE.test(name)) {
      sendError(res, c, 400, 'ValidationError',
        `1 validation error detected: Value '${name}' at 'endpointName' failed to satisfy constraint: ` +
        'Member must satisfy regular expression pattern: ^[a-zA-Z0-9](-*[a-zA-Z0-9])*');
      return;
    }
    if (bare.startsWith('missing-')) {
      sendError(res, c, 400, 'ValidationError', `Endpoint ${name} of account ${ACCOUNT} not found.`);
      return;
    }
    const custom = h('x-amzn-sagemaker-custom-attributes');
    if (custom !== undefined && custom.length > 1024) {
      sendError(res, c, 400, 'ValidationError',
        "1 validation error detected: Value at 'customAttributes' failed to satisfy constraint: " +
        'Member must have length less than or equal to 1024');
      return;
    }
    c.last = {
      content_type: h('content-type') ?? null,
      accept: h('accept') ?? null,
      custom_attributes: custom ?? null,
      target_variant: h('x-amzn-sagemaker-target-variant') ?? null,
      target_model: h('x-amzn-sagemaker-target-model') ?? null,
      signed: h('authorization') !== undefined,
      session_token: h('x-amz-security-token') !== undefined,
      bytes: size,
    };

    const { latencyMs, mode } = faults.take(name);
    if (latencyMs > 0) stats.bump(c, 'faults', 'slow');
    if (mode) stats.bump(c, 'faults', mode);
    const wait = cfg.latencyMs + latencyMs;
    if (wait > 0) await sleep(wait);
    if (res.destroyed || req.socket.destroyed) {
      stats.add(c, 'client_gone');
      return;
    }
    if (mode === 'close') {
      log(`${name} -> connection closed (fault)`);
      req.socket.destroy();
      return;
    }
    if (sendFaultError(res, c, name, mode)) return;

    const modelName = bare.split('-')[0];
    const model = models.MODELS[modelName] || models.MODELS.echo;
    let decoded;
    let accept;
    try {
      const ct = models.mediaType(h('content-type'));
      decoded = models.decodeRows(ct, body);
      accept = models.pickAccept(h('accept'), model.defaultAccept(ct));
    } catch (e) {
      if (!(e instanceof models.ContentError)) throw e;
      if (e.originalStatus) sendModelError(res, c, name, e.originalStatus, e.message);
      else sendError(res, c, 400, 'ValidationError', e.message);
      return;
    }
    if (['bad_utf8', 'big', 'big_chunked'].includes(mode)) {
      sendHostileBody(res, c, mode, accept, decoded.rows.length);
      return;
    }
    const outs = decoded.rows.map(model.score);
    if (mode === 'wrong_lines') outs.pop();
    const text = mode === 'garbage'
      ? models.garbageBody(accept, outs.length)
      : models.encodeOutputs(model, accept, outs, decoded.objects);
    const out = Buffer.from(text, 'utf8');
    const headers = {
      'Content-Type': accept,
      'Content-Length': out.length,
      'x-Amzn-Invoked-Production-Variant': h('x-amzn-sagemaker-target-variant') || 'AllTraffic',
      'x-amzn-RequestId': res.requestId,
    };
    if (custom !== undefined) headers['X-Amzn-SageMaker-Custom-Attributes'] = custom;
    res.writeHead(200, headers);
    stats.add(c, 'ok');
    stats.add(c, 'rows', decoded.rows.length);
    if (mode === 'truncate') {
      const half = out.subarray(0, Math.floor(out.length / 2));
      stats.add(c, 'bytes_out', half.length);
      res.write(half, () => req.socket.destroy());
      log(`${name} -> 200 truncated after ${half.length} of ${out.length} bytes (fault)`);
      return;
    }
    stats.add(c, 'bytes_out', out.length);
    res.end(out);
    log(`${name} -> 200 ${decoded.rows.length} rows ${accept}`);
  }

  // Apply one /_control setting; returns an error message or null.
  function applyControl(s) {
    if (!s || typeof s !== 'object') return 'each setting must be a JSON object';
    if (typeof s.endpoint !== 'string' || s.endpoint === '') return '"endpoint" must be a name or "*"';
    const mode = s.mode === 'none' ? 'none' : canonicalMode(s.mode);
    if (!mode) return `unknown mode ${JSON.stringify(s.mode)}`;
    const count = s.count ?? null;
    if (count !== null && !(Number.isInteger(count) && count >= 0)) return '"count" must be a non-negative integer or null';
    let latency = s.latency_ms ?? (mode === 'slow' ? 1000 : 0);
    if (!(Number.isInteger(latency) && latency >= 0)) return '"latency_ms" must be a non-negative integer';
    if (mode !== 'slow') latency = 0;
    faults.set(s.endpoint, mode, count, latency);
    return null;
  }

  // The unsigned test-control routes.
  async function control(req, res, path) {
    const { body } = await readBody(req, 1024 * 1024);
    if (path === '/_stats' && req.method === 'GET') {
      sendJson(res, 200, { ...stats.toJSON(), faults: faults.toJSON(), config: publicConfig() });
    } else if (path === '/_control' && req.method === 'GET') {
      sendJson(res, 200, { faults: faults.toJSON() });
    } else if (path === '/_control' && req.method === 'POST') {
      let doc;
      try {
        doc = JSON.parse(body.toString('utf8') || 'null');
      } catch (e) {
        sendJson(res, 400, { message: `malformed JSON: ${e.message}` });
        return;
      }
      for (const s of Array.isArray(doc) ? doc : [doc]) {
        const err = applyControl(s);
        if (err) {
          sendJson(res, 400, { message: err });
          return;
        }
      }
      log(`control: ${JSON.stringify(doc)}`);
      sendJson(res, 200, { faults: faults.toJSON() });
    } else if (path === '/_reset' && req.method === 'POST') {
      stats.reset();
      faults.reset();
      log('control: reset');
      sendJson(res, 200, { reset: true });
    } else {
      sendJson(res, 404, { message: `no control route ${req.method} ${path}` });
    }
  }

  function publicConfig() {
    return {
      region: cfg.region,
      auth: !cfg.noAuth,
      access_key_id: cfg.accessKeyId,
      session_token_required: cfg.sessionToken !== null,
      latency_ms: cfg.latencyMs,
      max_payload_bytes: cfg.maxPayload,
    };
  }

  // Route one HTTP request.
  async function handle(req, res) {
    res.requestId = crypto.randomUUID();
    const path = req.url.split('?')[0];
    if (path.startsWith('/_')) {
      await control(req, res, path);
      return;
    }
    if (path === '/ping' && req.method === 'GET') {
      res.writeHead(200, { 'Content-Length': 0 });
      res.end();
      return;
    }
    const m = /^\/endpoints\/([^/]+)\/invocations$/.exec(path);
    const isContainer = path === '/invocations';
    if (req.method !== 'POST' || (!m && !isContainer)) {
      await readBody(req, 0);
      res.endpointName = path;
      sendJson(res, 404, { message: `Unknown operation ${req.method} ${path}` }, {
        'x-amzn-ErrorType': `UnknownOperationException:${CORAL}com.amazon.coral.service/`,
        'x-amzn-RequestId': res.requestId,
      });
      return;
    }
    let name;
    try {
      name = isContainer ? 'invocations' : decodeURIComponent(m[1]);
    } catch {
      name = m[1];
    }
    res.endpointName = name;
    const c = stats.of(name);
    stats.enter(c);
    try {
      const { body, size, oversize } = await readBody(req, cfg.maxPayload);
      await invoke(req, res, name, body, size, oversize, !isContainer);
    } finally {
      stats.add(c, 'in_flight', -1);
    }
  }

  const server = http.createServer({ keepAlive: true }, (req, res) => {
    handle(req, res).catch((e) => {
      log(`internal error: ${e.stack || e}`);
      if (!res.headersSent && !res.destroyed) {
        sendJson(res, 500, { message: 'internal error in test endpoint' }, {
          'x-amzn-ErrorType': `InternalFailure:${CORAL}com.amazon.coral.service/`,
        });
      } else {
        req.socket.destroy();
      }
    });
  });
  server.keepAliveTimeout = 65000;
  server.headersTimeout = 66000;
  server.requestTimeout = 0;
  return { server, stats, faults, verifier };
}

/*--- Main ---*/

function main() {
  if (process.env.NODE_TEST_CONTEXT) {
    // Picked up as a test file by `node --test`; the server is not a test.
    return;
  }
  let cfg;
  try {
    cfg = parseArgs(process.argv.slice(2), process.env);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    if (e.message) process.stderr.write(`server.js: ${e.message}\n`);
    process.stderr.write(`${USAGE}\n`);
    process.exit(e.message ? 2 : 0);
  }
  const { server } = createEndpoint(cfg);
  server.on('error', (e) => {
    process.stderr.write(`server.js: ${e.message}\n`);
    process.exit(1);
  });
  server.listen(cfg.port, HOST, () => {
    process.stdout.write(`listening on ${HOST}:${server.address().port}\n`);
  });
  const stop = () => {
    server.close();
    server.closeAllConnections();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

if (require.main === module) main();

module.exports = { createEndpoint, parseArgs };
