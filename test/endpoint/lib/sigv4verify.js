'use strict';
// Independent verification of AWS Signature Version 4 on a received request.
//
// The expected signature is recomputed with AWS's own signer (@smithy/signature-v4,
// the implementation inside the AWS SDK for JavaScript v3) from what was actually
// received: method, path, query, the headers named in SignedHeaders, and the body.
// Nothing the client computed is trusted except the x-amz-content-sha256 header,
// which is itself checked against the body.
//
// Two path rules: by default (every service but S3) the received path is
// normalised and encoded a second time, as AWS's signer does; with { s3: true }
// it is decoded and encoded once, segment by segment, as S3 does (keys may hold
// "//", ".." and any character), and "UNSIGNED-PAYLOAD" is accepted in place of
// the body's hash.

const crypto = require('node:crypto');
const { SignatureV4 } = require('@smithy/signature-v4');
const { Hash } = require('@smithy/hash-node');

const Sha256 = Hash.bind(null, 'sha256');

const MAX_SKEW_MS = 15 * 60 * 1000;

// An authentication failure: HTTP status, AWS error type and message.
class AuthError extends Error {
  constructor(status, type, message) {
    super(message);
    this.status = status;
    this.type = type;
  }
}

// Parse "AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=..."
function parseAuthorization(value) {
  const m = /^(\S+)\s+(.*)$/s.exec(value.trim());
  if (!m) throw incomplete('Authorization header is malformed.');
  if (m[1] !== 'AWS4-HMAC-SHA256') {
    throw incomplete(`Unsupported signing algorithm '${m[1]}'; expected AWS4-HMAC-SHA256.`);
  }
  const parts = {};
  for (const piece of m[2].split(',')) {
    const eq = piece.indexOf('=');
    if (eq < 0) continue;
    parts[piece.slice(0, eq).trim()] = piece.slice(eq + 1).trim();
  }
  for (const key of ['Credential', 'SignedHeaders', 'Signature']) {
    if (!parts[key]) {
      throw incomplete(`Authorization header requires '${key}' parameter.`);
    }
  }
  const scope = parts.Credential.split('/');
  if (scope.length !== 5) {
    throw incomplete("Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/aws4_request.");
  }
  return {
    accessKeyId: scope[0],
    date: scope[1],
    region: scope[2],
    service: scope[3],
    terminator: scope[4],
    signedHeaders: parts.SignedHeaders.split(';'),
    signedHeadersRaw: parts.SignedHeaders,
    signature: parts.Signature,
  };
}

function incomplete(message) {
  return new AuthError(403, 'IncompleteSignatureException', message);
}

function invalid(message) {
  return new AuthError(403, 'InvalidSignatureException', message);
}

function mismatch() {
  return invalid('The request signature we calculated does not match the signature you provided. ' +
    'Check your AWS Secret Access Key and signing method. Consult the service documentation for details.');
}

const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';

// S3's canonical path: each segment decoded, then encoded once with the
// RFC 3986 unreserved set; "/" kept, nothing normalised.
function s3CanonicalPath(rawPath) {
  return rawPath.split('/').map((segment) => encodeURIComponent(safeDecode(segment))
    .replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase())).join('/');
}

// Parse an ISO 8601 basic timestamp (20150830T123600Z) into a Date, or null.
function parseAmzDate(value) {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value || '');
  if (!m) return null;
  const t = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
  return Number.isNaN(t) ? null : new Date(t);
}

// Format a Date as an ISO 8601 basic timestamp.
function formatAmzDate(d) {
  return d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

// Split a raw query string into decoded key -> value (or value list).
function parseQuery(raw) {
  const query = {};
  if (!raw) return query;
  for (const pair of raw.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const k = safeDecode(eq < 0 ? pair : pair.slice(0, eq));
    const v = safeDecode(eq < 0 ? '' : pair.slice(eq + 1));
    if (k in query) {
      query[k] = [].concat(query[k], v);
    } else {
      query[k] = v;
    }
  }
  return query;
}

function safeDecode(s) {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function sha256Hex(buf) {
  return crypto.createHash('sha256').update(buf).digest('hex');
}

// Holds the configured credentials and verifies requests against them.
class SigV4Verifier {
  // opts: accessKeyId, secretAccessKey, sessionToken (optional), region, service
  constructor(opts) {
    this.accessKeyId = opts.accessKeyId;
    this.secretAccessKey = opts.secretAccessKey;
    this.sessionToken = opts.sessionToken || null;
    this.region = opts.region || 'us-east-1';
    this.service = opts.service || 'sagemaker';
    this.maxSkewMs = opts.maxSkewMs ?? MAX_SKEW_MS;
    this.s3 = Boolean(opts.s3);
    this.signers = new Map(); // session token ('' for none) -> SignatureV4
  }

  signerFor(sessionToken) {
    const key = sessionToken || '';
    let signer = this.signers.get(key);
    if (!signer) {
      signer = new SignatureV4({
        service: this.service,
        region: this.region,
        credentials: {
          accessKeyId: this.accessKeyId,
          secretAccessKey: this.secretAccessKey,
          sessionToken: sessionToken || undefined,
        },
        sha256: Sha256,
        uriEscapePath: !this.s3,
        applyChecksum: false,
      });
      if (this.signers.size > 100) this.signers.clear();
      this.signers.set(key, signer);
    }
    return signer;
  }

  // Verify a request; resolves to the parsed Authorization on success, throws AuthError.
  // req: { method, rawPath, rawQuery, headers: {lowercase name: string[]}, body: Buffer }
  async verify(req, now = new Date()) {
    const first = (name) => (req.headers[name] ? req.headers[name].join(',') : undefined);
    const authHeader = first('authorization');
    if (!authHeader) {
      throw new AuthError(403, 'MissingAuthenticationTokenException', 'Missing Authentication Token');
    }
    const auth = parseAuthorization(authHeader);

    if (auth.accessKeyId !== this.accessKeyId) {
      throw new AuthError(403, 'UnrecognizedClientException',
        'The security token included in the request is invalid.');
    }
    const token = first('x-amz-security-token');
    if (this.sessionToken !== null && token !== this.sessionToken) {
      throw new AuthError(403, 'UnrecognizedClientException',
        'The security token included in the request is invalid.');
    }

    const amzDateRaw = first('x-amz-date');
    if (!amzDateRaw) {
      throw incomplete("Authorization header requires existence of a 'X-Amz-Date' header.");
    }
    const amzDate = parseAmzDate(amzDateRaw);
    if (!amzDate) {
      throw incomplete(`Date must be in ISO-8601 'basic format'. Got '${amzDateRaw}'.`);
    }
    if (auth.terminator !== 'aws4_request') {
      throw invalid(`Credential should be scoped with a valid terminator: 'aws4_request', not '${auth.terminator}'.`);
    }
    if (auth.date !== amzDateRaw.slice(0, 8)) {
      throw invalid(`Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${auth.date}' != '${amzDateRaw.slice(0, 8)}', from '${amzDateRaw}'.`);
    }
    if (auth.region !== this.region) {
      throw invalid(`Credential should be scoped to a valid region, not '${auth.region}'.`);
    }
    if (auth.service !== this.service) {
      throw invalid(`Credential should be scoped to correct service: '${this.service}'.`);
    }
    const skew = amzDate.getTime() - now.getTime();
    if (skew < -this.maxSkewMs) {
      throw invalid(`Signature expired: ${amzDateRaw} is now earlier than ${formatAmzDate(new Date(now.getTime() - this.maxSkewMs))} (${formatAmzDate(now)} - 15 min.)`);
    }
    if (skew > this.maxSkewMs) {
      throw invalid(`Signature not yet current: ${amzDateRaw} is still later than ${formatAmzDate(new Date(now.getTime() + this.maxSkewMs))} (${formatAmzDate(now)} + 15 min.)`);
    }
    if (!auth.signedHeaders.includes('host')) {
      throw invalid("'Host' must be a 'SignedHeader' in the AWS Authorization.");
    }
    if (token !== undefined && !auth.signedHeaders.includes('x-amz-security-token')) {
      throw invalid("'X-Amz-Security-Token' must be a 'SignedHeader' when a session token is sent.");
    }
    const contentSha = first('x-amz-content-sha256');
    if (this.s3 && contentSha === undefined) {
      throw invalid("Missing required header for this request: x-amz-content-sha256");
    }
    const unsigned = this.s3 && contentSha === UNSIGNED_PAYLOAD;
    if (contentSha !== undefined && !unsigned && contentSha !== sha256Hex(req.body)) {
      throw invalid("The provided 'x-amz-content-sha256' header does not match what was computed.");
    }

    // Recompute with the signed headers exactly as received.
    const headers = {};
    for (const name of auth.signedHeaders) {
      if (req.headers[name] !== undefined) headers[name] = req.headers[name].join(',');
    }
    const signable = new Set(auth.signedHeaders);
    const path = this.s3 ? s3CanonicalPath(req.rawPath) : req.rawPath;
    const expected = await this.compute(req, headers, signable, amzDate, token, path);
    if (expected.signedHeaders === auth.signedHeadersRaw && sameHex(expected.signature, auth.signature)) {
      return auth;
    }
    if (this.s3) throw mismatch();
    // Tolerate clients that sign the decoded path encoded once (identical for valid
    // endpoint names, which are [A-Za-z0-9-] only).
    if (req.rawPath.includes('%')) {
      const decoded = safeDecode(req.rawPath);
      const alt = await this.compute(req, headers, signable, amzDate, token, decoded);
      if (alt.signedHeaders === auth.signedHeadersRaw && sameHex(alt.signature, auth.signature)) {
        return auth;
      }
    }
    throw mismatch();
  }

  // Sign the received request with the configured secret; returns {signature, signedHeaders}.
  async compute(req, headers, signable, amzDate, token, path) {
    const signer = this.signerFor(token);
    const signed = await signer.sign({
      method: req.method,
      protocol: 'http:',
      hostname: 'localhost',
      path,
      query: parseQuery(req.rawQuery),
      headers,
      body: req.body,
    }, { signingDate: amzDate, signableHeaders: signable });
    const m = /SignedHeaders=([^,]*), Signature=([0-9a-f]+)/.exec(signed.headers.authorization);
    return { signedHeaders: m[1], signature: m[2] };
  }
}

// Constant-time comparison of two hex strings.
function sameHex(a, b) {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

module.exports = { SigV4Verifier, AuthError, parseAmzDate, formatAmzDate, Sha256, s3CanonicalPath };
