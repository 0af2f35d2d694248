/*-------------------------------------------------------------------------
 *
 * fuzz_s3_infer.c
 *	  libFuzzer target: federated_s3's type inference for IMPORT FOREIGN
 *	  SCHEMA (src/fdw/s3/s3_infer.c), which classifies text values read
 *	  from objects, a remote party's bytes.
 *
 * The input, not NUL-terminated, is split at its first newline into two
 * values.  Each must classify as a known type with an SQL name, never
 * reading past its length; merging must give a known type, the same either
 * way round, and leave a type merged with itself unchanged.
 *
 *-------------------------------------------------------------------------
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fdw/s3/s3_infer.h"

/* Fails the run unless type is one of the enumeration's */
static void
check_known(S3InferType type)
{
	if (type < S3_INFER_NONE || type > S3_INFER_TEXT ||
		s3_infer_type_name(type) == NULL)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *) data;
	const char *newline = memchr(text, '\n', size);
	size_t		first = newline ? (size_t) (newline - text) : size;
	/* copies of exactly their length, so ASan sees any read past them */
	char	   *a = malloc(first ? first : 1);
	char	   *b = malloc(size - first ? size - first : 1);
	size_t		second = newline ? size - first - 1 : 0;
	S3InferType ta,
				tb,
				merged;

	memcpy(a, text, first);
	if (second)
		memcpy(b, newline + 1, second);
	ta = s3_infer_value(a, first);
	tb = s3_infer_value(b, second);
	check_known(ta);
	check_known(tb);
	merged = s3_infer_merge(ta, tb);
	check_known(merged);
	if (merged != s3_infer_merge(tb, ta) ||
		s3_infer_merge(ta, ta) != ta || s3_infer_merge(tb, tb) != tb)
		abort();
	free(a);
	free(b);
	return 0;
}
