/*-------------------------------------------------------------------------
 *
 * s3_infer.h
 *	  Column types inferred from sampled text values, for federated_s3's
 *	  IMPORT FOREIGN SCHEMA.
 *
 * Pure C: no PostgreSQL header, so the C unit tests link s3_infer.c
 * directly.
 *
 * Each value is classified as the narrowest type whose input accepts it
 * (as PostgreSQL spells them), and a column's type is the merge of its
 * values': within the numbers integer < bigint < numeric (a float8 value
 * merged with an exact one gives numeric, which holds both exactly),
 * within the times date < timestamp < timestamptz; anything else mixed
 * is text.  Deliberately strict: an integer with a leading zero ("007",
 * a code) is text, and so is a number with blanks around it.
 *
 *-------------------------------------------------------------------------
 */
#ifndef S3_INFER_H
#define S3_INFER_H

#include <stddef.h>

/* The types a column may be given; S3_INFER_NONE: no value seen yet */
typedef enum S3InferType
{
	S3_INFER_NONE,
	S3_INFER_BOOLEAN,
	S3_INFER_INTEGER,
	S3_INFER_BIGINT,
	S3_INFER_NUMERIC,
	S3_INFER_FLOAT8,
	S3_INFER_DATE,
	S3_INFER_TIMESTAMP,
	S3_INFER_TIMESTAMPTZ,
	S3_INFER_JSONB,
	S3_INFER_TEXT
} S3InferType;

/* The narrowest type that accepts the len bytes of value */
extern S3InferType s3_infer_value(const char *value, size_t len);

/* The narrowest type that accepts the values of both a and b */
extern S3InferType s3_infer_merge(S3InferType a, S3InferType b);

/* The SQL name of a type (text for S3_INFER_NONE) */
extern const char *s3_infer_type_name(S3InferType type);

#endif							/* S3_INFER_H */
