'use strict';
// s3rver (a real S3 protocol server) behind a proxy that verifies the
// AWS Signature Version 4 of every request, for the federated_s3 tests.
//
//   node test/s3/proxy.js --port N [--fixtures]
//
// s3rver checks no signatures, so every request goes through the proxy
// first: it recomputes the signature with AWS's own signer (the test
// endpoint's verifier, S3 path rules) and answers a bad one with S3's XML
// error; a good one is forwarded to s3rver unchanged and its reply streamed
// back.  Control API (bucket names cannot start with "_"):
//   GET  /_proxy/stats    {"requests", "rejected", "by_operation": {...},
//                          "open_uploads": multipart uploads neither completed
//                          nor aborted}
//   POST /_proxy/reset    zeroes the counters and clears faults
//   POST /_proxy/fault    {"operation": "GET", "status": 503, "code": "SlowDown",
//                          "times": 2} answers the next matching requests with
//                          an S3 error document ("message" sets its <Message>;
//                          "body" sends that text as the body instead),
//                          {"operation": "GET", "drop_after": 100,
//                          "times": 1} cuts the reply after that many body bytes,
//                          {"stall_after": 100} sends that many and then nothing.
// s3rver lacks AbortMultipartUpload (it answers 405): the proxy performs it
// itself, after verifying the signature, as S3 does (204; 404 NoSuchUpload).
// With --fixtures the objects of fixtures.js are written straight to s3rver
// before the proxy says it is listening.

const http = require('node:http');
const os = require('node:os');
const path = require('node:path');
const fs = require('node:fs');
const S3rver = require('s3rver');
const { SigV4Verifier } = require('../endpoint/lib/sigv4verify.js');
const fixtures = require('./fixtures.js');

const CREDENTIALS = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  region: 'us-east-1',
  service: 's3',
  s3: true,
};

// S3's error codes for the verifier's failures
const S3_CODES = {
  MissingAuthenticationTokenException: 'AccessDenied',
  UnrecognizedClientException: 'InvalidAccessKeyId',
  IncompleteSignatureException: 'AuthorizationHeaderMalformed',
  InvalidSignatureException: 'SignatureDoesNotMatch',
};

const stats = { requests: 0, rejected: 0, by_operation: {} };
let faults = [];
let store = null;				// s3rver's, for the operations it lacks

// s3rver 3.7 has no AbortMultipartUpload (it answers 405): the directory
// where it keeps an upload's parts, which aborting removes
function uploadDir(bucket, uploadId) {
  return path.join(store.getResourcePath(bucket, undefined, 'uploads'), uploadId || '');
}

// How many multipart uploads are neither completed nor aborted
function openUploads() {
  let n = 0;
  for (const bucket of fixtures.buckets) {
    const dir = uploadDir(bucket, '');
    if (fs.existsSync(dir)) n += fs.readdirSync(dir).length;
  }
  return n;
}

// AbortMultipartUpload as S3 does it: the parts go, 204; 404 when unknown
function abortUpload(res, url) {
  const bucket = decodeURIComponent(url.pathname.split('/')[1]);
  const id = url.searchParams.get('uploadId');
  const dir = uploadDir(bucket, id);
  if (!id || id.includes('/') || id.includes('..') || !fs.existsSync(dir))
    return sendError(res, 404, 'NoSuchUpload', 'The specified upload does not exist.');
  fs.rmSync(dir, { recursive: true, force: true });
  res.writeHead(204);
  res.end();
}
let requestId = 0;

// Parses the command line: --port N, --fixtures
function parseArgs(argv) {
  const args = { port: 0, fixtures: false };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--port') args.port = Number(argv[++i]);
    else if (argv[i] === '--fixtures') args.fixtures = true;
  }
  return args;
}

// The S3 operation a request stands for, as counted in the stats
function operationOf(req, url) {
  const segments = url.pathname.split('/').filter((s) => s !== '');
  const q = url.searchParams;
  if (req.method === 'GET' && segments.length <= 1) return q.get('list-type') === '2' ? 'ListObjectsV2' : 'ListObjects';
  if (req.method === 'GET') return 'GetObject';
  if (req.method === 'HEAD') return segments.length <= 1 ? 'HeadBucket' : 'HeadObject';
  if (req.method === 'PUT' && q.has('partNumber')) return 'UploadPart';
  if (req.method === 'PUT') return segments.length <= 1 ? 'CreateBucket' : 'PutObject';
  if (req.method === 'POST' && q.has('uploads')) return 'CreateMultipartUpload';
  if (req.method === 'POST' && q.has('uploadId')) return 'CompleteMultipartUpload';
  if (req.method === 'POST' && q.has('delete')) return 'DeleteObjects';
  if (req.method === 'DELETE' && q.has('uploadId')) return 'AbortMultipartUpload';
  if (req.method === 'DELETE') return 'DeleteObject';
  return req.method;
}

// An S3 XML error reply
function sendError(res, status, code, message) {
  const body = '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>' + code +
    '</Code><Message>' + escapeXml(message) + '</Message><RequestId>' + (++requestId) +
    '</RequestId></Error>';
  res.writeHead(status, { 'Content-Type': 'application/xml', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

// The error reply of an injected fault
function sendFault(res, fault) {
  if (fault.body === undefined)
    return sendError(res, fault.status, fault.code || 'InternalError', fault.message || 'Injected by the test proxy.');
  res.writeHead(fault.status, { 'Content-Type': 'application/xml', 'Content-Length': Buffer.byteLength(fault.body) });
  res.end(fault.body);
}

function escapeXml(s) {
  return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

// Reads a whole request body
function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

// The first fault matching an operation, used up once per match
function takeFault(operation) {
  const f = faults.find((x) => x.times > 0 && (x.operation === operation || x.method === operation));
  if (!f) return null;
  f.times--;
  return f;
}

// The proxy's own control API
async function control(req, res, url) {
  const reply = (obj) => {
    const body = JSON.stringify(obj);
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(body);
  };
  if (url.pathname === '/_proxy/stats') return reply({ ...stats, open_uploads: openUploads() });
  if (url.pathname === '/_proxy/reset') {
    stats.requests = 0;
    stats.rejected = 0;
    stats.by_operation = {};
    faults = [];
    return reply({ ok: true });
  }
  if (url.pathname === '/_proxy/fault') {
    const f = JSON.parse((await readBody(req)).toString() || '{}');
    f.times = f.times ?? 1;
    faults.push(f);
    return reply({ ok: true });
  }
  res.writeHead(404);
  res.end();
}

// Forwards a verified request to s3rver and streams the reply back.  The
// signature is dropped on the way: s3rver would check it against its own
// built-in key, and it has been checked here.
function forward(req, res, body, target, fault) {
  const headers = { ...req.headers };
  delete headers.authorization;
  delete headers['x-amz-security-token'];
  const upstream = http.request({
    host: target.address, port: target.port, method: req.method,
    path: req.url, headers,
  }, (up) => {
    res.writeHead(up.statusCode, up.headers);
    if (!fault || (fault.drop_after === undefined && fault.stall_after === undefined)) {
      up.pipe(res);
      return;
    }
    if (fault.stall_after !== undefined) {
      stall(up, res, fault.stall_after);
      return;
    }
    let sent = 0;
    up.on('data', (chunk) => {
      const room = fault.drop_after - sent;
      sent += chunk.length;
      if (room <= 0) return;
      if (sent < fault.drop_after) {
        res.write(chunk);
        return;
      }
      // the bytes go out first, then the connection is cut
      up.destroy();
      res.write(chunk.subarray(0, room), () => res.socket.destroy());
    });
    up.on('end', () => res.end());
  });
  upstream.on('error', (e) => sendError(res, 502, 'InternalError', e.message));
  upstream.end(body);
}

// Sends the first bytes of a reply, then nothing until the client leaves
function stall(up, res, bytes) {
  let sent = 0;
  up.on('data', (chunk) => {
    const room = bytes - sent;
    if (room > 0) res.write(chunk.subarray(0, room));
    sent += chunk.length;
    if (sent >= bytes) up.pause();
  });
  res.on('close', () => up.destroy());
}

// Handles one request: control API, or verify then forward
async function handle(req, res, verifier, target) {
  const url = new URL(req.url, 'http://proxy');
  if (url.pathname.startsWith('/_proxy/')) return control(req, res, url);
  const body = await readBody(req);
  const operation = operationOf(req, url);
  stats.requests++;
  stats.by_operation[operation] = (stats.by_operation[operation] || 0) + 1;

  const headers = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i].toLowerCase();
    (headers[name] = headers[name] || []).push(req.rawHeaders[i + 1]);
  }
  const q = req.url.indexOf('?');
  try {
    await verifier.verify({
      method: req.method,
      rawPath: q < 0 ? req.url : req.url.slice(0, q),
      rawQuery: q < 0 ? '' : req.url.slice(q + 1),
      headers,
      body,
    });
  } catch (e) {
    stats.rejected++;
    if (e.status === undefined) throw e;
    return sendError(res, e.status, S3_CODES[e.type] || 'AccessDenied', e.message);
  }
  const fault = takeFault(operation) || takeFault(req.method);
  if (fault && fault.status) return sendFault(res, fault);
  if (operation === 'AbortMultipartUpload') return abortUpload(res, url);
  forward(req, res, body, target, fault);
}

// Writes the fixture objects straight to s3rver
async function loadFixtures(target) {
  const base = `http://${target.address}:${target.port}`;
  for (const bucket of fixtures.buckets) {
    await fetch(`${base}/${bucket}`, { method: 'PUT' });
  }
  const objects = fixtures.objects();
  for (let i = 0; i < objects.length; i += 32) {
    await Promise.all(objects.slice(i, i + 32).map(async (o) => {
      const key = o.key.split('/').map(encodeURIComponent).join('/');
      const r = await fetch(`${base}/${o.bucket}/${key}`, { method: 'PUT', body: o.body });
      if (!r.ok) throw new Error(`fixture ${o.bucket}/${o.key}: HTTP ${r.status}`);
    }));
  }
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'pg_infer_s3rver-'));
  const s3rver = new S3rver({
    address: '127.0.0.1', port: 0, silent: true, directory,
    serviceEndpoint: 'localhost', resetOnClose: true,
  });
  const target = await s3rver.run();
  store = s3rver.store;
  if (args.fixtures) await loadFixtures(target);

  const verifier = new SigV4Verifier(CREDENTIALS);
  const server = http.createServer((req, res) => {
    handle(req, res, verifier, target).catch((e) => {
      if (!res.headersSent) sendError(res, 500, 'InternalError', e.message);
    });
  });
  server.listen(args.port, '127.0.0.1', () => {
    console.log(`s3 proxy listening on ${server.address().port}`);
  });
  const stop = () => {
    server.close();
    s3rver.close().finally(() => {
      fs.rmSync(directory, { recursive: true, force: true });
      process.exit(0);
    });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
