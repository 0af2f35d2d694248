#!/usr/bin/env python3
#
# test/doc_coverage.py — checks that every SQL object, setting and option
# in the code is documented where a user would look, as TAP.  test/run.sh
# runs it inside pg_virtualenv (the extension installed):
#
#   pg_virtualenv -t -v 15 -o shared_preload_libraries=pg_infer \
#       python3 test/doc_coverage.py
#
# What is checked, one TAP line each (the missing names listed under a
# failure):
#   - every function, aggregate, type, view, language and foreign data
#     wrapper of the extension (from pg_depend, after CREATE EXTENSION)
#     appears in README.md or doc/*.md, as `name` or name( ; support
#     functions no user calls are left out: type I/O, aggregate support
#     (internal arguments or results), handlers and validators;
#   - every setting the library registers (pg_settings, pg_infer.*)
#     appears as `pg_infer.name`;
#   - every option of each wrapper's validator table (the
#     {"name", KIND, FDW_OPTION_...} rows of src/fdw/<wrapper>/*.c) appears
#     as `name` (or `name value`) in that wrapper's page (doc/mysql.md,
#     doc/s3.md);
#   - every command-line option of the model server (server/model_server.c)
#     appears as `--name` in doc/model_server.md;
#   - every option key of the RCF functions (the {"name", ...} option
#     tables of src/rcf/*.c) appears as `name` in doc/rcf.md.
#
import glob
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# The extension's objects a user names, by kind
OBJECTS_SQL = r"""
WITH ext AS (
  SELECT classid, objid FROM pg_depend
  WHERE refclassid = 'pg_extension'::regclass AND deptype = 'e'
    AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'pg_infer'))
SELECT CASE p.prokind WHEN 'a' THEN 'aggregate' WHEN 'w' THEN 'window function'
       ELSE 'function' END, p.proname
FROM ext JOIN pg_proc p ON ext.classid = 'pg_proc'::regclass AND p.oid = ext.objid
WHERE p.prorettype NOT IN ('internal'::regtype, 'language_handler'::regtype,
                           'fdw_handler'::regtype, 'cstring'::regtype)
  AND NOT 'internal'::regtype = ANY (p.proargtypes)
  AND NOT 'cstring'::regtype = ANY (p.proargtypes)
  AND p.oid NOT IN (SELECT typsend FROM pg_type UNION ALL
                    SELECT lanvalidator FROM pg_language UNION ALL
                    SELECT fdwvalidator FROM pg_foreign_data_wrapper)
UNION
SELECT 'type', t.typname FROM ext JOIN pg_type t
  ON ext.classid = 'pg_type'::regclass AND t.oid = ext.objid
WHERE t.typname NOT LIKE '\_%'
UNION
SELECT 'view', c.relname FROM ext JOIN pg_class c
  ON ext.classid = 'pg_class'::regclass AND c.oid = ext.objid WHERE c.relkind = 'v'
UNION
SELECT 'language', l.lanname FROM ext JOIN pg_language l
  ON ext.classid = 'pg_language'::regclass AND l.oid = ext.objid
UNION
SELECT 'foreign data wrapper', w.fdwname FROM ext JOIN pg_foreign_data_wrapper w
  ON ext.classid = 'pg_foreign_data_wrapper'::regclass AND w.oid = ext.objid
ORDER BY 1, 2
"""


def read(path):
    """The text of a file of the repository"""
    with open(os.path.join(ROOT, path), encoding='utf-8') as f:
        return f.read()


def query(sql):
    """Rows of a query in a scratch database with the extension, as tuples"""
    def run(database, *commands):
        args = ['psql', '-X', '-q', '-A', '-t', '-F', '\t', '-v', 'ON_ERROR_STOP=1', '-d', database]
        for command in commands:
            args += ['-c', command]
        return subprocess.run(args, check=True, capture_output=True, text=True).stdout

    run('postgres', 'DROP DATABASE IF EXISTS doc_coverage WITH (FORCE)',
        'CREATE DATABASE doc_coverage')
    try:
        out = run('doc_coverage', 'CREATE EXTENSION pg_infer', sql)
    finally:
        run('postgres', 'DROP DATABASE doc_coverage WITH (FORCE)')
    return [tuple(line.split('\t')) for line in out.splitlines() if line]


def c_names(pattern, paths):
    """The first groups of a pattern's matches in C files, in order, once each"""
    names = []
    for path in sorted(paths):
        for name in re.findall(pattern, read(path), re.M):
            if name not in names:
                names.append(name)
    return names


class Tap:
    """TAP lines, numbered"""

    def __init__(self):
        self.n = self.failed = 0

    def check(self, what, names, documented):
        """ok when every name is documented; else not ok with the missing"""
        missing = [n for n in names if not documented(n)]
        self.n += 1
        good = bool(names) and not missing
        self.failed += not good
        print('%s %d - %s (%d)' % ('ok' if good else 'not ok', self.n, what, len(names)))
        if not names:
            print('#   none found: the check has lost its source')
        for name in missing:
            print('#   not documented: ' + name)


def main():
    docs = ['README.md'] + sorted(os.path.relpath(p, ROOT)
                                  for p in glob.glob(os.path.join(ROOT, 'doc', '*.md')))
    every_doc = '\n'.join(read(d) for d in docs)
    tap = Tap()

    objects = query(OBJECTS_SQL)
    for kind in sorted({k for k, _ in objects}):
        names = [n for k, n in objects if k == kind]
        tap.check('every %s of the extension is in the docs' % kind, names,
                  lambda n: re.search(r'`%s[`( ]|\b%s\(' % (re.escape(n), re.escape(n)),
                                      every_doc) is not None)

    settings = [n for (n,) in query("SELECT name FROM pg_settings "
                                    "WHERE name LIKE 'pg_infer.%' ORDER BY 1")]
    tap.check('every pg_infer.* setting is in the docs', settings,
              lambda n: re.search(r'\b%s\b' % re.escape(n), every_doc) is not None)

    for wrapper, page in (('mysql', 'doc/mysql.md'), ('s3', 'doc/s3.md')):
        options = c_names(r'\{"([a-z_0-9]+)",\s*\w+,\s*FDW_OPTION_',
                          glob.glob(os.path.join(ROOT, 'src', 'fdw', wrapper, '*.c')))
        text = read(page)
        tap.check('every option of federated_%s is in %s' % (wrapper, page), options,
                  lambda n, text=text: re.search(r'`%s[` ]' % re.escape(n), text) is not None)

    flags = c_names(r'strcmp\(\w+, "(--[a-z-]+)"\)', [os.path.join(ROOT, 'server', 'model_server.c')])
    text = read('doc/model_server.md')
    tap.check('every option of the model server is in doc/model_server.md', flags,
              lambda n: '`%s' % n in text)

    rcf_options = c_names(r'^\s*\{"([a-z_]+)",\s*(?:true|false)\b',
                          glob.glob(os.path.join(ROOT, 'src', 'rcf', '*.c')))
    if os.path.exists(os.path.join(ROOT, 'doc', 'rcf.md')):
        text = read('doc/rcf.md')
        tap.check('every option of the RCF functions is in doc/rcf.md', rcf_options,
                  lambda n: '`%s`' % n in text)

    print('1..%d' % tap.n)
    return 1 if tap.failed else 0


if __name__ == '__main__':
    sys.exit(main())
