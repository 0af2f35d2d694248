'use strict';
// The objects the federated_s3 regression tests read, written to s3rver by
// proxy.js --fixtures.  Deterministic: the expected output depends on them.

const zlib = require('node:zlib');
const { spawnSync } = require('node:child_process');

const BUCKET = 'pginfer-test';
const buckets = [BUCKET, 'pginfer-empty'];

// Rows "i,i*2" for i in 1..n, as CSV text
function numbered(n) {
  let s = '';
  for (let i = 1; i <= n; i++) s += `${i},${i * 2}\n`;
  return s;
}

// zstd-compressed bytes, with the zstd command
function zstd(text) {
  const r = spawnSync('zstd', ['-q', '-c'], { input: text });
  if (r.status !== 0) throw new Error('zstd failed: ' + r.stderr);
  return r.stdout;
}

// Every fixture object: { bucket, key, body }
function objects() {
  const o = [];
  const put = (key, body) => o.push({ bucket: BUCKET, key, body });

  put('one/orders.csv', 'id,customer,amount,day\n1,alice,10.50,2024-01-02\n2,bob,7.25,2024-01-03\n' +
    '3,"carol, jr.",100.00,2024-02-01\n4,dave,,2024-02-15\n5,"eve ""e""",3.00,2024-03-01\n');
  put('prefix/a.csv', '1,a1\n2,a2\n');
  put('prefix/b.csv', '3,b1\n4,b2\n');
  put('prefix/sub/c.csv', '5,c1\n');
  put('prefix-other/x.csv', '99,not in prefix/\n');

  put('glob/2023-12.csv', '2023-12,1\n');
  put('glob/2024-01.csv', '2024-01,2\n');
  put('glob/2024-02.csv', '2024-02,3\n');
  put('glob/2024-10.csv', '2024-10,4\n');
  put('glob/deep/2024-03.csv', '2024-03,5\n');
  put('glob/deep/er/2024-04.csv', '2024-04,6\n');
  put('glob/notes.txt', 'not,csv\n');

  for (let i = 0; i < 1100; i++) put(`many/k${String(i).padStart(4, '0')}.csv`, `${i}\n`);

  put('gzip/numbers.csv.gz', zlib.gzipSync(numbered(10000)));
  put('gzip/plain-named.dat', zlib.gzipSync(numbered(3)));
  put('gzip/corrupt.csv.gz', Buffer.concat([zlib.gzipSync(numbered(100)).subarray(0, 60), Buffer.from('garbage')]));
  put('zstd/numbers.csv.zst', zstd(numbered(10000)));

  put('hive/year=2023/month=12/data.csv', '31,5\n');
  put('hive/year=2024/month=01/data.csv', '1,10\n2,20\n');
  put('hive/year=2024/month=02/data.csv', '1,30\n');
  put('hive/year=2024/month=03/data.csv', '1,40\n2,50\n3,60\n');

  put('jsonl/events.jsonl',
    '{"id": 1, "name": "start", "ok": true, "score": 1.5, "tags": ["a", "b"], "meta": {"k": 1}}\n' +
    '{"id": 2, "name": "caf\u00e9 \u2615", "ok": false, "score": null}\n' +
    '\n' +
    '{"Name": "case differs", "id": 3, "extra": "ignored"}\n' +
    '{"id": 4, "name": "line\\nbreak", "score": -2e3, "ok": true}\n');
  put('jsonl/bad.jsonl', '{"id": 1, "name": "fine"}\n{"id": 2, "name": broken}\n');
  put('jsonl/notobject.jsonl', '{"id": 1}\n[1, 2]\n');
  put('jsonl/badtype.jsonl', '{"id": 1}\n{"id": "two"}\n');
  put('jsonl/bignum.jsonl',
    '{"id": 1, "n": 12345678901234567890}\n{"id": 2, "n": -9223372036854775807}\n' +
    '{"id": 3, "n": 1e20}\n{"id": 4, "n": 100000000000000000000.5}\n');
  put('jsonl/toobig.jsonl', '{"id": 1, "n": 1}\n{"id": 2, "n": 100000000000000000000}\n');
  put('jsonl/nestedbig.jsonl',
    '{"id": 1, "doc": {"a": [1, 2.5, {"b": 9223372036854775807}]}}\n' +
    '{"id": 2, "doc": {"a": [1, {"b": 100000000000000000000}]}}\n');

  put('odd/a b+c=d%e \u00e9.csv', '1,spaces plus equals percent unicode\n');
  put('odd/100%.csv', '2,percent\n');
  put('odd/~tilde(1).csv', '3,tilde parens\n');

  put('text/data.tsv', '1\tone\t\\N\n2\ttwo\\tescaped\t2.5\n3\t\\N\t3\n');
  put('copy/semicolon.csv', 'id;label;note\n1;"semi;colon";NA\n2;plain;x\n3;NA;"NA"\n');
  put('copy/quoted.csv', "1|'it''s'|a\n2|'x|y'|\n");
  put('copy/latin1.csv', Buffer.from([0x31, 0x2c, 0x63, 0x61, 0x66, 0xe9, 0x0a]));

  put('bad/malformed.csv', 'id,amount\n1,10\n2,abc\n3,30\n');
  put('bad/short.csv', '1,10\n2\n');
  put('bad/utf8.csv', Buffer.from([0x31, 0x2c, 0xff, 0xfe, 0x0a]));

  // IMPORT FOREIGN SCHEMA (sql/s3_import.sql)
  const ordersHeader = 'id,Customer Name,amount,day,paid,meta,seen at,code,ratio,big\n';
  put('import/csv/orders/part-1.csv', ordersHeader +
    '1,alice,10.50,2024-01-02,true,"{""k"": 1}",2024-01-02 10:00:00+00,007,1e3,1\n' +
    '2,bob,7,2024-01-03,false,,2024-01-02T11:30:00Z,012,2.5e-1,3000000000\n');
  put('import/csv/orders/part-2.csv', ordersHeader +
    '3,"carol, jr.",100,2024-02-01,t,"[1, 2]",2024-02-01 09:15:00-05:30,099,-1.5E2,-7\n');
  put('import/csv/caf\u00e9 au lait.csv', '"prix \u20ac",qty\n1.5,2\n2.25,3\n');
  put('import/csv/sales/year=2024/month=01/data.csv', 'day,amount\n1,10\n2,20\n');
  put('import/csv/sales/year=2024/month=02/data.csv', 'day,amount\n1,30\n');
  put('import/csv/sales/year=__HIVE_DEFAULT_PARTITION__/month=12/data.csv', 'day,amount\n5,1\n');
  put('import/bare/points.csv', '1,2.5\n2,3.5\n');
  put('import/jsonl/events.jsonl',
    '{"id": 1, "name": "start", "odd key \u00fc": "x", "tags": ["a"], "meta": {"k": 1}, "at": "2024-05-01T10:00:00Z", "score": 1}\n' +
    '{"id": 2, "name": "stop", "score": 2.5, "at": null, "late": true}\n');
  put('import/conflict/orders.csv', 'a\n1\n');
  put('import/conflict/orders/part.csv', 'a\n2\n');
  put('import/dupcol/t.csv', 'a,b,a\n1,2,3\n');
  put('import/clash/t/a=1/x.csv', 'a,b\n1,2\n');
  put('import/ragged/r.csv', 'a,b\n1,2\n3\n');
  put('import/noheader/n.csv', ',b\n1,2\n');

  // parallel scans by byte range (sql/s3_ranges.sql)
  const lines = (n, f) => Array.from({ length: n }, (_, k) => f(k + 1)).join('');
  put('ranges/numbers.tsv', lines(3000, (i) => `${i}\tword ${(i * 7919) % 100003}\n`));
  put('ranges/fixed.csv', lines(2000, (i) => `${String(i).padStart(4, '0')},${String(2 * i).padStart(4, '0')}\n`));
  put('ranges/header.csv', 'id,v\n' + lines(2000, (i) => `${i},"v, ${i}"\n`));
  put('ranges/events.jsonl', lines(2000, (i) => `{"id": ${i}, "s": "${'x'.repeat(i % 37)}"}\n` + (i % 100 ? '' : '\n')));
  put('ranges/bad.tsv', lines(2000, (i) => (i === 1500 ? 'oops\tbad\n' : `${i}\tok\n`)));
  put('ranges/quoted.csv', '1,"two\nlines"\n2,one\n');
  return o;
}

module.exports = { BUCKET, buckets, objects };
