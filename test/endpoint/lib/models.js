'use strict';
// Request decoding, the toy models, and response encoding.
//
// Every model sees a list of rows, each row a list of numbers. decodeRows() turns a
// CSV / JSON / JSON Lines body into rows, a model maps rows to outputs, and
// encodeOutputs() renders the outputs in the format the Accept header asks for.

const CSV = 'text/csv';
const JSON_T = 'application/json';
const JSONL = 'application/jsonlines';

const NUMBER_RE = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

// A problem with the request content: 400 ValidationError, or a ModelError when
// `originalStatus` is set (what the model container itself would have answered).
class ContentError extends Error {
  constructor(message, originalStatus) {
    super(message);
    this.originalStatus = originalStatus || null;
  }
}

// Strip parameters and case from a media type ("text/csv; charset=utf-8" -> "text/csv").
function mediaType(value) {
  if (!value) return '';
  const t = value.split(';')[0].trim().toLowerCase();
  if (t === 'application/x-jsonlines' || t === 'application/jsonl' || t === 'application/json-lines') {
    return JSONL;
  }
  return t;
}

// Pick the reply format from Accept (first supported entry), defaulting to `fallback`.
function pickAccept(accept, fallback) {
  if (!accept) return fallback;
  for (const entry of accept.split(',')) {
    const t = mediaType(entry);
    if (t === CSV || t === JSON_T || t === JSONL) return t;
    if (t === '*/*' || t === '') return fallback;
  }
  throw new ContentError(`Accept type ${JSON.stringify(accept)} is not supported; ` +
    'use text/csv, application/json or application/jsonlines', 406);
}

// Split a CSV body into records of fields (RFC 4180 quoting, CRLF or LF).
function parseCsv(text) {
  if (!text.includes('"')) return parseCsvPlain(text);
  const records = [];
  let fields = [];
  let field = '';
  let quoted = false;
  let i = 0;
  let line = 1;
  let recordLine = 1;
  const lines = [];
  while (i < text.length) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else {
        if (c === '\n') line++;
        field += c;
      }
      i++;
      continue;
    }
    if (c === '"' && field === '') {
      quoted = true;
    } else if (c === ',') {
      fields.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      fields.push(field);
      records.push(fields);
      lines.push(recordLine);
      fields = [];
      field = '';
      line++;
      recordLine = line;
    } else {
      field += c;
    }
    i++;
  }
  if (quoted) throw new ContentError(`line ${recordLine}: unterminated quoted field`);
  if (field !== '' || fields.length > 0) {
    fields.push(field);
    records.push(fields);
    lines.push(recordLine);
  }
  return { records, lines };
}

// parseCsv for bodies without quotes: a plain split, much faster on large bodies.
function parseCsvPlain(text) {
  const parts = text.split('\n');
  if (parts[parts.length - 1] === '') parts.pop();
  const records = new Array(parts.length);
  const lines = new Array(parts.length);
  for (let k = 0; k < parts.length; k++) {
    let ln = parts[k];
    if (ln.endsWith('\r')) ln = ln.slice(0, -1);
    records[k] = ln.split(',');
    lines[k] = k + 1;
  }
  return { records, lines };
}

// Convert one CSV field to a number or throw a ValidationError naming the line.
function csvNumber(field, lineNo, fieldNo) {
  const f = field.trim();
  if (!NUMBER_RE.test(f)) {
    throw new ContentError(`line ${lineNo}: field ${fieldNo} (${JSON.stringify(field.slice(0, 40))}) is not a number`);
  }
  return Number(f);
}

// Convert one JSON feature vector to numbers or throw naming where it was.
function jsonVector(vec, where) {
  if (!Array.isArray(vec)) throw new ContentError(`${where}: expected an array of numbers`);
  return vec.map((v, j) => {
    if (typeof v === 'number') return v;
    if (typeof v === 'string' && NUMBER_RE.test(v.trim())) return Number(v);
    throw new ContentError(`${where}: element ${j + 1} (${JSON.stringify(v)}) is not a number`);
  });
}

// A JSON row: {"features": [...]} or a bare array. Returns {vec, isObject}.
function jsonRow(item, where) {
  if (Array.isArray(item)) return { vec: jsonVector(item, where), isObject: false };
  if (item && typeof item === 'object' && 'features' in item) {
    return { vec: jsonVector(item.features, `${where}: features`), isObject: true };
  }
  throw new ContentError(`${where}: expected {"features":[...]} or an array of numbers`);
}

// Decode a request body into { rows: number[][], objects: bool } by content type.
function decodeRows(contentType, body) {
  const text = body.toString('utf8');
  if (contentType === CSV) {
    const { records, lines } = parseCsv(text);
    const rows = records.map((rec, k) => {
      if (rec.length === 1 && rec[0] === '') {
        throw new ContentError(`line ${lines[k]}: empty line`);
      }
      return rec.map((f, j) => csvNumber(f, lines[k], j + 1));
    });
    if (rows.length === 0) throw new ContentError('request body has no rows');
    return { rows, objects: false };
  }
  if (contentType === JSON_T) {
    let doc;
    try {
      doc = JSON.parse(text);
    } catch (e) {
      throw new ContentError(`malformed JSON body: ${e.message}`);
    }
    let items;
    if (Array.isArray(doc)) items = doc;
    else if (doc && Array.isArray(doc.instances)) items = doc.instances;
    else throw new ContentError('JSON body must be {"instances":[...]} or an array of rows');
    if (items.length === 0) throw new ContentError('request body has no rows');
    const decoded = items.map((it, k) => jsonRow(it, `instance ${k + 1}`));
    return { rows: decoded.map((d) => d.vec), objects: decoded.some((d) => d.isObject) };
  }
  if (contentType === JSONL) {
    const lines = text.split('\n');
    if (lines.length > 0 && lines[lines.length - 1].trim() === '') lines.pop();
    if (lines.length === 0) throw new ContentError('request body has no rows');
    const decoded = lines.map((ln, k) => {
      let item;
      try {
        item = JSON.parse(ln);
      } catch (e) {
        throw new ContentError(`line ${k + 1}: malformed JSON: ${e.message}`);
      }
      return jsonRow(item, `line ${k + 1}`);
    });
    return { rows: decoded.map((d) => d.vec), objects: decoded.some((d) => d.isObject) };
  }
  throw new ContentError(`Content type ${JSON.stringify(contentType || '(none)')} is not supported; ` +
    'use text/csv, application/json or application/jsonlines', 415);
}

const sum = (v) => v.reduce((a, b) => a + b, 0);

// The models. Each: score(row) -> output; csv(out) -> string; json(outs, objects) -> object;
// jsonl(out) -> object; defaultAccept(contentType) -> media type.
const MODELS = {
  echo: {
    score: (row) => sum(row),
    csv: (s) => String(s),
    json: (outs, objects) => (objects ? { scores: outs.map((s) => ({ score: s })) } : { predictions: outs }),
    jsonl: (s) => ({ score: s }),
    defaultAccept: (ct) => ct,
  },
  rcf: {
    score: (row) => Math.abs(sum(row)),
    csv: (s) => String(s),
    json: (outs) => ({ scores: outs.map((s) => ({ score: s })) }),
    jsonl: (s) => ({ score: s }),
    defaultAccept: () => JSON_T,
  },
  multi: {
    score: (row) => ({ sum: sum(row), count: row.length }),
    csv: (o) => `${o.sum},${o.count}`,
    json: (outs) => ({ predictions: outs }),
    jsonl: (o) => o,
    defaultAccept: (ct) => ct,
  },
  text: {
    score: (row) => (sum(row) >= 0 ? 'pos' : 'neg'),
    csv: (l) => l,
    json: (outs) => ({ predictions: outs.map((l) => ({ label: l })) }),
    jsonl: (l) => ({ label: l }),
    defaultAccept: (ct) => ct,
  },
};

// Render outputs in the chosen format.
function encodeOutputs(model, accept, outs, objects) {
  if (accept === CSV) return outs.map((o) => model.csv(o) + '\n').join('');
  if (accept === JSON_T) return JSON.stringify(model.json(outs, objects));
  return outs.map((o) => JSON.stringify(model.jsonl(o)) + '\n').join('');
}

// A deliberately malformed 200 body in the chosen format (for the garbage fault).
function garbageBody(accept, nrows) {
  if (accept === CSV) return Array.from({ length: nrows }, (_, i) => `#garbage${i}#\n`).join('');
  if (accept === JSON_T) return '{"scores": [{"score": 1.0}, {"score": ';
  return Array.from({ length: nrows }, () => '{not json\n').join('');
}

module.exports = {
  MODELS, ContentError, decodeRows, encodeOutputs, garbageBody, pickAccept, mediaType,
  CSV, JSON_T, JSONL,
};
