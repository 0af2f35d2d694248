/*-------------------------------------------------------------------------
 *
 * test_aws_profile.c
 *	  Unit tests of the AWS shared credentials/config file reader.
 *
 *-------------------------------------------------------------------------
 */
#include <string.h>

/*
 * The reader is compiled into this test under a private name, so the test
 * builds whether or not the Makefile links src/aws/aws_profile.c into the
 * unit tests (PURE_SRCS).  Once it does, these three lines can become
 * #include "aws/aws_profile.h".
 */
#define aws_profile_get unit_aws_profile_get
#include "aws/aws_profile.c"

#include "unit.h"

static const char credentials[] =
	"# a comment\n"
	"; another comment\n"
	"[default]\n"
	"aws_access_key_id=AKIDDEFAULT\n"
	"aws_secret_access_key = secret/default+key\n"
	"\n"
	"[work]\r\n"
	"  aws_access_key_id   =   AKIDWORK   \r\n"
	"aws_secret_access_key\t=\tworksecret # trailing comment\r\n"
	"aws_session_token = token;with;semicolons\r\n"
	"[profile dev]\n"
	"aws_access_key_id = AKIDPROFILEDEV\n"
	"[empty]\n"
	"region =\n";

static const char config[] =
	"[default]\n"
	"region = us-east-1\n"
	"s3 =\n"
	"  region = wrong-region\n"
	"  max_concurrent_requests = 20\n"
	"[profile dev]\n"
	"region=eu-west-1 ; comment\n"
	"AWS_ACCESS_KEY_ID = AKIDCONFIGDEV\n"
	"aws_secret_access_key = configsecret\n"
	"[dev]\n"
	"region = ap-south-1\n"
	"[sso-session corp]\n"
	"region = us-west-2\n"
	"[profile   spaced  ]\n"
	"region = ca-central-1\n"
	"[profile default]\n"
	"output = json\n"
	"[profile twice]\n"
	"region = first\n"
	"region = second\n";

/* Looks key up and returns the value in a static buffer, or NULL */
static const char *
Get(const char *text, const char *profile, int config_file, const char *key)
{
	static char out[256];
	int			n = aws_profile_get(text, strlen(text), profile,
									config_file, key, out, sizeof(out));

	return n < 0 ? NULL : out;
}

/* True when a equals b, NULLs included */
static int
Same(const char *a, const char *b)
{
	return (a == NULL || b == NULL) ? a == b : strcmp(a, b) == 0;
}

int
main(void)
{
	char		small[5];

	/* credentials file */
	CHECK(Same(Get(credentials, "default", 0, "aws_access_key_id"), "AKIDDEFAULT"),
		  "credentials: default key id");
	CHECK(Same(Get(credentials, "default", 0, "aws_secret_access_key"), "secret/default+key"),
		  "credentials: spaces around '=' dropped");
	CHECK(Same(Get(credentials, "default", 0, "aws_session_token"), NULL),
		  "credentials: missing key");
	CHECK(Same(Get(credentials, "work", 0, "aws_access_key_id"), "AKIDWORK"),
		  "credentials: CRLF and padding");
	CHECK(Same(Get(credentials, "work", 0, "aws_secret_access_key"), "worksecret"),
		  "credentials: tab separators, trailing comment");
	CHECK(Same(Get(credentials, "work", 0, "aws_session_token"), "token;with;semicolons"),
		  "credentials: ';' without a blank before it is data");
	CHECK(Same(Get(credentials, "dev", 0, "aws_access_key_id"), NULL),
		  "credentials: \"[profile dev]\" is not profile dev");
	CHECK(Same(Get(credentials, "profile dev", 0, "aws_access_key_id"), "AKIDPROFILEDEV"),
		  "credentials: section name taken verbatim");
	CHECK(Same(Get(credentials, "nosuch", 0, "aws_access_key_id"), NULL),
		  "credentials: missing profile");
	CHECK(Same(Get(credentials, "empty", 0, "region"), ""),
		  "credentials: empty value");

	/* config file */
	CHECK(Same(Get(config, "default", 1, "region"), "us-east-1"),
		  "config: [default]; sub-properties skipped");
	CHECK(Same(Get(config, "default", 1, "output"), "json"),
		  "config: [profile default] is default too");
	CHECK(Same(Get(config, "dev", 1, "region"), "eu-west-1"),
		  "config: [profile dev], comment after ';'");
	CHECK(Same(Get(config, "dev", 1, "aws_access_key_id"), "AKIDCONFIGDEV"),
		  "config: key names ignore case");
	CHECK(Same(Get(config, "corp", 1, "region"), NULL),
		  "config: [sso-session corp] is not a profile");
	CHECK(Same(Get(config, "spaced", 1, "region"), "ca-central-1"),
		  "config: blanks inside the brackets");
	CHECK(Same(Get(config, "twice", 1, "region"), "second"),
		  "config: the last value counts");
	CHECK(Same(Get(config, "nosuch", 1, "region"), NULL),
		  "config: missing profile");

	/* output buffer */
	CHECK(aws_profile_get(credentials, strlen(credentials), "default", 0,
						  "aws_access_key_id", small, sizeof(small)) == 11 &&
		  strcmp(small, "AKID") == 0,
		  "truncated value, full length returned");
	CHECK(aws_profile_get("", 0, "default", 0, "x", small, sizeof(small)) == -1,
		  "empty text");
	CHECK(aws_profile_get("[default]\nkey=v", 15, "default", 0, "key",
						  small, sizeof(small)) == 1 && strcmp(small, "v") == 0,
		  "no final newline");
	return unit_done();
}
