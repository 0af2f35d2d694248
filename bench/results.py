#!/usr/bin/env python3
"""bench/results.py: writes one benchmark's section of bench/RESULTS.md.

Each benchmark owns the section under its "## " heading: the section is
replaced where it stands (up to the next "## " heading) or appended, and the
other sections are kept.  The file is written through a temporary file and
renamed, so a benchmark writing its section never leaves a half-written file
for another one to read.

    python3 bench/results.py RESULTS_MD SECTION_FILE

(the section's first line is its heading), or from Python
write_section(path, text, heading).
"""

import os
import re
import sys


def write_section(path, text, heading):
    """Replaces (or appends) the section under "heading" of RESULTS.md"""
    text = text.rstrip("\n")
    old = open(path).read() if os.path.exists(path) else "# Benchmark results\n\n"
    pattern = re.compile(r"^" + re.escape(heading) + r"\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(old):
        new = pattern.sub(lambda _m: text + "\n\n", old).rstrip("\n") + "\n"
    else:
        new = old.rstrip("\n") + "\n\n" + text + "\n"
    tmp = "%s.%d.tmp" % (path, os.getpid())
    with open(tmp, "w") as f:
        f.write(new)
    os.replace(tmp, path)


def main():
    path, section_file = sys.argv[1:3]
    text = open(section_file).read()
    heading = text.split("\n", 1)[0]
    if not heading.startswith("## "):
        sys.exit("results.py: %s does not start with a \"## \" heading" % section_file)
    write_section(path, text, heading)


if __name__ == "__main__":
    main()
