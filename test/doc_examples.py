#!/usr/bin/env python3
#
# test/doc_examples.py — runs every SQL example of the docs, as TAP, so that
# the docs cannot drift from the code.  test/run.sh runs it inside
# pg_virtualenv with the services up (test/services.sh: the test endpoint,
# MariaDB, s3rver behind its signing proxy):
#
#   pg_virtualenv -t -v 15 -o shared_preload_libraries=pg_infer \
#       python3 test/doc_examples.py [FILE.md...]
#
# Every ```sql block of README.md and doc/*.md is run with psql
# (ON_ERROR_STOP) in a database of its own per doc file, the blocks in the
# order of the file, each in a new session; a block passes when psql
# succeeds.  A marker on the line before a block's fence changes that:
#
#   <!-- doc-test: error -->           the block must end in an ERROR (an
#                                      example of one); `error "text"` also
#                                      wants that text in the message
#   <!-- doc-test: skip REASON -->     the block needs what the suite cannot
#                                      provide (a real AWS account...): not
#                                      run, listed and counted as skipped,
#                                      never as passed
#
# Hidden setup: test/doc/<name>.sql (README.sql for README.md,
# inference.sql for doc/inference.md...), when present, runs first in the
# doc's database, so that a doc may say "given a table t" (what several
# setups share is in test/doc/include/, \i'd).  Its lines
#
#   -- rewrite: FROM => TO
#
# replace the text FROM by TO in every block of that doc before it runs
# (${VAR} in TO is the environment's VAR): this is how an example's AWS
# address, MySQL port or bucket becomes the test service's.  A rewrite
# that matches no block fails, so none outlives the text it was for.
#
# Prints "ok N - FILE:LINE", "not ok N - FILE:LINE" (with psql's output),
# "# skip FILE:LINE - REASON" per block, and a last line
# "# N examples skipped"; exits non-zero on any failure.
#
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SETUP_DIR = os.path.join(ROOT, 'test', 'doc')
FENCE = re.compile(r'^\s*```')
MARKER = re.compile(r'^\s*<!--\s*doc-test:\s*(error|skip)\b\s*(.*?)\s*-->\s*$')
REWRITE = re.compile(r'^--\s*rewrite:\s*(.*?)\s*=>\s*(.*?)\s*$')
BLOCK_TIMEOUT = 120


class Block:
    """One ```sql block: where it is, its text, and its marker"""

    def __init__(self, path, line, text, mode, arg):
        self.path, self.line, self.text = path, line, text
        self.mode, self.arg = mode, arg

    def where(self):
        return '%s:%d' % (os.path.relpath(self.path, ROOT), self.line)


def blocks_of(path):
    """The ```sql blocks of a Markdown file, with the marker before each"""
    with open(path, encoding='utf-8') as f:
        lines = f.read().split('\n')
    found, i, previous = [], 0, ''
    while i < len(lines):
        line = lines[i]
        if FENCE.match(line):
            lang = line.strip()[3:].strip()
            start = i
            i += 1
            body = []
            while i < len(lines) and not FENCE.match(lines[i]):
                body.append(lines[i])
                i += 1
            if i == len(lines):
                raise SystemExit('%s:%d: a fence that is never closed' % (path, start + 1))
            if lang == 'sql':
                marker = MARKER.match(previous)
                mode, arg = (marker.group(1), marker.group(2)) if marker else ('run', '')
                found.append(Block(path, start + 1, '\n'.join(body) + '\n', mode, arg))
            previous = ''
        elif line.strip():
            previous = line
        i += 1
    return found


def setup_of(path):
    """The hidden setup file of a doc and its rewrites (None, [] if none)"""
    name = os.path.splitext(os.path.basename(path))[0]
    setup = os.path.join(SETUP_DIR, name + '.sql')
    if not os.path.exists(setup):
        return None, []
    rewrites = []
    with open(setup, encoding='utf-8') as f:
        for line in f:
            m = REWRITE.match(line)
            if m:
                rewrites.append((m.group(1), os.path.expandvars(m.group(2))))
    return setup, rewrites


def psql(database, text=None, file=None):
    """Runs SQL with psql, stopping at the first error: (status, output)"""
    args = ['psql', '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', database]
    args += ['-f', file] if file else ['-f', '-']
    try:
        r = subprocess.run(args, input=text, cwd=ROOT, capture_output=True,
                           text=True, timeout=BLOCK_TIMEOUT)
    except subprocess.TimeoutExpired:
        return 124, 'timed out after %d s' % BLOCK_TIMEOUT
    return r.returncode, r.stdout + r.stderr


class Tap:
    """TAP output: numbered ok / not ok lines, skips as comments"""

    def __init__(self):
        self.n = self.failed = self.skipped = 0

    def result(self, good, what, output=''):
        self.n += 1
        print('%s %d - %s' % ('ok' if good else 'not ok', self.n, what))
        if not good:
            self.failed += 1
            for line in output.rstrip('\n').split('\n')[-30:]:
                print('#   ' + line)

    def skip(self, what, reason):
        self.skipped += 1
        print('# skip %s - %s' % (what, reason or 'no reason given'))


def check_block(block, status, output):
    """Whether a block's psql status and output are what its marker wants"""
    if block.mode == 'run':
        return status == 0
    if status == 0 or 'ERROR:' not in output:
        return False
    wanted = block.arg.strip('"')
    return wanted == '' or wanted in output


def run_doc(path, tap):
    """Runs the blocks of one doc in a fresh database of its own"""
    blocks = blocks_of(path)
    setup, rewrites = setup_of(path)
    if not blocks and setup is None:
        return
    database = 'doc_' + re.sub(r'\W', '_', os.path.splitext(os.path.basename(path))[0].lower())
    psql('postgres', 'DROP DATABASE IF EXISTS %s WITH (FORCE);\nCREATE DATABASE %s;\n'
         % (database, database))
    if setup:
        status, output = psql(database, file=setup)
        tap.result(status == 0, '%s: hidden setup %s' % (os.path.relpath(path, ROOT),
                                                        os.path.relpath(setup, ROOT)), output)
    used = set()
    for block in blocks:
        if block.mode == 'skip':
            tap.skip(block.where(), block.arg)
            continue
        text = block.text
        for i, (old, new) in enumerate(rewrites):
            if old in text:
                used.add(i)
                text = text.replace(old, new)
        status, output = psql(database, text)
        tap.result(check_block(block, status, output),
                   block.where() + (' (an error, as documented)' if block.mode == 'error' else ''),
                   output)
    for i, (old, _) in enumerate(rewrites):
        if i not in used:
            tap.result(False, '%s: rewrite "%s" matches no example' % (os.path.relpath(path, ROOT), old))
    psql('postgres', 'DROP DATABASE IF EXISTS %s WITH (FORCE);\n' % database)


def main():
    os.chdir(ROOT)
    docs = sys.argv[1:] or ['README.md'] + sorted(
        os.path.join('doc', f) for f in os.listdir('doc') if f.endswith('.md'))
    tap = Tap()
    for doc in docs:
        run_doc(os.path.join(ROOT, doc), tap)
    print('# %d examples skipped (not run, not counted as passed)' % tap.skipped)
    print('1..%d' % tap.n)
    return 1 if tap.failed or tap.n == 0 else 0


if __name__ == '__main__':
    sys.exit(main())
