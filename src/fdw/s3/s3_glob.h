/*-------------------------------------------------------------------------
 *
 * s3_glob.h
 *	  Key patterns of federated_s3 tables: matching object keys against a
 *	  glob, and reading hive-style partition values out of a key.
 *
 * Pure C: no PostgreSQL header and no allocation, so the C unit tests link
 * s3_glob.c directly.
 *
 * Glob syntax, matched against the whole key: '*' any run of characters
 * but '/', '**' any run including '/' (so "a/ ** /b" spans zero or more
 * directories), '?' one character but '/', "{x,y}" any one of the
 * comma-separated alternatives (which may hold wildcards, not braces),
 * and '\' makes the next character literal.
 *
 *-------------------------------------------------------------------------
 */
#ifndef S3_GLOB_H
#define S3_GLOB_H

#include <stdbool.h>
#include <stddef.h>

/* True when pattern holds a wildcard ('*', '?' or '{') outside an escape */
extern bool s3_glob_has_wildcard(const char *pattern);

/*
 * Length of the literal prefix of pattern: the part before its first
 * wildcard, cut back to the last '/' (for listing); an escape in that part
 * ends it too, so the prefix is always pattern's own bytes
 */
extern size_t s3_glob_literal_prefix(const char *pattern);

/* True when pattern is well formed: braces closed, not nested, no trailing '\' */
extern bool s3_glob_valid(const char *pattern);

/* True when key matches pattern as a whole */
extern bool s3_glob_match(const char *pattern, const char *key);

/*
 * Finds partition "name" among the directory segments of key (every
 * segment but the last) written as "name=value".  Returns the value's
 * start and sets *len, or returns NULL when key has no such segment.  The
 * value is as written (hive escapes, such as "%2F", are the caller's to
 * decode).
 */
extern const char *s3_partition_value(const char *key, const char *name,
									  size_t *len);

/*
 * Decodes hive's %XX escapes of len bytes of src into dst (at least len + 1
 * bytes); returns the decoded length.  A '%' not followed by two hex digits
 * stays as it is.
 */
extern size_t s3_partition_decode(const char *src, size_t len, char *dst);

#endif							/* S3_GLOB_H */
