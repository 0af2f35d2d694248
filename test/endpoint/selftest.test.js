'use strict';
// Entry point for `node --test test/endpoint/` (Node 20 discovers only *.test.js in a directory).
require('./selftest.js');
