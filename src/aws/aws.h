/*-------------------------------------------------------------------------
 *
 * aws.h
 *	  The AWS plumbing shared by inference and the S3 wrapper: settings,
 *	  the credential chain, and an HTTP layer on libcurl that signs,
 *	  retries and runs several requests at once.
 *
 * Layers, top down: a caller (inference, aws_s3.c) resolves the region and
 * credentials (the chain of aws_credentials.c, or a user mapping's keys)
 * and hands them to each request with the service's profile
 * (aws_service.h); the transport (aws_http.c) signs, sends and retries as
 * the profile says, and never looks up credentials, a region or a service
 * rule itself.  aws_report.c turns a failed request into an ERROR.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PG_INFER_AWS_H
#define PG_INFER_AWS_H

#include "lib/stringinfo.h"
#include "nodes/pg_list.h"

#include "aws/aws_service.h"

/*--- in aws_config.c -------------------------------------------------------*/

/* Settings (GUCs pg_infer.*), defined by AwsInit */
extern int	aws_connect_timeout_ms;		/* pg_infer.connect_timeout */
extern int	aws_request_timeout_ms;		/* pg_infer.request_timeout */
extern int	aws_max_retries;			/* pg_infer.max_retries */
extern int	aws_max_in_flight;			/* pg_infer.max_in_flight */
extern int	aws_max_reply_size;			/* pg_infer.max_reply_size */
extern char *aws_region_setting;	/* pg_infer.aws_region */
extern char *aws_access_key_id_setting;	/* pg_infer.aws_access_key_id */
extern char *aws_secret_access_key_setting;	/* pg_infer.aws_secret_access_key */
extern char *aws_session_token_setting;	/* pg_infer.aws_session_token */
extern char *aws_profile_setting;	/* pg_infer.aws_profile */

extern void AwsInit(void);

/*--- in aws_credentials.c --------------------------------------------------*/

/* A set of credentials; session_token is NULL for long-term keys */
typedef struct AwsCredentials
{
	char	   *access_key_id;
	char	   *secret_access_key;
	char	   *session_token;
	char	   *source;			/* where they came from, for messages */
} AwsCredentials;

/*
 * Resolves credentials as the AWS SDKs do: superuser-only settings, then
 * AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, then the
 * shared credentials and config files with AWS_PROFILE, then ECS container
 * credentials, then EC2 IMDSv2.  Temporary credentials are cached and
 * refreshed before they expire.  Raises an ERROR naming what was tried
 * when nothing yields credentials.  The result lives in TopMemoryContext
 * and must not be freed by the caller.
 */
extern const AwsCredentials *AwsGetCredentials(void);

/* The region: setting, AWS_REGION, AWS_DEFAULT_REGION, then the profile */
extern const char *AwsGetRegion(void);

/*
 * Whether a region name has only lowercase letters, digits and '-': it
 * becomes part of a host name (s3.REGION.amazonaws.com), so nothing else
 * may reach a URL through it.
 */
extern bool AwsRegionIsValid(const char *region);

/* errdetail of an invalid region */
#define AWS_REGION_RULE "An AWS region name has only lowercase letters, digits and hyphens, as in \"us-east-1\"."

/*
 * Overwrites with '*' every occurrence in text of a credential this backend
 * holds (key id, secret, token) and of those in also (may be NULL), so
 * remote text can be shown safely.
 */
extern void AwsRedactCredentials(char *text, const AwsCredentials *also);

/*--- in aws_http.c ---------------------------------------------------------*/

/*
 * A reply sink: receives the body of a 2xx reply piece by piece as it
 * arrives, instead of it being kept in the request's response.  Runs inside
 * libcurl, so it must never raise an ERROR (nor allocate with palloc);
 * returns false to stop the transfer, which then fails with "the reply
 * sink refused the data".
 */
typedef bool (*AwsReplySink) (void *arg, const char *data, size_t len);

/*
 * A request body source: copies up to len bytes of the body from byte
 * offset into buf and returns how many (fewer only at the end of the
 * body).  Each attempt reads the body from offset 0 again, so a retry
 * sends it whole: a source reads like pread, from a buffer or a temporary
 * file.  Runs inside libcurl, so it must never raise an ERROR (nor
 * allocate with palloc); returns AWS_BODY_SOURCE_FAILED to stop the
 * transfer, which then fails, not retried, with "the body source failed".
 */
typedef size_t (*AwsBodySource) (void *arg, size_t offset, char *buf,
								 size_t len);

#define AWS_BODY_SOURCE_FAILED	((size_t) -1)

/* The most reply headers a request can ask to capture */
#define AWS_MAX_CAPTURED_HEADERS	4

/* One HTTP request and, once performed, its outcome */
typedef struct AwsHttpRequest
{
	/* set by the caller */
	const char *url;			/* full URL */
	const char *method;			/* "POST", "GET", ... */
	const AwsServiceProfile *service;	/* signing and error rules; NULL:
										 * unsigned, plain HTTP rules */
	List	   *headers;		/* "Name: value" strings, besides signing's */
	const char *body;
	size_t		body_len;
	void	   *private_data;	/* the caller's, untouched */

	/*
	 * Or, in place of body: a source the body_len bytes of the body are read
	 * from as they are sent (announced in Content-Length), so the caller
	 * need not hold them in one buffer.  A signed request with a source
	 * carries UNSIGNED-PAYLOAD: its service must accept it.
	 */
	AwsBodySource body_source;
	void	   *body_source_arg;

	/*
	 * The signing context: the request is signed when it has a service and
	 * credentials (the caller resolved them, see AwsGetCredentials), for
	 * region, which it then needs.  The credentials are also masked in any
	 * remote text shown.
	 */
	const char *region;
	const AwsCredentials *credentials;

	/*
	 * Optional, set by the caller: UNSIGNED-PAYLOAD in place of the body's
	 * hash (where the service allows it), a reply sink, and reply headers
	 * to capture.  A request whose sink has received data is not retried:
	 * the caller resumes it.
	 */
	bool		unsigned_payload;
	AwsReplySink sink;
	void	   *sink_arg;
	const char *capture[AWS_MAX_CAPTURED_HEADERS];	/* names, NULL-ended */

	/* set once AwsHttpWait has returned for it */
	long		status;			/* HTTP status of the last attempt; 0 if none */
	StringInfoData response;	/* body of the last attempt */
	char	   *content_type;	/* response Content-Type, or NULL */
	char	   *error_type;		/* x-amzn-ErrorType up to its ':', or NULL */
	char	   *transport_error;	/* curl's message when no reply came */
	char	   *transport_reason;	/* the same without host or URL */
	bool		reply_too_large;	/* stopped at pg_infer.max_reply_size */
	int			reply_class;	/* AWS_REPLY_* bits of a non-2xx reply */
	char	   *captured[AWS_MAX_CAPTURED_HEADERS];	/* values, or NULL */
	size_t		sunk;			/* body bytes given to the sink */
	int			attempts;		/* 1 + retries */
	size_t		bytes_sent;
	size_t		bytes_received;
	double		elapsed_ms;
} AwsHttpRequest;

/*
 * Performing requests: AwsHttpBegin opens a batch in the current memory
 * context, with at most max_in_flight requests on the wire at once and
 * connections reused; AwsHttpAdd starts a request without waiting;
 * AwsHttpWait waits for one request (or, with NULL, all) and forgets it;
 * AwsHttpEnd stops whatever is still under way.  If the batch's memory
 * goes first (an ERROR), its requests are stopped then, so a caller may
 * keep requests in flight while it does other work.
 *
 * Each request is signed (when it has a service and credentials) at
 * every attempt and retried with exponential backoff and jitter on
 * connection errors and on the replies its service's classifier calls
 * transient (throttling, 5xx, ...), up to pg_infer.max_retries times.  A
 * query cancel or
 * statement_timeout stops every transfer at once.  The caller checks
 * status 200 and reports failures (see AwsHttpReportFailure).
 */
typedef struct AwsHttpBatch AwsHttpBatch;

extern AwsHttpBatch *AwsHttpBegin(int max_in_flight);
extern void AwsHttpAdd(AwsHttpBatch *batch, AwsHttpRequest *request);
extern void AwsHttpWait(AwsHttpBatch *batch, AwsHttpRequest *request);
extern void AwsHttpEnd(AwsHttpBatch *batch);

/*
 * Moves the batch's transfers along once, waiting at most 100 ms for
 * network activity; true when request has its final outcome (AwsHttpWait
 * then returns at once).  For a caller that consumes a reply sink's data
 * between steps, so memory stays bounded by what one step receives.
 */
extern bool AwsHttpStep(AwsHttpBatch *batch, AwsHttpRequest *request);

/*
 * One unsigned request with its own short timeout and no retry, for the
 * instance and container metadata services.  Returns false with *error set
 * when no reply came; else the status and at most 64 kB of body.
 */
extern bool AwsHttpFetch(const char *method, const char *url, List *headers,
						 int timeout_ms, long *status, StringInfo body,
						 char **error);

/*
 * True when text holds a control character (below 0x20, or 0x7f): such a
 * value must never become an HTTP header or a part of a URL.
 */
extern bool AwsHasControlCharacter(const char *text);

/* A copy of text with every occurrence of url's userinfo password masked */
extern char *AwsMaskUrlPassword(const char *text, const char *url);

/*--- in aws_report.c -------------------------------------------------------*/

/*
 * Raises the ERROR for a failed request: names "what" (e.g. the endpoint),
 * the HTTP status and AWS error type, with the remote message in the
 * detail; never any credential.  Remote text is redacted before it is
 * clipped; a transport error names the host or URL to superusers only
 * (with any userinfo password masked).
 */
extern void AwsHttpReportFailure(const AwsHttpRequest *request,
								 const char *what);

/*
 * Remote text (len bytes) made safe to show: every credential this backend
 * holds and those of the request masked first (so clipping never leaves
 * the prefix of one), control characters blanked, cut at the first byte
 * invalid in the database encoding (non-ASCII bytes become '?' unless it
 * is UTF-8), clipped to limit bytes with "..." after.
 */
extern char *AwsSafeRemoteText(const char *text, size_t len, int limit,
							   const AwsCredentials *credentials);

#endif							/* PG_INFER_AWS_H */
