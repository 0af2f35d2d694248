/*-------------------------------------------------------------------------
 *
 * test_s3_infer.c
 *	  Unit tests of the column types federated_s3's IMPORT FOREIGN SCHEMA
 *	  infers from sampled values.
 *
 *-------------------------------------------------------------------------
 */
#include <string.h>

#include "fdw/s3/s3_infer.h"

#include "unit.h"

/* Checks the type one value is given */
static void
expect(const char *value, S3InferType want)
{
	S3InferType got = s3_infer_value(value, strlen(value));

	CHECK(got == want, "'%s' is %s (got %s)", value, s3_infer_type_name(want),
		  s3_infer_type_name(got));
}

/* Checks the type two merged types give */
static void
expect_merge(S3InferType a, S3InferType b, S3InferType want)
{
	CHECK(s3_infer_merge(a, b) == want && s3_infer_merge(b, a) == want,
		  "%s with %s is %s", s3_infer_type_name(a), s3_infer_type_name(b),
		  s3_infer_type_name(want));
}

int
main(void)
{
	expect("true", S3_INFER_BOOLEAN);
	expect("FALSE", S3_INFER_BOOLEAN);
	expect("t", S3_INFER_BOOLEAN);
	expect("yes", S3_INFER_TEXT);
	expect("0", S3_INFER_INTEGER);
	expect("-12", S3_INFER_INTEGER);
	expect("+12", S3_INFER_INTEGER);
	expect("2147483647", S3_INFER_INTEGER);
	expect("2147483648", S3_INFER_BIGINT);
	expect("-2147483648", S3_INFER_INTEGER);
	expect("-2147483649", S3_INFER_BIGINT);
	expect("9223372036854775807", S3_INFER_BIGINT);
	expect("9223372036854775808", S3_INFER_NUMERIC);
	expect("-9223372036854775808", S3_INFER_BIGINT);
	expect("123456789012345678901234", S3_INFER_NUMERIC);
	expect("007", S3_INFER_TEXT);
	expect("10.50", S3_INFER_NUMERIC);
	expect(".5", S3_INFER_NUMERIC);
	expect("5.", S3_INFER_NUMERIC);
	expect("0.5", S3_INFER_NUMERIC);
	expect("1e20", S3_INFER_FLOAT8);
	expect("-2.5E-3", S3_INFER_FLOAT8);
	expect("NaN", S3_INFER_FLOAT8);
	expect("-Infinity", S3_INFER_FLOAT8);
	expect("1e", S3_INFER_TEXT);
	expect(".", S3_INFER_TEXT);
	expect("-", S3_INFER_TEXT);
	expect(" 1", S3_INFER_TEXT);
	expect("1 ", S3_INFER_TEXT);
	expect("1,5", S3_INFER_TEXT);
	expect("2024-02-29", S3_INFER_DATE);
	expect("2023-02-29", S3_INFER_TEXT);
	expect("2024-13-01", S3_INFER_TEXT);
	expect("2024-1-01", S3_INFER_TEXT);
	expect("2024-05-01 12:30", S3_INFER_TIMESTAMP);
	expect("2024-05-01T12:30:59.125", S3_INFER_TIMESTAMP);
	expect("2024-05-01T24:00:00", S3_INFER_TEXT);
	expect("2024-05-01T12:30:00Z", S3_INFER_TIMESTAMPTZ);
	expect("2024-05-01 12:30:00+02", S3_INFER_TIMESTAMPTZ);
	expect("2024-05-01 12:30:00-05:30", S3_INFER_TIMESTAMPTZ);
	expect("2024-05-01 12:30:00+0530", S3_INFER_TIMESTAMPTZ);
	expect("2024-05-01 12:30:00 junk", S3_INFER_TEXT);
	expect("{\"a\": [1, 2]}", S3_INFER_JSONB);
	expect("[1, 2]", S3_INFER_JSONB);
	expect("{\"a\": 1", S3_INFER_TEXT);
	expect("{\"a\": 1} x", S3_INFER_TEXT);
	expect("{not json}", S3_INFER_TEXT);
	expect("", S3_INFER_TEXT);
	expect("caf\xc3\xa9", S3_INFER_TEXT);

	expect_merge(S3_INFER_NONE, S3_INFER_DATE, S3_INFER_DATE);
	expect_merge(S3_INFER_INTEGER, S3_INFER_BIGINT, S3_INFER_BIGINT);
	expect_merge(S3_INFER_INTEGER, S3_INFER_NUMERIC, S3_INFER_NUMERIC);
	expect_merge(S3_INFER_INTEGER, S3_INFER_FLOAT8, S3_INFER_NUMERIC);
	expect_merge(S3_INFER_FLOAT8, S3_INFER_FLOAT8, S3_INFER_FLOAT8);
	expect_merge(S3_INFER_DATE, S3_INFER_TIMESTAMP, S3_INFER_TIMESTAMP);
	expect_merge(S3_INFER_TIMESTAMP, S3_INFER_TIMESTAMPTZ, S3_INFER_TIMESTAMPTZ);
	expect_merge(S3_INFER_INTEGER, S3_INFER_BOOLEAN, S3_INFER_TEXT);
	expect_merge(S3_INFER_DATE, S3_INFER_INTEGER, S3_INFER_TEXT);
	expect_merge(S3_INFER_JSONB, S3_INFER_TEXT, S3_INFER_TEXT);
	CHECK(strcmp(s3_infer_type_name(S3_INFER_NONE), "text") == 0,
		  "a column with no value is text");
	return unit_done();
}
