'use strict';
// Self-test of the test endpoint: run with `node --test test/endpoint/`.
// Starts real server processes on ephemeral ports and talks HTTP to them.

const { describe, it, before, after, beforeEach } = require('node:test');
const assert = require('node:assert/strict');
const { spawn, execFile } = require('node:child_process');
const http = require('node:http');
const path = require('node:path');
const { makeSigner, signedHeaders, send } = require('./lib/client');

const SERVER = path.join(__dirname, 'server.js');
const LOADGEN = path.join(__dirname, 'loadgen.js');
const KEY = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', region: 'us-east-1' };

// Environment for child processes (without the test runner's marker).
function childEnv(extra = {}) {
  const env = { ...process.env, ...extra };
  delete env.NODE_TEST_CONTEXT;
  return env;
}

// Start a server process; resolves to {proc, base} once it prints its listening line.
function startServer(args = [], env = {}) {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [SERVER, '--port', '0', ...args], {
      env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    proc.stdout.on('data', (d) => {
      out += d;
      const m = /^listening on (127\.0\.0\.1:\d+)\n/.exec(out);
      if (m) resolve({ proc, base: `http://${m[1]}` });
    });
    proc.on('exit', (code) => reject(new Error(`server exited with ${code}: ${out}`)));
  });
}

// Stop a server with SIGTERM; resolves to its exit code.
function stopServer(s) {
  return new Promise((resolve) => {
    s.proc.removeAllListeners('exit');
    s.proc.on('exit', (code, signal) => resolve(code ?? signal));
    s.proc.kill('SIGTERM');
  });
}

describe('test endpoint', () => {
  let srv;
  let base;
  const signer = makeSigner(KEY);

  // A signed InvokeEndpoint call. opts: contentType, accept, headers, signer, mutate(body, headers).
  async function invoke(name, body, opts = {}) {
    const url = `${base}/endpoints/${encodeURIComponent(name)}/invocations`;
    const headers = { 'content-type': opts.contentType || 'text/csv', ...(opts.headers || {}) };
    if (opts.accept) headers.accept = opts.accept;
    let sent = await signedHeaders(opts.signer || signer, url, 'POST', headers, body, opts);
    let payload = body;
    if (opts.mutate) ({ body: payload, headers: sent } = opts.mutate(Buffer.from(body), { ...sent }));
    return send(url, { headers: sent, body: payload });
  }

  const control = (doc) => send(`${base}/_control`, { body: JSON.stringify(doc), headers: { 'content-type': 'application/json' } });
  const stats = async () => JSON.parse((await send(`${base}/_stats`, { method: 'GET' })).body);
  const errType = (r) => (r.headers['x-amzn-errortype'] || '').split(':')[0];
  const json = (r) => JSON.parse(r.body.toString());

  before(async () => {
    srv = await startServer();
    base = srv.base;
  });
  after(async () => {
    assert.equal(await stopServer(srv), 0, 'server exits 0 on SIGTERM');
  });
  beforeEach(async () => {
    await send(`${base}/_reset`, { body: '' });
  });

  describe('signature verification', () => {
    it('accepts a correctly signed request', async () => {
      const r = await invoke('echo-a', '1,2\n3,4\n');
      assert.equal(r.status, 200);
      assert.equal(r.body.toString(), '3\n7\n');
      assert.equal(r.headers['content-type'], 'text/csv');
      assert.equal(r.headers['x-amzn-invoked-production-variant'], 'AllTraffic');
    });

    it('rejects a flipped byte in the body', async () => {
      const r = await invoke('echo-a', '1,2\n3,4\n', {
        mutate: (b, h) => { b[0] ^= 0x01; return { body: b, headers: h }; },
      });
      assert.equal(r.status, 403);
      assert.equal(errType(r), 'InvalidSignatureException');
      assert.match(json(r).message, /^The request signature we calculated does not match the signature you provided/);
    });

    it('rejects a wrong secret key', async () => {
      const r = await invoke('echo-a', '1\n', { signer: makeSigner({ ...KEY, secretAccessKey: KEY.secretAccessKey.replace('E', 'F') }) });
      assert.equal(r.status, 403);
      assert.equal(errType(r), 'InvalidSignatureException');
    });

    it('rejects a changed signed header and a changed path', async () => {
      let r = await invoke('echo-a', '1\n', {
        headers: { 'x-amzn-sagemaker-custom-attributes': 'a=1' },
        mutate: (b, h) => ({ body: b, headers: { ...h, 'x-amzn-sagemaker-custom-attributes': 'a=2' } }),
      });
      assert.equal(r.status, 403);
      assert.equal(errType(r), 'InvalidSignatureException');
      const url = `${base}/endpoints/echo-a/invocations`;
      const h = await signedHeaders(signer, url, 'POST', { 'content-type': 'text/csv' }, '1\n');
      r = await send(`${base}/endpoints/echo-b/invocations`, { headers: h, body: '1\n' });
      assert.equal(r.status, 403);
      assert.equal(errType(r), 'InvalidSignatureException');
    });

    it('rejects an unknown access key, a wrong region and a wrong service', async () => {
      let r = await invoke('echo-a', '1\n', { signer: makeSigner({ ...KEY, accessKeyId: 'AKIDOTHER' }) });
      assert.equal(r.status, 403);
      assert.equal(errType(r), 'UnrecognizedClientException');
      r = await invoke('echo-a', '1\n', { signer: makeSigner({ ...KEY, region: 'eu-west-1' }) });
      assert.equal(r.status, 403);
      assert.equal(errType(r), 'InvalidSignatureException');
      assert.match(json(r).message, /region/);
      r = await invoke('echo-a', '1\n', {
        mutate: (b, h) => ({ body: b, headers: { ...h, authorization: h.authorization.replace('/sagemaker/', '/s3/') } }),
      });
      assert.equal(r.status, 403);
      assert.match(json(r).message, /service/);
    });

    it('rejects missing authentication and a stale date', async () => {
      let r = await send(`${base}/endpoints/echo-a/invocations`, { headers: { 'content-type': 'text/csv' }, body: '1\n' });
      assert.equal(r.status, 403);
      assert.equal(errType(r), 'MissingAuthenticationTokenException');
      r = await invoke('echo-a', '1\n', { signingDate: new Date(Date.now() - 16 * 60 * 1000) });
      assert.equal(r.status, 403);
      assert.match(json(r).message, /^Signature expired/);
      r = await invoke('echo-a', '1\n', { signingDate: new Date(Date.now() - 14 * 60 * 1000) });
      assert.equal(r.status, 200);
    });

    it('checks x-amz-content-sha256 against the body', async () => {
      const r = await invoke('echo-a', '1\n', {
        headers: { 'x-amz-content-sha256': 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' },
      });
      assert.equal(r.status, 403);
      assert.match(json(r).message, /x-amz-content-sha256/);
    });

    it('counts signature failures', async () => {
      await invoke('echo-a', '1\n', { signer: makeSigner({ ...KEY, secretAccessKey: 'nope' }) });
      const s = await stats();
      assert.equal(s.endpoints['echo-a'].signature_failures, 1);
      assert.equal(s.endpoints['echo-a'].errors.InvalidSignatureException, 1);
    });

    it('accepts unsigned requests for local-* names and the container path', async () => {
      let r = await send(`${base}/endpoints/local-echo-x/invocations`, { headers: { 'content-type': 'text/csv' }, body: '1,1\n' });
      assert.equal(r.status, 200);
      assert.equal(r.body.toString(), '2\n');
      r = await send(`${base}/invocations`, { headers: { 'content-type': 'text/csv' }, body: '5,1\n' });
      assert.equal(r.status, 200);
      assert.equal(r.body.toString(), '6\n');
    });
  });

  describe('session tokens and --no-auth', () => {
    it('requires the configured session token, signed', async () => {
      const s2 = await startServer(['--session-token', 'TOKEN123', '--region', 'eu-west-1']);
      try {
        const url = `${s2.base}/endpoints/echo-t/invocations`;
        const ok = makeSigner({ ...KEY, region: 'eu-west-1', sessionToken: 'TOKEN123' });
        let h = await signedHeaders(ok, url, 'POST', { 'content-type': 'text/csv' }, '1\n');
        assert.equal((await send(url, { headers: h, body: '1\n' })).status, 200);
        const bad = makeSigner({ ...KEY, region: 'eu-west-1', sessionToken: 'OTHER' });
        h = await signedHeaders(bad, url, 'POST', { 'content-type': 'text/csv' }, '1\n');
        let r = await send(url, { headers: h, body: '1\n' });
        assert.equal(r.status, 403);
        assert.equal(errType(r), 'UnrecognizedClientException');
        // token added after signing (not covered by the signature)
        const plain = makeSigner({ ...KEY, region: 'eu-west-1' });
        h = await signedHeaders(plain, url, 'POST', { 'content-type': 'text/csv' }, '1\n');
        r = await send(url, { headers: { ...h, 'x-amz-security-token': 'TOKEN123' }, body: '1\n' });
        assert.equal(r.status, 403);
        assert.equal(errType(r), 'InvalidSignatureException');
        // no token at all
        r = await send(url, { headers: h, body: '1\n' });
        assert.equal(r.status, 403);
      } finally {
        await stopServer(s2);
      }
    });

    it('--no-auth accepts unsigned requests', async () => {
      const s3 = await startServer(['--no-auth']);
      try {
        const r = await send(`${s3.base}/endpoints/echo-n/invocations`, { headers: { 'content-type': 'text/csv' }, body: '1,2,3\n' });
        assert.equal(r.status, 200);
        assert.equal(r.body.toString(), '6\n');
      } finally {
        await stopServer(s3);
      }
    });
  });

  describe('content types and models', () => {
    it('echo: CSV, JSON features, JSON arrays, JSON Lines', async () => {
      let r = await invoke('echo-c', '1,2,3\r\n-1.5,0.5\n"2",3e2\n');
      assert.equal(r.body.toString(), '6\n-1\n302\n');
      r = await invoke('echo-c', JSON.stringify({ instances: [{ features: [1, 2] }, { features: [3] }] }), { contentType: 'application/json' });
      assert.equal(r.headers['content-type'], 'application/json');
      assert.deepEqual(json(r), { scores: [{ score: 3 }, { score: 3 }] });
      r = await invoke('echo-c', JSON.stringify({ instances: [[1, 2], [5]] }), { contentType: 'application/json' });
      assert.deepEqual(json(r), { predictions: [3, 5] });
      r = await invoke('echo-c', '{"features":[1,1]}\n[2,2]\n', { contentType: 'application/jsonlines' });
      assert.equal(r.headers['content-type'], 'application/jsonlines');
      assert.equal(r.body.toString(), '{"score":2}\n{"score":4}\n');
    });

    it('Accept picks the reply format', async () => {
      let r = await invoke('echo-c', '1,2\n3,4\n', { accept: 'application/json' });
      assert.deepEqual(json(r), { predictions: [3, 7] });
      r = await invoke('echo-c', '1,2\n', { accept: 'application/jsonlines' });
      assert.equal(r.body.toString(), '{"score":3}\n');
      r = await invoke('echo-c', JSON.stringify({ instances: [{ features: [1, 2] }] }), { contentType: 'application/json', accept: 'text/csv' });
      assert.equal(r.body.toString(), '3\n');
      r = await invoke('echo-c', '1\n', { accept: 'application/x-protobuf' });
      assert.equal(r.status, 424);
      assert.equal(json(r).OriginalStatusCode, 406);
    });

    it('rcf, multi and text models', async () => {
      let r = await invoke('rcf-x', '1,-5\n2,2\n');
      assert.deepEqual(json(r), { scores: [{ score: 4 }, { score: 4 }] });
      r = await invoke('rcf-x', '1,-5\n', { accept: 'text/csv' });
      assert.equal(r.body.toString(), '4\n');
      r = await invoke('multi-x', '1,2,3\n4\n');
      assert.equal(r.body.toString(), '6,3\n4,1\n');
      r = await invoke('multi-x', '1,2,3\n', { accept: 'application/json' });
      assert.deepEqual(json(r), { predictions: [{ sum: 6, count: 3 }] });
      r = await invoke('text-x', '1,2\n-3,1\n0\n');
      assert.equal(r.body.toString(), 'pos\nneg\npos\n');
      r = await invoke('text-x', '-1\n', { accept: 'application/json' });
      assert.deepEqual(json(r), { predictions: [{ label: 'neg' }] });
    });

    it('bad content: ValidationError naming the line; unknown type is a ModelError', async () => {
      let r = await invoke('echo-c', '1,2\n3,abc\n');
      assert.equal(r.status, 400);
      assert.equal(errType(r), 'ValidationError');
      assert.match(json(r).message, /^line 2: field 2 \("abc"\) is not a number/);
      r = await invoke('echo-c', '{"instances":[{"features":[1,', { contentType: 'application/json' });
      assert.equal(r.status, 400);
      assert.match(json(r).message, /malformed JSON/);
      r = await invoke('echo-c', '1\n', { contentType: 'application/x-recordio-protobuf' });
      assert.equal(r.status, 424);
      assert.equal(errType(r), 'ModelError');
      assert.equal(json(r).OriginalStatusCode, 415);
      assert.ok(json(r).LogStreamArn.startsWith('arn:aws:logs:us-east-1:'));
    });

    it('echoes target variant and custom attributes; rejects names', async () => {
      let r = await invoke('echo-c', '1\n', {
        headers: { 'x-amzn-sagemaker-target-variant': 'VariantB', 'x-amzn-sagemaker-custom-attributes': 'trace=1' },
      });
      assert.equal(r.headers['x-amzn-invoked-production-variant'], 'VariantB');
      assert.equal(r.headers['x-amzn-sagemaker-custom-attributes'], 'trace=1');
      const s = await stats();
      assert.equal(s.endpoints['echo-c'].last.target_variant, 'VariantB');
      assert.equal(s.endpoints['echo-c'].last.custom_attributes, 'trace=1');
      r = await invoke('missing-thing', '1\n');
      assert.equal(r.status, 400);
      assert.match(json(r).message, /^Endpoint missing-thing of account \d+ not found\.$/);
      r = await invoke('bad_name', '1\n');
      assert.equal(r.status, 400);
      assert.equal(errType(r), 'ValidationError');
    });

    it('rejects payloads over 6 MiB with 413', async () => {
      const big = Buffer.alloc(6 * 1024 * 1024 + 1, '1\n');
      let r = await invoke('echo-big', big);
      assert.equal(r.status, 413);
      assert.equal(errType(r), 'ValidationError');
      const fits = Buffer.alloc(5 * 1024 * 1024, '1\n');
      r = await invoke('echo-big', fits);
      assert.equal(r.status, 200);
      assert.equal((await stats()).endpoints['echo-big'].rows, fits.length / 2);
    });
  });

  describe('fault injection', () => {
    it('throttle for the next n calls, then normal', async () => {
      assert.equal((await control({ endpoint: 'echo-f', mode: 'throttle', count: 2 })).status, 200);
      const codes = [];
      for (let i = 0; i < 3; i++) {
        const r = await invoke('echo-f', '1\n');
        codes.push(`${r.status} ${errType(r)}`);
      }
      assert.deepEqual(codes, ['429 ThrottlingException', '429 ThrottlingException', '200 ']);
    });

    it('throttle400, error5xx, internal500, not_ready', async () => {
      const expect = {
        throttle400: [400, 'ThrottlingException'],
        error5xx: [503, 'ServiceUnavailable'],
        internal500: [500, 'InternalFailure'],
        not_ready: [429, 'ModelNotReadyException'],
      };
      for (const [mode, [status, type]] of Object.entries(expect)) {
        await control({ endpoint: 'echo-f', mode, count: 1 });
        const r = await invoke('echo-f', '1\n');
        assert.equal(r.status, status, mode);
        assert.equal(errType(r), type, mode);
        assert.equal((await invoke('echo-f', '1\n')).status, 200, `${mode} lasts one call`);
      }
    });

    it('model_error on every call until reset', async () => {
      await control({ endpoint: 'rcf-m', mode: 'model_error' });
      for (let i = 0; i < 3; i++) {
        const r = await invoke('rcf-m', '1\n');
        assert.equal(r.status, 424);
        assert.equal(errType(r), 'ModelError');
        assert.equal(json(r).OriginalStatusCode, 500);
        assert.ok(json(r).OriginalMessage);
      }
      await send(`${base}/_reset`, { body: '' });
      assert.equal((await invoke('rcf-m', '1\n')).status, 200);
    });

    it('slow adds latency_ms; mode none clears', async () => {
      await control({ endpoint: 'echo-s', mode: 'slow', latency_ms: 300 });
      let t = Date.now();
      assert.equal((await invoke('echo-s', '1\n')).status, 200);
      assert.ok(Date.now() - t >= 290);
      await control({ endpoint: 'echo-s', mode: 'none' });
      t = Date.now();
      await invoke('echo-s', '1\n');
      assert.ok(Date.now() - t < 250);
    });

    it('close drops the connection without an answer', async () => {
      await control({ endpoint: 'echo-k', mode: 'close', count: 1 });
      await assert.rejects(invoke('echo-k', '1\n'), /socket hang up|ECONNRESET/);
      assert.equal((await invoke('echo-k', '1\n')).status, 200);
    });

    it('truncate cuts the reply body short', async () => {
      await control({ endpoint: 'echo-k', mode: 'truncate', count: 1 });
      await assert.rejects(invoke('echo-k', '1\n2\n3\n'), /aborted|ECONNRESET|socket hang up/);
    });

    it('wrong_lines and garbage', async () => {
      await control([{ endpoint: 'echo-w', mode: 'wrong_lines', count: 1 }, { endpoint: 'echo-g', mode: 'garbage', count: 2 }]);
      let r = await invoke('echo-w', '1\n2\n3\n');
      assert.equal(r.status, 200);
      assert.equal(r.body.toString(), '1\n2\n');
      r = await invoke('echo-g', '1\n2\n');
      assert.equal(r.status, 200);
      assert.ok(r.body.toString().split('\n').filter(Boolean).every((l) => Number.isNaN(Number(l))));
      r = await invoke('echo-g', '{"instances":[[1]]}', { contentType: 'application/json' });
      assert.throws(() => JSON.parse(r.body.toString()));
    });

    it('faults named in the endpoint name, and the "*" wildcard', async () => {
      let r = await invoke('echo-fault-throttle-1', '1\n');
      assert.equal(r.status, 429);
      assert.equal((await invoke('echo-fault-throttle-1', '1\n')).status, 200);
      r = await invoke('rcf-fault-modelerror', '1\n');
      assert.equal(r.status, 424);
      assert.equal((await invoke('rcf-fault-modelerror', '1\n')).status, 424);
      await send(`${base}/_reset`, { body: '' });
      assert.equal((await invoke('echo-fault-throttle-1', '1\n')).status, 429, 'reset restarts name faults');
      await control({ endpoint: '*', mode: 'error5xx', count: 2 });
      assert.equal((await invoke('echo-1', '1\n')).status, 503);
      assert.equal((await invoke('echo-2', '1\n')).status, 503);
      assert.equal((await invoke('echo-3', '1\n')).status, 200);
    });

    it('rejects bad control requests', async () => {
      assert.equal((await control({ endpoint: 'x', mode: 'explode' })).status, 400);
      assert.equal((await control({ endpoint: 'x', mode: 'throttle', count: -1 })).status, 400);
      assert.equal((await control({ mode: 'throttle' })).status, 400);
    });
  });

  describe('counters and concurrency', () => {
    it('counts calls, rows, bytes and errors; reset zeroes them', async () => {
      await control({ endpoint: 'echo-z', mode: 'throttle', count: 1 });
      await invoke('echo-z', '1,2\n3,4\n');
      await invoke('echo-z', '1,2\n3,4\n');
      await invoke('echo-z', '{"instances":[[1],[2],[3]]}', { contentType: 'application/json' });
      let s = await stats();
      const e = s.endpoints['echo-z'];
      assert.equal(e.calls, 3);
      assert.equal(e.ok, 2);
      assert.equal(e.rows, 5);
      assert.equal(e.bytes, 8 + 8 + 27);
      assert.deepEqual(e.errors, { ThrottlingException: 1 });
      assert.deepEqual(e.faults, { throttle: 1 });
      assert.equal(s.total.calls, 3);
      await send(`${base}/_reset`, { body: '' });
      s = await stats();
      assert.deepEqual(s.endpoints, {});
      assert.equal(s.total.calls, 0);
    });

    it('serves many concurrent calls over keep-alive', async () => {
      await control({ endpoint: 'echo-p', mode: 'slow', latency_ms: 200 });
      const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
      const url = `${base}/endpoints/echo-p/invocations`;
      const t = Date.now();
      const rs = await Promise.all(Array.from({ length: 32 }, async () => {
        const h = await signedHeaders(signer, url, 'POST', { 'content-type': 'text/csv' }, '1\n');
        return send(url, { headers: h, body: '1\n', agent });
      }));
      agent.destroy();
      assert.ok(rs.every((r) => r.status === 200));
      assert.ok(Date.now() - t < 1500, 'calls overlapped');
      assert.ok((await stats()).endpoints['echo-p'].max_in_flight >= 16);
    });

    it('loadgen reports throughput against the server', async () => {
      const out = await new Promise((resolve, reject) => {
        execFile(process.execPath, [LOADGEN, '--url', `${base}/endpoints/echo-bench/invocations`,
          '--rows-per-call', '10', '--concurrency', '4', '--calls', '200'], { env: childEnv() },
        (err, stdout) => (err ? reject(err) : resolve(stdout)));
      });
      const r = JSON.parse(out);
      assert.equal(r.calls, 200);
      assert.equal(r.rows, 2000);
      for (const k of ['seconds', 'calls_per_s', 'rows_per_s', 'p50_ms', 'p99_ms']) assert.equal(typeof r[k], 'number', k);
      const s = await stats();
      assert.equal(s.endpoints['echo-bench'].ok, 200);
      assert.equal(s.endpoints['echo-bench'].signature_failures, 0);
    });
  });
});
