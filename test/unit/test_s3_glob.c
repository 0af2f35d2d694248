/*-------------------------------------------------------------------------
 *
 * test_s3_glob.c
 *	  Unit tests of federated_s3's key globs and hive partition values.
 *
 *-------------------------------------------------------------------------
 */
#include <string.h>

#include "fdw/s3/s3_glob.h"

#include "unit.h"

/* Checks one pattern against one key */
static void
expect(const char *pattern, const char *key, bool want)
{
	CHECK(s3_glob_match(pattern, key) == want, "'%s' %s '%s'", pattern,
		  want ? "matches" : "does not match", key);
}

int
main(void)
{
	char		decoded[64];
	size_t		len;
	const char *v;

	expect("a/b.csv", "a/b.csv", true);
	expect("a/b.csv", "a/b.csvx", false);
	expect("a/*.csv", "a/x.csv", true);
	expect("a/*.csv", "a/.csv", true);
	expect("a/*.csv", "a/x/y.csv", false);
	expect("a/**.csv", "a/x/y.csv", true);
	expect("a/**/y.csv", "a/y.csv", true);
	expect("a/**/y.csv", "a/x/z/y.csv", true);
	expect("a/**/y.csv", "a/x/z/y.csvv", false);
	expect("a/20?" "?-0?.csv", "a/2024-01.csv", true);
	expect("a/20?" "?-0?.csv", "a/2024-10.csv", false);
	expect("a/?", "a//", false);
	expect("a/{x,y}.csv", "a/y.csv", true);
	expect("a/{x,y}.csv", "a/z.csv", false);
	expect("a/{2023-*,2024-0[}.csv", "a/2024-0[.csv", true);
	expect("a/{*.csv,*.tsv}", "a/q.tsv", true);
	expect("a/{,b}c", "a/c", true);
	expect("a/\\*.csv", "a/*.csv", true);
	expect("a/\\*.csv", "a/x.csv", false);
	expect("odd/a b+c=d%e \xc3\xa9.csv", "odd/a b+c=d%e \xc3\xa9.csv", true);
	expect("**", "any/thing/at/all", true);
	expect("*", "", true);

	CHECK(s3_glob_has_wildcard("a/*.csv"), "'*' is a wildcard");
	CHECK(!s3_glob_has_wildcard("a/\\*.csv"), "an escaped '*' is not");
	CHECK(!s3_glob_has_wildcard("a/b.csv"), "a plain key has none");
	CHECK(s3_glob_literal_prefix("data/2024/*.csv") == 10, "prefix up to the last '/' before '*'");
	CHECK(s3_glob_literal_prefix("data/x{a,b}/y") == 5, "prefix before a brace");
	CHECK(s3_glob_literal_prefix("*.csv") == 0, "no prefix");
	CHECK(s3_glob_valid("a/{x,y}/*"), "closed braces are valid");
	CHECK(!s3_glob_valid("a/{x,y"), "an open brace is not");
	CHECK(!s3_glob_valid("a/{x,{y}}"), "nested braces are not");
	CHECK(!s3_glob_valid("a\\"), "a trailing escape is not");

	v = s3_partition_value("t/year=2024/month=05/part.csv", "month", &len);
	CHECK(v && len == 2 && strncmp(v, "05", 2) == 0, "month=05 found");
	v = s3_partition_value("t/year=2024/month=05/part.csv", "year", &len);
	CHECK(v && len == 4 && strncmp(v, "2024", 4) == 0, "year=2024 found");
	CHECK(s3_partition_value("t/year=2024/day=5.csv", "day", &len) == NULL,
		  "the file name is not a partition");
	CHECK(s3_partition_value("t/years=2024/x", "year", &len) == NULL,
		  "a longer name does not match");
	v = s3_partition_value("t/k=/x", "k", &len);
	CHECK(v && len == 0, "an empty value is found");
	len = s3_partition_decode("a%2Fb%20c%zz%4", 14, decoded);
	CHECK(len == 10 && strcmp(decoded, "a/b c%zz%4") == 0, "hive escapes decoded: '%s'", decoded);
	return unit_done();
}
