# Makefile for pg_infer (PGXS)
#
# make            build the extension
# make install    install it into the PostgreSQL found by pg_config
# make unit       build and run the C unit tests of the pure cores
# make server     build the model server, server/pg_infer_model_server
# make test       the whole suite on a throwaway cluster (see test/run.sh)
# make demo       the whole workflow on generated orders (see demo/demo.sh)
# make fuzz       libFuzzer targets of the pure cores, 20 s each (test/fuzz/)
# make test-memory  the regression suite under valgrind (test/memory.sh)

EXTENSION = pg_infer
EXTVERSION = $(shell sed -n "s/^default_version = '\(.*\)'/\1/p" pg_infer.control)
MODULE_big = pg_infer

SRCS = $(wildcard src/*.c src/*/*.c src/*/*/*.c)
OBJS = $(SRCS:.c=.o)
DATA = $(wildcard extension/pg_infer--*.sql)

# Each file in sql/ is a regression test; adding a test is adding a file.
REGRESS = $(sort $(patsubst sql/%.sql,%,$(wildcard sql/*.sql)))
REGRESS_OPTS = --inputdir=. --outputdir=test/results

# -Wextra less what PostgreSQL's own headers and conventions trip:
# unused-parameter (fmgr and callback signatures), missing-field-initializers
# (designated initializers of method tables), sign-compare (utils/array.h).
PG_CPPFLAGS = -I$(srcdir)/src $(shell xml2-config --cflags)
PG_CFLAGS = -Wall -Wextra -Werror -Wno-unused-parameter \
	-Wno-missing-field-initializers -Wno-sign-compare
# Debian's PGXS tracks no header dependencies: each object writes its own
# (-MMD) and they are included below, so a changed header rebuilds what
# includes it (and the JIT bitcode with it).
PG_CFLAGS += -MMD -MP
SHLIB_LINK = -lcurl -lcrypto -ljson-c -lxml2 -lz -lzstd -lm -lmariadb

# federated_mysql's files see libmariadb's headers; the rest of the
# extension does not (its my_global.h and PostgreSQL's headers disagree).
MARIADB_CFLAGS := $(shell mariadb_config --include 2>/dev/null)
src/fdw/mysql/%.o src/fdw/mysql/%.bc: override CPPFLAGS += $(MARIADB_CFLAGS)

# The pure cores: no PostgreSQL header, linked directly by unit tests and
# benchmarks.
PURE_SRCS = $(wildcard src/base/*.c src/rcf/rcf_utils.c src/rcf/rcf_sampler.c src/rcf/rcf_tree.c src/rcf/rcf_forest.c src/rcf/rcf_model.c src/rcf/rcf_json.c src/rcf/rcf_pool.c src/aws/sigv4.c src/aws/aws_service.c src/infer/codec_*.c src/fdw/s3/s3_glob.c)
# the detector (rcf_detector.c) and what it asks of the forest (rcf_expect.c)
PURE_SRCS += src/rcf/rcf_detector.c src/rcf/rcf_expect.c
# IMPORT FOREIGN SCHEMA's type inference (federated_s3)
PURE_SRCS += src/fdw/s3/s3_infer.c
UNIT_TESTS = $(patsubst %.c,%,$(wildcard test/unit/test_*.c))
# the forest's tests again with the plain C path of its SSE2 code, which must
# give the same bits (test_reference_bits)
UNIT_TESTS += test/unit/test_forest_plain
UNIT_CFLAGS = -O2 -g -std=gnu11 -Wall -Wextra -Werror -Isrc $(shell xml2-config --cflags)
# what the pure cores link: json-c (codecs), libcrypto (SigV4), libxml2 (S3 errors)
PURE_LIBS = -ljson-c -lcrypto -lxml2 -lm

# The model server (doc/model_server.md): a program of its own on the RCF
# core, the codecs and libmicrohttpd; never part of the extension's library.
SERVER = server/pg_infer_model_server
SERVER_SRCS = $(wildcard server/ms_*.c)
SERVER_PURE_SRCS = $(filter src/base/% src/rcf/% src/infer/%,$(PURE_SRCS))
SERVER_LIBS = -lmicrohttpd -ljson-c -lm -pthread

EXTRA_CLEAN = $(UNIT_TESTS) $(SERVER) bench/rcf_core_bench test/results $(OBJS:.o=.d)

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

-include $(OBJS:.o=.d)
$(OBJS:.o=.bc): %.bc: %.o

test/unit/%: test/unit/%.c test/unit/unit.h $(PURE_SRCS) $(wildcard src/*/*.h)
	$(CC) $(UNIT_CFLAGS) -o $@ $< $(PURE_SRCS) $(PURE_LIBS)

test/unit/test_forest_plain: test/unit/test_forest.c test/unit/unit.h $(PURE_SRCS) $(wildcard src/*/*.h)
	$(CC) $(UNIT_CFLAGS) -U__SSE2__ -o $@ $< $(PURE_SRCS) $(PURE_LIBS)

# the core's timing (bench/rcf_core_bench.c)
bench/rcf_core_bench: bench/rcf_core_bench.c bench/rcf_points.h $(PURE_SRCS) $(wildcard src/*/*.h)
	$(CC) $(UNIT_CFLAGS) -o $@ $< $(PURE_SRCS) $(PURE_LIBS)

# the unit test of the model server links its HTTP-free parts too
test/unit/test_model_server: test/unit/test_model_server.c test/unit/unit.h $(SERVER_SRCS) $(SERVER_PURE_SRCS) $(wildcard src/*/*.h) server/model_server.h
	$(CC) $(UNIT_CFLAGS) -Iserver -o $@ $< $(SERVER_SRCS) $(SERVER_PURE_SRCS) $(SERVER_LIBS)

$(SERVER): server/model_server.c $(SERVER_SRCS) server/model_server.h $(SERVER_PURE_SRCS) $(wildcard src/*/*.h)
	$(CC) $(UNIT_CFLAGS) -o $@ server/model_server.c $(SERVER_SRCS) $(SERVER_PURE_SRCS) $(SERVER_LIBS)

.PHONY: unit test demo server fuzz test-memory print-pure-srcs print-pure-libs
server: $(SERVER)

unit: $(UNIT_TESTS)
	@status=0; for t in $(UNIT_TESTS); do ./$$t || status=1; done; exit $$status

test:
	bash test/run.sh

demo:
	bash demo/demo.sh

fuzz:
	bash test/fuzz/run.sh

test-memory:
	bash test/memory.sh

print-pure-srcs:
	@echo $(PURE_SRCS)

print-pure-libs:
	@echo $(shell xml2-config --cflags) $(PURE_LIBS)
