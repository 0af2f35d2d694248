/*-------------------------------------------------------------------------
 *
 * aws_config.c
 *	  The settings (GUCs) of the AWS plumbing: timeouts, retries, requests
 *	  in flight, the region, and superuser-only credentials.
 *
 * The library is loaded through shared_preload_libraries, so AwsInit runs
 * in the postmaster and every backend inherits the definitions.  The GUC
 * prefix is reserved by _PG_init once every part has defined its own.
 *
 * IDENTIFICATION
 *	  src/aws/aws_config.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <limits.h>

#include "utils/guc.h"

#include "aws/aws.h"

/* Largest reply kept in memory by default, and at most (MaxAllocSize) */
#define DEFAULT_MAX_REPLY_SIZE	(32 * 1024 * 1024)
#define MAX_REPLY_SIZE_LIMIT	(1024 * 1024 * 1024 - 1)

/*--- Settings ---*/

int			aws_connect_timeout_ms = 5000;
int			aws_request_timeout_ms = 60000;
int			aws_max_retries = 3;
int			aws_max_in_flight = 4;
int			aws_max_reply_size = DEFAULT_MAX_REPLY_SIZE;
char	   *aws_region_setting = NULL;
char	   *aws_access_key_id_setting = NULL;
char	   *aws_secret_access_key_setting = NULL;
char	   *aws_session_token_setting = NULL;
char	   *aws_profile_setting = NULL;

/*--- Private functions ---*/

/* Accepts an empty region or one of lowercase letters, digits and '-' */
static bool
CheckRegion(char **newval, void **extra, GucSource source)
{
	if (*newval == NULL || AwsRegionIsValid(*newval))
		return true;
	GUC_check_errdetail(AWS_REGION_RULE);
	return false;
}

/*
 * Accepts an empty value or one without control characters or blanks.
 * The message is set here, so that PostgreSQL's default one ("invalid
 * value for parameter ...: <value>"), which would echo the credential, is
 * never used.
 */
static bool
CheckCredential(char **newval, void **extra, GucSource source)
{
	const unsigned char *p;

	if (*newval == NULL)
		return true;
	for (p = (const unsigned char *) *newval; *p; p++)
	{
		if (*p <= ' ' || *p == 0x7f)
		{
			GUC_check_errmsg("invalid value for an AWS credential setting");
			GUC_check_errdetail("AWS credentials contain no blanks or control characters.");
			return false;
		}
	}
	return true;
}

/* Shows a secret setting as asterisks when set, never its value */
static const char *
ShowSecret(const char *value)
{
	return (value && value[0]) ? "********" : "";
}

/* SHOW hook of pg_infer.aws_secret_access_key */
static const char *
ShowSecretAccessKey(void)
{
	return ShowSecret(aws_secret_access_key_setting);
}

/* SHOW hook of pg_infer.aws_session_token */
static const char *
ShowSessionToken(void)
{
	return ShowSecret(aws_session_token_setting);
}

/* Defines the settings of the HTTP layer */
static void
DefineHttpSettings(void)
{
	DefineCustomIntVariable("pg_infer.connect_timeout",
							"Time allowed to connect to an AWS service or inference endpoint.",
							"Covers name resolution, TCP and TLS handshakes of each attempt.",
							&aws_connect_timeout_ms,
							5000, 1, INT_MAX,
							PGC_USERSET, GUC_UNIT_MS,
							NULL, NULL, NULL);
	DefineCustomIntVariable("pg_infer.request_timeout",
							"Time allowed for one attempt of a request to an AWS service or inference endpoint.",
							"Counts from the start of the attempt to the end of the reply; a timed out attempt is retried like a connection error. Zero means no limit.",
							&aws_request_timeout_ms,
							60000, 0, INT_MAX,
							PGC_USERSET, GUC_UNIT_MS,
							NULL, NULL, NULL);
	DefineCustomIntVariable("pg_infer.max_retries",
							"Retries of a request after throttling, a server error (5xx) or a connection error.",
							"Retries wait with exponential backoff and full jitter (100 ms base, 5 s cap). Other client errors (4xx) are not retried.",
							&aws_max_retries,
							3, 0, 20,
							PGC_USERSET, 0,
							NULL, NULL, NULL);
	DefineCustomIntVariable("pg_infer.max_in_flight",
							"Requests a query may have on the wire at once.",
							"Requests beyond this number wait for one in flight to finish.",
							&aws_max_in_flight,
							4, 1, 64,
							PGC_USERSET, 0,
							NULL, NULL, NULL);
	DefineCustomIntVariable("pg_infer.max_reply_size",
							"Largest reply body accepted from an AWS service or inference endpoint (superuser only).",
							"A larger reply is stopped while it is received, with an error. Each request in flight may hold this much memory.",
							&aws_max_reply_size,
							DEFAULT_MAX_REPLY_SIZE, 1024, MAX_REPLY_SIZE_LIMIT,
							PGC_SUSET, GUC_UNIT_BYTE,
							NULL, NULL, NULL);
}

/* Defines the region, profile and credential settings */
static void
DefineAwsSettings(void)
{
	DefineCustomStringVariable("pg_infer.aws_region",
							   "AWS region of SageMaker and S3 requests.",
							   "When empty, AWS_REGION, AWS_DEFAULT_REGION and then the region of the AWS profile are used.",
							   &aws_region_setting,
							   "",
							   PGC_USERSET, 0,
							   CheckRegion, NULL, NULL);
	DefineCustomStringVariable("pg_infer.aws_profile",
							   "AWS profile read from the shared credentials and config files of the server.",
							   "When empty, AWS_PROFILE and then \"default\" are used.",
							   &aws_profile_setting,
							   "",
							   PGC_SUSET, 0,
							   NULL, NULL, NULL);
	DefineCustomStringVariable("pg_infer.aws_access_key_id",
							   "AWS access key ID used to sign requests (superuser only).",
							   "Used together with pg_infer.aws_secret_access_key; when either is empty, the credential chain of the AWS SDKs is followed (environment, shared files, container, instance metadata).",
							   &aws_access_key_id_setting,
							   "",
							   PGC_SUSET, GUC_SUPERUSER_ONLY,
							   CheckCredential, NULL, NULL);
	DefineCustomStringVariable("pg_infer.aws_secret_access_key",
							   "AWS secret access key used to sign requests (superuser only; shown masked).",
							   "Used together with pg_infer.aws_access_key_id.",
							   &aws_secret_access_key_setting,
							   "",
							   PGC_SUSET, GUC_SUPERUSER_ONLY | GUC_NO_SHOW_ALL,
							   CheckCredential, NULL, ShowSecretAccessKey);
	DefineCustomStringVariable("pg_infer.aws_session_token",
							   "AWS session token of temporary credentials set in pg_infer.aws_access_key_id and pg_infer.aws_secret_access_key (superuser only; shown masked).",
							   "Leave empty for long-term access keys.",
							   &aws_session_token_setting,
							   "",
							   PGC_SUSET, GUC_SUPERUSER_ONLY | GUC_NO_SHOW_ALL,
							   CheckCredential, NULL, ShowSessionToken);
}

/*--- Public functions ---*/

/* Whether a region has only lowercase letters, digits and '-'; see aws.h */
bool
AwsRegionIsValid(const char *region)
{
	const char *p;

	for (p = region; *p; p++)
	{
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
			return false;
	}
	return true;
}

/* Defines the settings of the AWS plumbing; called from _PG_init */
void
AwsInit(void)
{
	DefineHttpSettings();
	DefineAwsSettings();
}
