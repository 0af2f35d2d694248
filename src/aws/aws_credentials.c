/*-------------------------------------------------------------------------
 *
 * aws_credentials.c
 *	  The AWS credential chain and region lookup, as the AWS SDKs do them.
 *
 * Credentials come from the first of: the superuser-only settings
 * pg_infer.aws_access_key_id / _secret_access_key / _session_token; the
 * server's environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
 * AWS_SESSION_TOKEN); the shared credentials and config files of the
 * server's OS user with the profile from pg_infer.aws_profile, AWS_PROFILE
 * or "default"; ECS container credentials (AWS_CONTAINER_CREDENTIALS_
 * RELATIVE_URI or _FULL_URI, with AWS_CONTAINER_AUTHORIZATION_TOKEN or
 * _TOKEN_FILE); EC2 instance metadata (IMDSv2; AWS_EC2_METADATA_DISABLED
 * and AWS_EC2_METADATA_SERVICE_ENDPOINT honoured).  Profiles that assume a
 * role, run a credential process or use SSO are not supported.
 *
 * One set is cached per backend in its own memory context under
 * TopMemoryContext.  The cheap sources (settings, environment, a stat()
 * of the files) are checked at every call, so a change there wins at once;
 * temporary credentials from the container or instance metadata are
 * fetched again when they are within five minutes of expiring.
 *
 * No credential value ever goes into a message: errors name the sources
 * tried, never what they held.
 *
 * IDENTIFICATION
 *	  src/aws/aws_credentials.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <pwd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "storage/fd.h"
#include "utils/memutils.h"

#include "aws/aws.h"
#include "aws/aws_profile.h"

/* Refresh temporary credentials this long before they expire */
#define REFRESH_MARGIN_SECS		300
/* Timeout of each request to the metadata services */
#define METADATA_TIMEOUT_MS		1000
/* After the instance metadata did not answer, leave it alone this long */
#define IMDS_RETRY_SECS			60
/* Larger shared files are refused */
#define MAX_PROFILE_FILE		(1024 * 1024)
/* Longest value read from a profile */
#define MAX_PROFILE_VALUE		4096

#define ECS_HOST				"http://169.254.170.2"
#define IMDS_HOST				"http://169.254.169.254"
#define IMDS_CREDENTIALS_PATH	"/latest/meta-data/iam/security-credentials/"

/* Where the cached credentials came from */
typedef enum CredSource
{
	CRED_NONE = 0,
	CRED_SETTINGS,
	CRED_ENVIRONMENT,
	CRED_FILES,
	CRED_CONTAINER,
	CRED_INSTANCE
} CredSource;

/* Identity of the two shared files and the profile, to notice changes */
typedef struct FileStamp
{
	char		text[MAXPGPATH * 2 + 256];
} FileStamp;

/*--- Private variables ---*/

static MemoryContext cred_context = NULL;	/* owns cred's strings */
static AwsCredentials cred;
static CredSource cred_source = CRED_NONE;
static time_t cred_expiration = 0;	/* 0: long-term credentials */
static FileStamp cred_stamp;		/* for CRED_FILES */
static time_t imds_failed_at = 0;	/* last time IMDS gave no reply */

static char region_buf[64];			/* region read from the config file */
static FileStamp region_stamp;

/*--- Small helpers ---*/

/* An environment variable, or NULL when unset or empty */
static const char *
GetEnv(const char *name)
{
	const char *value = getenv(name);

	return (value && value[0]) ? value : NULL;
}

/* A setting's value, or NULL when empty */
static const char *
GetSetting(const char *value)
{
	return (value && value[0]) ? value : NULL;
}

/* True when a and b are both NULL or equal strings */
static bool
SameString(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* True when the cache holds exactly these credentials from this source */
static bool
CacheHolds(CredSource source, const char *id, const char *secret,
		   const char *token)
{
	return cred_source == source &&
		SameString(cred.access_key_id, id) &&
		SameString(cred.secret_access_key, secret) &&
		SameString(cred.session_token, token);
}

/* Zeroes a string before its memory goes away */
static void
Wipe(char *s)
{
	if (s)
		explicit_bzero(s, strlen(s));
}

/* Replaces the cached credentials; token may be NULL */
static const AwsCredentials *
StoreCredentials(CredSource source, const char *id, const char *secret,
				 const char *token, const char *description,
				 time_t expiration)
{
	MemoryContext context;
	AwsCredentials fresh;

	context = AllocSetContextCreate(TopMemoryContext,
									"pg_infer AWS credentials",
									ALLOCSET_SMALL_SIZES);
	fresh.access_key_id = MemoryContextStrdup(context, id);
	fresh.secret_access_key = MemoryContextStrdup(context, secret);
	fresh.session_token = token ? MemoryContextStrdup(context, token) : NULL;
	fresh.source = MemoryContextStrdup(context, description);

	if (cred_context)
	{
		Wipe(cred.secret_access_key);
		Wipe(cred.session_token);
		MemoryContextDelete(cred_context);
	}
	cred_context = context;
	cred = fresh;
	cred_source = source;
	cred_expiration = expiration;
	return &cred;
}

/* True when the cached temporary credentials need no refresh yet */
static bool
CacheFresh(CredSource source)
{
	return cred_source == source &&
		(cred_expiration == 0 || time(NULL) < cred_expiration - REFRESH_MARGIN_SECS);
}

/* True when the cached credentials from source have not expired */
static bool
CacheUsable(CredSource source)
{
	return cred_source == source &&
		(cred_expiration == 0 || time(NULL) < cred_expiration);
}

/*--- Shared files ---*/

/* The home directory of the server's OS user */
static const char *
HomeDirectory(void)
{
	const char *home = GetEnv("HOME");
	struct passwd *pw;

	if (home)
		return home;
	pw = getpwuid(geteuid());
	return (pw && pw->pw_dir) ? pw->pw_dir : NULL;
}

/* A shared file's path from env_name or ~/.aws/default_name, ~ expanded */
static char *
SharedFilePath(const char *env_name, const char *default_name)
{
	const char *path = GetEnv(env_name);
	const char *home = HomeDirectory();

	if (path == NULL)
		return home ? psprintf("%s/.aws/%s", home, default_name) : NULL;
	if (path[0] == '~' && path[1] == '/' && home)
		return psprintf("%s%s", home, path + 1);
	return pstrdup(path);
}

/* The profile: the setting, AWS_PROFILE, then "default" */
static const char *
ProfileName(void)
{
	const char *profile = GetSetting(aws_profile_setting);

	if (profile == NULL)
		profile = GetEnv("AWS_PROFILE");
	return profile ? profile : "default";
}

/* Appends a file's identity (path, size, mtime) to a stamp */
static void
StampFile(FileStamp *stamp, const char *path)
{
	struct stat st;
	size_t		used = strlen(stamp->text);

	if (path && stat(path, &st) == 0)
		snprintf(stamp->text + used, sizeof(stamp->text) - used,
				 "%s:%lld:%lld.%09ld;", path, (long long) st.st_size,
				 (long long) st.st_mtim.tv_sec, (long) st.st_mtim.tv_nsec);
	else
		snprintf(stamp->text + used, sizeof(stamp->text) - used,
				 "%s:none;", path ? path : "");
}

/*
 * Reads a small file into a palloc'd buffer; NULL with *problem set when
 * it is missing, unreadable or too large.
 */
static char *
ReadSmallFile(const char *path, size_t *len, const char **problem)
{
	FILE	   *file;
	char	   *buf;

	*len = 0;
	if (path == NULL)
	{
		*problem = "no home directory";
		return NULL;
	}
	file = AllocateFile(path, "r");
	if (file == NULL)
	{
		*problem = (errno == ENOENT) ? "not found" : "not readable";
		return NULL;
	}
	buf = palloc(MAX_PROFILE_FILE + 1);
	*len = fread(buf, 1, MAX_PROFILE_FILE + 1, file);
	if (ferror(file) || *len > MAX_PROFILE_FILE)
	{
		*problem = ferror(file) ? "not readable" : "larger than 1 MB";
		FreeFile(file);
		pfree(buf);
		return NULL;
	}
	FreeFile(file);
	buf[*len] = '\0';
	return buf;
}

/* A key of the profile in a file's text, palloc'd; NULL when missing */
static char *
ProfileValue(const char *text, size_t len, const char *profile,
			 bool config_file, const char *key)
{
	char		value[MAX_PROFILE_VALUE];
	int			n;

	if (text == NULL)
		return NULL;
	n = aws_profile_get(text, len, profile, config_file, key,
						value, sizeof(value));
	if (n <= 0 || n >= (int) sizeof(value))
		return NULL;
	return pstrdup(value);
}

/*
 * Looks for keys in the profile of one shared file; true and the
 * credentials stored when both key id and secret are there.
 */
static bool
CredentialsFromFile(const char *path, bool config_file, const char *profile,
					StringInfo tried)
{
	const char *problem = NULL;
	size_t		len;
	char	   *text = ReadSmallFile(path, &len, &problem);
	char	   *id,
			   *secret,
			   *token;
	char	   *description;

	appendStringInfo(tried, "%s file \"%s\"",
					 config_file ? "shared config" : "shared credentials",
					 path ? path : "~/.aws");
	if (text == NULL)
	{
		appendStringInfo(tried, " (%s)", problem);
		return false;
	}
	id = ProfileValue(text, len, profile, config_file, "aws_access_key_id");
	secret = ProfileValue(text, len, profile, config_file, "aws_secret_access_key");
	token = ProfileValue(text, len, profile, config_file, "aws_session_token");
	if (id && secret)
	{
		description = psprintf("profile \"%s\" in \"%s\"", profile, path);
		StoreCredentials(CRED_FILES, id, secret, token, description, 0);
	}
	else if (ProfileValue(text, len, profile, config_file, "role_arn") ||
			 ProfileValue(text, len, profile, config_file, "credential_process") ||
			 ProfileValue(text, len, profile, config_file, "sso_session") ||
			 ProfileValue(text, len, profile, config_file, "sso_start_url"))
		appendStringInfoString(tried, " (the profile uses role_arn, credential_process or SSO, which pg_infer does not support)");
	else
		appendStringInfoString(tried, id || secret ?
							   " (key id or secret missing in the profile)" :
							   " (no keys for the profile)");
	if (token)
		Wipe(token);
	if (secret)
		Wipe(secret);
	explicit_bzero(text, len);
	pfree(text);
	return id && secret;
}

/* Credentials from the shared files, or NULL; notes what was tried */
static const AwsCredentials *
CredentialsFromFiles(StringInfo tried)
{
	const char *profile = ProfileName();
	char	   *cred_path = SharedFilePath("AWS_SHARED_CREDENTIALS_FILE", "credentials");
	char	   *config_path = SharedFilePath("AWS_CONFIG_FILE", "config");
	FileStamp	stamp;

	snprintf(stamp.text, sizeof(stamp.text), "%s;", profile);
	StampFile(&stamp, cred_path);
	StampFile(&stamp, config_path);
	if (cred_source == CRED_FILES && strcmp(stamp.text, cred_stamp.text) == 0)
		return &cred;

	appendStringInfoString(tried, "; ");
	if (CredentialsFromFile(cred_path, false, profile, tried))
	{
		cred_stamp = stamp;
		return &cred;
	}
	appendStringInfoString(tried, ", ");
	if (CredentialsFromFile(config_path, true, profile, tried))
	{
		cred_stamp = stamp;
		return &cred;
	}
	appendStringInfo(tried, ", profile \"%s\"", profile);
	return NULL;
}

/*--- Container and instance metadata ---*/

/* Parses "YYYY-MM-DDTHH:MM:SS..." (UTC) into a time_t; 0 if malformed */
static time_t
ParseIsoTime(const char *text)
{
	struct tm	tm;

	memset(&tm, 0, sizeof(tm));
	if (text == NULL ||
		sscanf(text, "%4d-%2d-%2dT%2d:%2d:%2d", &tm.tm_year, &tm.tm_mon,
			   &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6)
		return 0;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return timegm(&tm);
}

/* A string member of a JSON object, or NULL */
static const char *
JsonString(json_object *obj, const char *key)
{
	json_object *member;

	if (!json_object_object_get_ex(obj, key, &member) ||
		!json_object_is_type(member, json_type_string))
		return NULL;
	return json_object_get_string(member);
}

/*
 * Stores the credentials of a metadata service's JSON reply; false with
 * *problem set when the reply does not hold them.
 */
static bool
StoreJsonCredentials(CredSource source, const char *description,
					 const char *body, const char **problem)
{
	json_object *volatile root = json_tokener_parse(body);
	bool		ok = false;

	if (root == NULL || !json_object_is_type(root, json_type_object))
	{
		*problem = "the reply is not a JSON object";
		if (root)
			json_object_put(root);
		return false;
	}
	PG_TRY();
	{
		const char *id = JsonString(root, "AccessKeyId");
		const char *secret = JsonString(root, "SecretAccessKey");
		const char *token = JsonString(root, "Token");
		const char *code = JsonString(root, "Code");
		time_t		expiration = ParseIsoTime(JsonString(root, "Expiration"));

		if (code && strcmp(code, "Success") != 0)
			*problem = "the reply reports a failure";
		else if (id == NULL || secret == NULL)
			*problem = "the reply lacks AccessKeyId or SecretAccessKey";
		else
		{
			/* without an expiration, fetch them again in a quarter hour */
			if (expiration == 0)
				expiration = time(NULL) + REFRESH_MARGIN_SECS + 900;
			StoreCredentials(source, id, secret, token, description, expiration);
			ok = true;
		}
	}
	PG_FINALLY();
	{
		json_object_put(root);
	}
	PG_END_TRY();
	return ok;
}

/* The container authorization token from the environment, or NULL */
static char *
ContainerToken(void)
{
	const char *token = GetEnv("AWS_CONTAINER_AUTHORIZATION_TOKEN");
	const char *path = GetEnv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
	const char *problem;
	size_t		len;
	char	   *text;

	if (token)
		return pstrdup(token);
	if (path == NULL || (text = ReadSmallFile(path, &len, &problem)) == NULL)
		return NULL;
	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r' ||
					   text[len - 1] == ' '))
		text[--len] = '\0';
	return text;
}

/* Credentials from the ECS container endpoint, or NULL; notes what was tried */
static const AwsCredentials *
CredentialsFromContainer(StringInfo tried)
{
	const char *relative = GetEnv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
	const char *full = GetEnv("AWS_CONTAINER_CREDENTIALS_FULL_URI");
	char	   *url;
	char	   *token;
	List	   *headers = NIL;
	StringInfoData body;
	long		status;
	char	   *error = NULL;
	const char *problem = NULL;

	appendStringInfoString(tried, "; ECS container credentials");
	if (relative == NULL && full == NULL)
	{
		appendStringInfoString(tried, " (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI and AWS_CONTAINER_CREDENTIALS_FULL_URI not set)");
		return NULL;
	}
	if (CacheFresh(CRED_CONTAINER))
		return &cred;

	url = relative ? psprintf("%s%s", ECS_HOST, relative) : pstrdup(full);
	token = ContainerToken();
	if (token)
		headers = list_make1(psprintf("Authorization: %s", token));
	initStringInfo(&body);
	if (!AwsHttpFetch("GET", url, headers, METADATA_TIMEOUT_MS, &status,
					  &body, &error))
		appendStringInfo(tried, " (no reply: %s)", error);
	else if (status != 200)
		appendStringInfo(tried, " (HTTP %ld)", status);
	else if (StoreJsonCredentials(CRED_CONTAINER, "ECS container credentials",
								  body.data, &problem))
		return &cred;
	else
		appendStringInfo(tried, " (%s)", problem);
	/* the old ones still work until they expire */
	return CacheUsable(CRED_CONTAINER) ? &cred : NULL;
}

/* GETs one instance metadata path with the session token; NULL on failure */
static char *
InstanceGet(const char *base, const char *path, const char *token,
			StringInfo tried)
{
	StringInfoData body;
	long		status;
	char	   *error = NULL;
	List	   *headers = list_make1(psprintf("X-aws-ec2-metadata-token: %s", token));

	initStringInfo(&body);
	if (!AwsHttpFetch("GET", psprintf("%s%s", base, path), headers,
					  METADATA_TIMEOUT_MS, &status, &body, &error))
	{
		appendStringInfo(tried, " (no reply: %s)", error);
		return NULL;
	}
	if (status != 200)
	{
		appendStringInfo(tried, " (HTTP %ld for %s)", status, path);
		return NULL;
	}
	return body.data;
}

/* Credentials from EC2 instance metadata (IMDSv2), or NULL */
static const AwsCredentials *
CredentialsFromInstance(StringInfo tried)
{
	const char *disabled = GetEnv("AWS_EC2_METADATA_DISABLED");
	const char *base = GetEnv("AWS_EC2_METADATA_SERVICE_ENDPOINT");
	StringInfoData token;
	long		status;
	char	   *error = NULL;
	char	   *roles;
	char	   *reply;
	const char *problem = NULL;

	appendStringInfoString(tried, "; EC2 instance metadata");
	if (disabled && pg_strcasecmp(disabled, "true") == 0)
	{
		appendStringInfoString(tried, " (disabled by AWS_EC2_METADATA_DISABLED)");
		return NULL;
	}
	if (CacheFresh(CRED_INSTANCE))
		return &cred;
	if (imds_failed_at != 0 && time(NULL) < imds_failed_at + IMDS_RETRY_SECS)
	{
		appendStringInfoString(tried, " (failed less than a minute ago; not asked again yet)");
		return CacheUsable(CRED_INSTANCE) ? &cred : NULL;
	}
	if (base == NULL)
		base = IMDS_HOST;
	while (strlen(base) > 0 && base[strlen(base) - 1] == '/')
		base = pnstrdup(base, strlen(base) - 1);

	initStringInfo(&token);
	if (!AwsHttpFetch("PUT", psprintf("%s/latest/api/token", base),
					  list_make1("X-aws-ec2-metadata-token-ttl-seconds: 21600"),
					  METADATA_TIMEOUT_MS, &status, &token, &error))
	{
		imds_failed_at = time(NULL);
		appendStringInfo(tried, " (no reply: %s)", error);
	}
	else if (status != 200 || token.len == 0)
	{
		/* IMDSv2 refused (IMDSv1-only or a proxy in the way): leave it too */
		imds_failed_at = time(NULL);
		appendStringInfo(tried, " (HTTP %ld for the session token)", status);
	}
	else if ((roles = InstanceGet(base, IMDS_CREDENTIALS_PATH, token.data, tried)) != NULL)
	{
		char	   *nl = strpbrk(roles, "\r\n");

		if (nl)
			*nl = '\0';
		if (roles[0] == '\0')
			appendStringInfoString(tried, " (no IAM role attached to the instance)");
		else if ((reply = InstanceGet(base, psprintf("%s%s", IMDS_CREDENTIALS_PATH, roles),
									  token.data, tried)) != NULL)
		{
			if (StoreJsonCredentials(CRED_INSTANCE, "EC2 instance metadata",
									 reply, &problem))
				return &cred;
			appendStringInfo(tried, " (%s)", problem);
		}
	}
	return CacheUsable(CRED_INSTANCE) ? &cred : NULL;
}

/*--- Public functions ---*/

/* Resolves credentials through the chain; see aws.h */
const AwsCredentials *
AwsGetCredentials(void)
{
	const char *id = GetSetting(aws_access_key_id_setting);
	const char *secret = GetSetting(aws_secret_access_key_setting);
	const char *token = GetSetting(aws_session_token_setting);
	const AwsCredentials *found;
	StringInfoData tried;

	/* 1. the settings */
	if (id && secret)
	{
		if (CacheHolds(CRED_SETTINGS, id, secret, token))
			return &cred;
		return StoreCredentials(CRED_SETTINGS, id, secret, token,
								"pg_infer.aws_access_key_id setting", 0);
	}
	initStringInfo(&tried);
	appendStringInfoString(&tried, "settings pg_infer.aws_access_key_id and pg_infer.aws_secret_access_key");
	appendStringInfoString(&tried, id || secret ? " (only one of them set)" : " (not set)");

	/* 2. the environment */
	id = GetEnv("AWS_ACCESS_KEY_ID");
	secret = GetEnv("AWS_SECRET_ACCESS_KEY");
	token = GetEnv("AWS_SESSION_TOKEN");
	if (id && secret)
	{
		if (CacheHolds(CRED_ENVIRONMENT, id, secret, token))
			return &cred;
		return StoreCredentials(CRED_ENVIRONMENT, id, secret, token,
								"environment variables", 0);
	}
	appendStringInfoString(&tried, "; environment variables AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");
	appendStringInfoString(&tried, id || secret ? " (only one of them set)" : " (not set)");

	/* 3. the shared files, 4. the container, 5. the instance */
	if ((found = CredentialsFromFiles(&tried)) != NULL ||
		(found = CredentialsFromContainer(&tried)) != NULL ||
		(found = CredentialsFromInstance(&tried)) != NULL)
		return found;

	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("no AWS credentials found"),
			 errdetail("Tried: %s.", tried.data),
			 errhint("Set pg_infer.aws_access_key_id and pg_infer.aws_secret_access_key (as a superuser, e.g. with ALTER SYSTEM), or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment of the PostgreSQL server, or write a profile in ~/.aws/credentials of the server's operating system user.")));
	return NULL;				/* keep compiler quiet */
}

/* The region of the profile in the shared config file, or NULL */
static const char *
RegionFromProfile(void)
{
	const char *profile = ProfileName();
	char	   *path = SharedFilePath("AWS_CONFIG_FILE", "config");
	const char *problem;
	FileStamp	stamp;
	size_t		len;
	char	   *text;
	int			n;

	snprintf(stamp.text, sizeof(stamp.text), "%s;", profile);
	StampFile(&stamp, path);
	if (strcmp(stamp.text, region_stamp.text) == 0)
		return region_buf[0] ? region_buf : NULL;

	region_buf[0] = '\0';
	text = ReadSmallFile(path, &len, &problem);
	if (text)
	{
		n = aws_profile_get(text, len, profile, true, "region",
							region_buf, sizeof(region_buf));
		if (n < 0 || n >= (int) sizeof(region_buf))
			region_buf[0] = '\0';
		pfree(text);
	}
	region_stamp = stamp;
	return region_buf[0] ? region_buf : NULL;
}

/* The region: setting, AWS_REGION, AWS_DEFAULT_REGION, then the profile */
const char *
AwsGetRegion(void)
{
	const char *region = GetSetting(aws_region_setting);

	if (region == NULL)
		region = GetEnv("AWS_REGION");
	if (region == NULL)
		region = GetEnv("AWS_DEFAULT_REGION");
	if (region == NULL)
		region = RegionFromProfile();
	if (region == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("no AWS region configured"),
				 errdetail("Neither pg_infer.aws_region, AWS_REGION, AWS_DEFAULT_REGION nor the \"region\" of AWS profile \"%s\" is set.",
						   ProfileName()),
				 errhint("Set pg_infer.aws_region, e.g. SET pg_infer.aws_region = 'us-east-1'.")));
	return region;
}

/* Overwrites with '*' every occurrence of secret in text */
static void
MaskSecret(char *text, const char *secret)
{
	char	   *p;
	size_t		n;

	if (secret == NULL || (n = strlen(secret)) < 4)
		return;
	while ((p = strstr(text, secret)) != NULL)
		memset(p, '*', n);
}

/* Overwrites every cached credential, and those of also, found in text */
void
AwsRedactCredentials(char *text, const AwsCredentials *also)
{
	if (text == NULL)
		return;
	if (cred_source != CRED_NONE)
	{
		MaskSecret(text, cred.access_key_id);
		MaskSecret(text, cred.secret_access_key);
		MaskSecret(text, cred.session_token);
	}
	if (also)
	{
		MaskSecret(text, also->access_key_id);
		MaskSecret(text, also->secret_access_key);
		MaskSecret(text, also->session_token);
	}
}
