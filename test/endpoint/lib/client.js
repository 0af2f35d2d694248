'use strict';
// A minimal signed InvokeEndpoint client (AWS's own signer), shared by the load
// generator and the self-test.

const http = require('node:http');
const { SignatureV4 } = require('@smithy/signature-v4');
const { Sha256 } = require('./sigv4verify');

// Make a SignatureV4 signer for the sagemaker service.
function makeSigner({ accessKeyId, secretAccessKey, sessionToken, region }) {
  return new SignatureV4({
    service: 'sagemaker',
    region: region || 'us-east-1',
    credentials: { accessKeyId, secretAccessKey, sessionToken: sessionToken || undefined },
    sha256: Sha256,
    uriEscapePath: true,
    applyChecksum: false,
  });
}

// Sign a request; returns the headers to send (host, x-amz-date, authorization, ...).
// opts.signingDate overrides the clock.
async function signedHeaders(signer, url, method, headers, body, opts = {}) {
  const u = new URL(url);
  const query = {};
  for (const [k, v] of u.searchParams) query[k] = v;
  const signed = await signer.sign({
    method,
    protocol: u.protocol,
    hostname: u.hostname,
    port: u.port ? Number(u.port) : undefined,
    path: u.pathname,
    query,
    headers: { host: u.host, ...headers },
    body,
  }, opts.signingDate ? { signingDate: opts.signingDate } : {});
  return signed.headers;
}

// Send one HTTP request; resolves to {status, headers, body: Buffer} or rejects on a
// transport error.
function send(url, { method = 'POST', headers = {}, body, agent } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, agent }, (res) => {
      const chunks = [];
      res.on('data', (d) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
      res.on('aborted', () => reject(new Error('response aborted')));
    });
    req.on('error', reject);
    if (body !== undefined) {
      req.setHeader('Content-Length', Buffer.byteLength(body));
      req.end(body);
    } else {
      req.end();
    }
  });
}

module.exports = { makeSigner, signedHeaders, send };
