/*-------------------------------------------------------------------------
 *
 * aws_http.c
 *	  The HTTP layer on libcurl: signed requests, several in flight,
 *	  retries with backoff, timeouts, and query cancel.
 *
 * Each backend keeps one curl multi handle, whose connection cache lets
 * connections outlive a query, and a pool of easy handles, reset before
 * they are used again.  Several batches may be open at once (a call nested
 * in another's arguments, a subquery's batch scan): each transfer belongs
 * to one batch, and an attempt that finishes while another batch drives
 * the multi handle is credited to its own.  AwsHttpWait drives the multi handle itself,
 * waking at least every 100 ms to run CHECK_FOR_INTERRUPTS, and a progress
 * callback stops a transfer as soon as a cancel or a statement timeout is
 * pending.  On any ERROR every easy handle is taken out of the
 * multi handle (libcurl then closes a connection left mid-transfer) and
 * reset, so nothing leaks and the next query starts clean.
 *
 * The transport knows no service and no credential source: a request
 * brings its service profile (SigV4 name and options, the classifier that
 * says which failed replies are retried and which are throttling), its
 * region and its credentials, resolved by the caller.
 *
 * libcurl callbacks never raise an ERROR (a longjmp through libcurl would
 * corrupt it): the body is grown with allocations that return NULL on
 * failure, and headers are copied into fixed buffers.
 *
 * Nothing here logs or reports headers: the Authorization header and the
 * session token only ever go to libcurl.  Header lines and URLs with a
 * control character are refused (no header or request can be smuggled in);
 * remote text is shown only through aws_report.c, which redacts it.
 *
 * IDENTIFICATION
 *	  src/aws/aws_http.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <time.h>

#include <curl/curl.h>

#include "common/pg_prng.h"
#include "miscadmin.h"
#include "storage/latch.h"
#include "utils/memutils.h"
#include "utils/wait_event.h"

#include "aws/aws.h"
#include "aws/sigv4.h"

/* Longest wait before interrupts are checked again */
#define POLL_INTERVAL_MS		100
/* Exponential backoff with full jitter: base and cap */
#define BACKOFF_BASE_MS			100
#define BACKOFF_CAP_MS			5000
/* Easy handles kept for reuse, and connections kept open */
#define MAX_POOLED_HANDLES		64
#define MAX_CONNECTIONS			64
/* Most body bytes AwsHttpFetch keeps */
#define MAX_FETCH_BODY			(64 * 1024)
/* Room for one response header value we keep (longer ones are dropped) */
#define HEADER_VALUE_MAX		256

/* Where a request stands */
typedef enum TransferState
{
	XFER_WAITING,				/* due for an attempt at not_before */
	XFER_RUNNING,				/* in the multi handle */
	XFER_DONE					/* final outcome recorded */
} TransferState;

/* The working state of one request */
typedef struct Transfer
{
	AwsHttpRequest *request;
	AwsHttpBatch *owner;		/* the batch it belongs to; NULL for a fetch */
	TransferState state;
	CURL	   *easy;			/* while an attempt is prepared or running */
	bool		in_multi;		/* easy was added to the multi handle */
	struct curl_slist *headers; /* of the current attempt (malloc'd) */
	int64		not_before;		/* monotonic µs of the next attempt */
	int64		started;		/* monotonic µs of the first attempt */
	MemoryContext result_context;	/* where outcomes are allocated */
	size_t		max_body;		/* larger replies fail the attempt */
	const char *body_problem;	/* why a body callback gave up */
	size_t		body_offset;	/* next byte of a body source to send */

	/* the URL, parsed once */
	char	   *host_header;	/* "host" or "host:port" */
	char	   *path;
	char	   *query;			/* NULL when none */

	/* filled by the callbacks during an attempt */
	char		content_type[HEADER_VALUE_MAX];
	char		error_type[HEADER_VALUE_MAX];
	char		captured[AWS_MAX_CAPTURED_HEADERS][HEADER_VALUE_MAX];
	bool		has_captured[AWS_MAX_CAPTURED_HEADERS];
	char		errbuf[CURL_ERROR_SIZE];
} Transfer;

/*--- Private variables ---*/

static bool curl_ready = false;
static CURLM *multi = NULL;
static CURL *pool[MAX_POOLED_HANDLES];
static int	npooled = 0;

/*--- Handles ---*/

/* Initialises libcurl and the backend's multi handle on first use */
static void
EnsureCurl(void)
{
	if (!curl_ready)
	{
		if (curl_global_init(CURL_GLOBAL_ALL) != CURLE_OK)
			ereport(ERROR,
					(errcode(ERRCODE_INTERNAL_ERROR),
					 errmsg("could not initialize libcurl")));
		curl_ready = true;
	}
	if (multi == NULL)
	{
		multi = curl_multi_init();
		if (multi == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_OUT_OF_MEMORY),
					 errmsg("could not create a libcurl multi handle")));
		curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, (long) MAX_CONNECTIONS);
	}
}

/* An easy handle from the pool, or a new one */
static CURL *
TakeHandle(void)
{
	CURL	   *easy;

	if (npooled > 0)
		return pool[--npooled];
	easy = curl_easy_init();
	if (easy == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("could not create a libcurl handle")));
	return easy;
}

/* Resets an easy handle and puts it back in the pool */
static void
GiveBackHandle(CURL *easy)
{
	curl_easy_reset(easy);
	if (npooled < MAX_POOLED_HANDLES)
		pool[npooled++] = easy;
	else
		curl_easy_cleanup(easy);
}

/* Takes a transfer's handle out of the multi handle and frees its headers */
static void
ReleaseTransfer(Transfer *t)
{
	if (t->easy)
	{
		if (t->in_multi)
			curl_multi_remove_handle(multi, t->easy);
		GiveBackHandle(t->easy);
	}
	t->easy = NULL;
	t->in_multi = false;
	if (t->headers)
		curl_slist_free_all(t->headers);
	t->headers = NULL;
}

/*--- Callbacks (never raise an ERROR) ---*/

/* True when the reply of the running attempt has a 2xx status */
static bool
ReplySucceeded(Transfer *t)
{
	long		code = 0;

	curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &code);
	return code >= 200 && code < 300;
}

/*
 * Appends a piece of the body to the request's response, or hands it to
 * the request's sink when it has one and the reply is a success
 */
static size_t
WriteBody(char *data, size_t size, size_t nmemb, void *arg)
{
	Transfer   *t = (Transfer *) arg;
	StringInfo	buf = &t->request->response;
	size_t		n = size * nmemb;

	if (t->request->sink && ReplySucceeded(t))
	{
		if (!t->request->sink(t->request->sink_arg, data, n))
		{
			t->body_problem = "the reply sink refused the data";
			return 0;
		}
		t->request->sunk += n;
		return n;
	}

	if ((size_t) buf->len + n > t->max_body)
	{
		t->body_problem = "the reply is too large";
		t->request->reply_too_large = true;
		return 0;
	}
	if ((size_t) buf->len + n + 1 > (size_t) buf->maxlen)
	{
		size_t		newlen = Max((size_t) buf->maxlen * 2, (size_t) buf->len + n + 1);
		char	   *grown;

		newlen = Min(newlen, t->max_body + 1);
		grown = MemoryContextAllocExtended(t->result_context, newlen,
										   MCXT_ALLOC_NO_OOM);
		if (grown == NULL)
		{
			t->body_problem = "out of memory for the reply";
			return 0;
		}
		memcpy(grown, buf->data, buf->len + 1);
		pfree(buf->data);
		buf->data = grown;
		buf->maxlen = (int) newlen;
	}
	memcpy(buf->data + buf->len, data, n);
	buf->len += (int) n;
	buf->data[buf->len] = '\0';
	return n;
}

/*
 * Copies a header's trimmed value, up to the first ':' if cut_colon.  A
 * value that does not fit is dropped whole, never clipped: a clipped value
 * could show the prefix of a secret a hostile server reflected, which
 * redaction (matching whole secrets) would not recognise.
 */
static void
CopyHeaderValue(const char *value, size_t len, char *out, bool cut_colon)
{
	size_t		n = 0;

	while (len > 0 && (*value == ' ' || *value == '\t'))
		value++, len--;
	while (len > 0 && (value[len - 1] == '\r' || value[len - 1] == '\n' ||
					   value[len - 1] == ' ' || value[len - 1] == '\t'))
		len--;
	while (n < len && !(cut_colon && value[n] == ':'))
	{
		/* keep the value printable ASCII: it may end up in a message */
		unsigned char c = (unsigned char) value[n];

		if (n == HEADER_VALUE_MAX - 1)
		{
			n = 0;
			break;
		}
		out[n] = (c < ' ' || c >= 0x7f) ? '?' : (char) c;
		n++;
	}
	out[n] = '\0';
}

/* The value of a Content-Length header line, or -1 when it has none */
static int64
ContentLength(const char *value, size_t len)
{
	int64		result = 0;
	size_t		i = 0;

	while (i < len && (value[i] == ' ' || value[i] == '\t'))
		i++;
	if (i == len || value[i] < '0' || value[i] > '9')
		return -1;
	for (; i < len && value[i] >= '0' && value[i] <= '9'; i++)
	{
		if (result > PG_INT64_MAX / 10 - 10)
			return PG_INT64_MAX;
		result = result * 10 + (value[i] - '0');
	}
	return result;
}

/* True when the header line starts with name and a colon */
static bool
HeaderIs(const char *line, size_t len, const char *name, size_t *vstart)
{
	size_t		n = strlen(name);

	if (len <= n || line[n] != ':' || pg_strncasecmp(line, name, n) != 0)
		return false;
	*vstart = n + 1;
	return true;
}

/*
 * Keeps the response headers we need: Content-Type and x-amzn-ErrorType;
 * stops a reply whose announced Content-Length is over the limit before
 * any of its body is read.
 */
static size_t
ReadHeader(char *data, size_t size, size_t nitems, void *arg)
{
	Transfer   *t = (Transfer *) arg;
	size_t		n = size * nitems;
	size_t		v;

	/* a reply going to a sink is not held in memory: no limit */
	if (t->request->sink == NULL && HeaderIs(data, n, "content-length", &v) &&
		ContentLength(data + v, n - v) > (int64) t->max_body)
	{
		t->body_problem = "the reply is too large";
		t->request->reply_too_large = true;
		return 0;
	}

	if (n >= 5 && memcmp(data, "HTTP/", 5) == 0)
	{
		/* a new response (after a 100 Continue, say) starts afresh */
		t->content_type[0] = '\0';
		t->error_type[0] = '\0';
		memset(t->has_captured, 0, sizeof(t->has_captured));
	}
	else if (HeaderIs(data, n, "content-type", &v))
		CopyHeaderValue(data + v, n - v, t->content_type, false);
	else if (HeaderIs(data, n, "x-amzn-errortype", &v))
		CopyHeaderValue(data + v, n - v, t->error_type, true);
	else
	{
		const char *const *capture = t->request->capture;

		for (int i = 0; i < AWS_MAX_CAPTURED_HEADERS && capture[i]; i++)
			if (HeaderIs(data, n, capture[i], &v))
			{
				CopyHeaderValue(data + v, n - v, t->captured[i], false);
				t->has_captured[i] = true;
			}
	}
	return n;
}

/*
 * Hands libcurl the next piece of a request body read from its source; a
 * source that fails or ends early stops the transfer
 */
static size_t
ReadBody(char *buf, size_t size, size_t nitems, void *arg)
{
	Transfer   *t = (Transfer *) arg;
	const AwsHttpRequest *r = t->request;
	size_t		want = size * nitems;
	size_t		n;

	if (t->body_offset >= r->body_len)
		return 0;
	want = Min(want, r->body_len - t->body_offset);
	n = r->body_source(r->body_source_arg, t->body_offset, buf, want);
	if (n == AWS_BODY_SOURCE_FAILED || n > want || n == 0)
	{
		t->body_problem = "the body source failed";
		return CURL_READFUNC_ABORT;
	}
	t->body_offset += n;
	return n;
}

/* Moves a body source back when libcurl must send the body again */
static int
SeekBody(void *arg, curl_off_t offset, int origin)
{
	Transfer   *t = (Transfer *) arg;

	if (origin != SEEK_SET || offset < 0 ||
		(size_t) offset > t->request->body_len)
		return CURL_SEEKFUNC_CANTSEEK;
	t->body_offset = (size_t) offset;
	return CURL_SEEKFUNC_OK;
}

/* Stops the transfer when a cancel, statement timeout or termination is pending */
static int
CheckCancel(void *arg, curl_off_t dltotal, curl_off_t dlnow,
			curl_off_t ultotal, curl_off_t ulnow)
{
	return (QueryCancelPending || ProcDiePending) ? 1 : 0;
}

/*--- Preparing an attempt ---*/

/* Monotonic time in microseconds */
static int64
NowMicros(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Copies a libcurl string into palloc'd memory and frees it */
static char *
TakeCurlString(char *s)
{
	char	   *copy;
	size_t		len;

	if (s == NULL)
		return NULL;
	len = strlen(s);
	copy = palloc_extended(len + 1, MCXT_ALLOC_NO_OOM);
	if (copy)
		memcpy(copy, s, len + 1);
	curl_free(s);
	if (copy == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory")));
	return copy;
}

/*
 * The password of a URL's userinfo ("scheme://user:password@host"), or
 * NULL when it has none
 */
static char *
UrlPassword(const char *url)
{
	const char *start = strstr(url, "://");
	const char *end;
	const char *at = NULL;
	const char *colon;

	if (start == NULL)
		return NULL;
	start += 3;
	end = start + strcspn(start, "/?#");
	for (const char *p = start; p < end; p++)
		if (*p == '@')
			at = p;
	if (at == NULL || (colon = memchr(start, ':', at - start)) == NULL ||
		colon + 1 == at)
		return NULL;
	return pnstrdup(colon + 1, at - colon - 1);
}

/* A copy of text with every occurrence of the URL's password masked */
char *
AwsMaskUrlPassword(const char *text, const char *url)
{
	char	   *copy = pstrdup(text);
	char	   *password = UrlPassword(url);
	char	   *p;

	if (password == NULL)
		return copy;
	while ((p = strstr(copy, password)) != NULL)
		memset(p, '*', strlen(password));
	return copy;
}

/*
 * Raises the ERROR for a URL that cannot be used: superusers see it with
 * its password masked; others, who cannot set it, are told only that the
 * configured one is invalid.
 */
static void pg_attribute_noreturn()
ReportBadUrl(const char *url, const char *detail)
{
	if (superuser())
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid URL \"%s\"", AwsMaskUrlPassword(url, url)),
				 errdetail("%s", detail)));
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid URL of the configured endpoint"),
			 errdetail("%s", detail),
			 errhint("The URL is shown to superusers only; ask an administrator to check it.")));
}

/* Parses a request's URL into its Host header value, path and query */
static void
ParseUrl(Transfer *t, const char *url)
{
	CURLU	   *u = curl_url();
	char	   *scheme = NULL,
			   *host = NULL,
			   *port = NULL,
			   *path = NULL,
			   *query = NULL;
	bool		ok;

	if (u == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory")));
	if (AwsHasControlCharacter(url))
		ReportBadUrl(url, "A URL cannot hold control characters such as carriage return or line feed.");
	ok = curl_url_set(u, CURLUPART_URL, url, CURLU_PATH_AS_IS) == CURLUE_OK &&
		curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
		curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
		curl_url_get(u, CURLUPART_PATH, &path, 0) == CURLUE_OK;
	if (ok)
	{
		curl_url_get(u, CURLUPART_PORT, &port, 0);
		curl_url_get(u, CURLUPART_QUERY, &query, 0);
	}
	curl_url_cleanup(u);

	scheme = TakeCurlString(scheme);
	host = TakeCurlString(host);
	port = TakeCurlString(port);
	t->path = TakeCurlString(path);
	t->query = TakeCurlString(query);
	if (!ok || (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0))
		ReportBadUrl(url, "Only http and https URLs with a host are supported.");
	if (port && !((strcmp(scheme, "http") == 0 && strcmp(port, "80") == 0) ||
				  (strcmp(scheme, "https") == 0 && strcmp(port, "443") == 0)))
		t->host_header = psprintf("%s:%s", host, port);
	else
		t->host_header = host;
}

/*
 * Appends a header line to the attempt's list; a line with a control
 * character (a smuggled header or request) is refused, naming the header
 * but never its value.
 */
static void
AddHeader(Transfer *t, const char *line)
{
	struct curl_slist *list;

	if (AwsHasControlCharacter(line))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("HTTP header \"%.*s\" holds a control character",
						(int) Min(strcspn(line, ":\r\n"), 64), line),
				 errdetail("Values sent as HTTP headers cannot hold control characters such as carriage return or line feed.")));
	list = curl_slist_append(t->headers, line);

	if (list == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory")));
	t->headers = list;
}

/* True when the caller's headers include name */
static bool
HasHeader(List *headers, const char *name)
{
	ListCell   *lc;
	size_t		n = strlen(name);

	foreach(lc, headers)
	{
		const char *line = lfirst(lc);

		if (pg_strncasecmp(line, name, n) == 0 && line[n] == ':')
			return true;
	}
	return false;
}

/*
 * Signs the attempt with SigV4 at the current time, with the request's
 * credentials, region and service profile, and adds the headers the signer
 * asks for plus Authorization.
 */
static void
SignAttempt(Transfer *t)
{
	const AwsHttpRequest *r = t->request;
	const AwsCredentials *creds = r->credentials;
	SigV4Header *headers = palloc((list_length(r->headers) + 1) * sizeof(SigV4Header));
	int			nheaders = 0;
	char		timestamp[SIGV4_TIMESTAMP_LEN];
	SigV4Request req;
	SigV4Credentials sc;
	SigV4Scope	scope;
	SigV4Result result;
	SigV4Status status;
	ListCell   *lc;

	if (r->region == NULL)
		elog(ERROR, "a signed request needs a region");

	headers[nheaders].name = "host";
	headers[nheaders++].value = t->host_header;
	foreach(lc, r->headers)
	{
		const char *line = lfirst(lc);
		const char *colon = strchr(line, ':');
		const char *value = colon ? colon + 1 : NULL;

		while (value && (*value == ' ' || *value == '\t'))
			value++;
		/* "Name:" with no value tells libcurl to drop a header: not sent */
		if (value == NULL || *value == '\0')
			continue;
		headers[nheaders].name = pnstrdup(line, colon - line);
		headers[nheaders++].value = value;
	}
	if (!sigv4_format_time(time(NULL), timestamp))
		elog(ERROR, "could not format the current time for signing");

	memset(&req, 0, sizeof(req));
	req.method = r->method;
	req.path = t->path;
	req.query = t->query;
	req.headers = headers;
	req.nheaders = nheaders;
	req.body = (const unsigned char *) r->body;
	req.body_len = r->body_source ? 0 : r->body_len;
	if (r->unsigned_payload || r->body_source)
	{
		if (!r->service->unsigned_payload_ok)
			elog(ERROR, "service \"%s\" requires a signed payload",
				 r->service->signing_name);
		req.payload_hash = SIGV4_UNSIGNED_PAYLOAD;
	}
	sc.access_key_id = creds->access_key_id;
	sc.secret_access_key = creds->secret_access_key;
	sc.session_token = creds->session_token;
	scope.region = r->region;
	scope.service = r->service->signing_name;
	scope.timestamp = timestamp;

	memset(&result, 0, sizeof(result));
	status = sigv4_sign(&req, &sc, &scope, r->service->sign_options, &result);
	PG_TRY();
	{
		if (status != SIGV4_OK)
			ereport(ERROR,
					(errcode(ERRCODE_INTERNAL_ERROR),
					 errmsg("could not sign the request to %s: %s",
							t->host_header, sigv4_strerror(status))));
		for (int i = 0; i < result.nadd_headers; i++)
			AddHeader(t, psprintf("%s: %s", result.add_headers[i].name,
								  result.add_headers[i].value));
		AddHeader(t, psprintf("Authorization: %s", result.authorization));
	}
	PG_FINALLY();
	{
		sigv4_result_free(&result);
	}
	PG_END_TRY();
}

/* Builds the header list of an attempt: Host, the caller's, signing's */
static void
BuildHeaders(Transfer *t)
{
	const AwsHttpRequest *r = t->request;
	ListCell   *lc;

	AddHeader(t, psprintf("Host: %s", t->host_header));
	foreach(lc, r->headers)
		AddHeader(t, (const char *) lfirst(lc));
	/* no "Expect: 100-continue" round trip before a body */
	AddHeader(t, "Expect:");
	/* no libcurl default "application/x-www-form-urlencoded" */
	if (!HasHeader(r->headers, "Content-Type"))
		AddHeader(t, "Content-Type:");
	if (r->service && r->credentials)
		SignAttempt(t);
}

/* Sets the method and body of an attempt */
static void
SetMethod(Transfer *t)
{
	CURL	   *easy = t->easy;
	const AwsHttpRequest *r = t->request;

	if (strcmp(r->method, "GET") == 0 && r->body_len == 0)
		curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
	else if (strcmp(r->method, "HEAD") == 0)
		curl_easy_setopt(easy, CURLOPT_NOBODY, 1L);
	else if (r->body_source)
	{
		/* an upload: PUT, or the method named */
		curl_easy_setopt(easy, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(easy, CURLOPT_INFILESIZE_LARGE, (curl_off_t) r->body_len);
		curl_easy_setopt(easy, CURLOPT_READFUNCTION, ReadBody);
		curl_easy_setopt(easy, CURLOPT_READDATA, t);
		curl_easy_setopt(easy, CURLOPT_SEEKFUNCTION, SeekBody);
		curl_easy_setopt(easy, CURLOPT_SEEKDATA, t);
		if (strcmp(r->method, "PUT") != 0)
			curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, r->method);
	}
	else
	{
		if (strcmp(r->method, "POST") != 0)
			curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, r->method);
		curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) r->body_len);
		curl_easy_setopt(easy, CURLOPT_POSTFIELDS, r->body ? r->body : "");
	}
}

/*
 * Takes a handle and readies it for one attempt: headers (signed when the
 * request has a service and credentials), timeouts, callbacks.  Resets the
 * outcome of the previous attempt.
 */
static void
PrepareAttempt(Transfer *t, long connect_ms, long total_ms)
{
	AwsHttpRequest *r = t->request;
	CURL	   *easy;

	r->attempts++;
	r->status = 0;
	r->content_type = NULL;
	r->error_type = NULL;
	r->transport_error = NULL;
	r->transport_reason = NULL;
	r->reply_too_large = false;
	r->reply_class = 0;
	resetStringInfo(&r->response);
	t->content_type[0] = '\0';
	t->error_type[0] = '\0';
	memset(t->has_captured, 0, sizeof(t->has_captured));
	memset(r->captured, 0, sizeof(r->captured));
	t->errbuf[0] = '\0';
	t->body_problem = NULL;
	t->body_offset = 0;
	if (t->started == 0)
		t->started = NowMicros();

	t->easy = easy = TakeHandle();
	BuildHeaders(t);

	curl_easy_setopt(easy, CURLOPT_URL, r->url);
	curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(easy, CURLOPT_PATH_AS_IS, 1L);
	curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(easy, CURLOPT_TCP_NODELAY, 1L);
	curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
	curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, total_ms);
	curl_easy_setopt(easy, CURLOPT_USERAGENT, "pg_infer");
	curl_easy_setopt(easy, CURLOPT_HTTPHEADER, t->headers);
	curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, t->errbuf);
	curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, WriteBody);
	curl_easy_setopt(easy, CURLOPT_WRITEDATA, t);
	curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, ReadHeader);
	curl_easy_setopt(easy, CURLOPT_HEADERDATA, t);
	curl_easy_setopt(easy, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(easy, CURLOPT_XFERINFOFUNCTION, CheckCancel);
	curl_easy_setopt(easy, CURLOPT_PRIVATE, t);
	SetMethod(t);
}

/* Records the outcome of an attempt that ended with rc */
static void
RecordOutcome(Transfer *t, CURLcode rc)
{
	AwsHttpRequest *r = t->request;
	long		code = 0;
	long		header_out = 0,
				header_in = 0;
	curl_off_t	body_out = 0,
				body_in = 0;

	curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_getinfo(t->easy, CURLINFO_REQUEST_SIZE, &header_out);
	curl_easy_getinfo(t->easy, CURLINFO_HEADER_SIZE, &header_in);
	curl_easy_getinfo(t->easy, CURLINFO_SIZE_UPLOAD_T, &body_out);
	curl_easy_getinfo(t->easy, CURLINFO_SIZE_DOWNLOAD_T, &body_in);
	r->bytes_sent += header_out + body_out;
	r->bytes_received += header_in + body_in;

	/* a reply cut short counts as no reply */
	r->status = (rc == CURLE_OK) ? code : 0;
	if (t->content_type[0])
		r->content_type = MemoryContextStrdup(t->result_context, t->content_type);
	if (t->error_type[0])
		r->error_type = MemoryContextStrdup(t->result_context, t->error_type);
	for (int i = 0; i < AWS_MAX_CAPTURED_HEADERS; i++)
		if (t->has_captured[i])
			r->captured[i] = MemoryContextStrdup(t->result_context, t->captured[i]);
	if (rc != CURLE_OK)
	{
		const char *reason = t->body_problem ? t->body_problem :
			rc == CURLE_ABORTED_BY_CALLBACK ? "canceled" : curl_easy_strerror(rc);

		/* curl's own message may name the host; its strerror does not */
		r->transport_reason = MemoryContextStrdup(t->result_context, reason);
		r->transport_error =
			MemoryContextStrdup(t->result_context,
								t->body_problem == NULL && t->errbuf[0] ?
								t->errbuf : reason);
	}
	r->elapsed_ms = (NowMicros() - t->started) / 1000.0;
}

/*--- Retries ---*/

/*
 * True for transport errors worth another attempt: no connection, a
 * connection lost or closed without a reply, and timeouts.  A request
 * timeout (pg_infer.request_timeout) is retried too, as the AWS SDKs retry
 * socket timeouts: a stalled connection is often just one bad host.
 * Cancels, bad URLs, TLS verification failures and oversized replies are
 * final.
 */
static bool
RetryableTransportError(CURLcode rc)
{
	switch (rc)
	{
		case CURLE_COULDNT_RESOLVE_HOST:
		case CURLE_COULDNT_CONNECT:
		case CURLE_OPERATION_TIMEDOUT:
		case CURLE_SEND_ERROR:
		case CURLE_RECV_ERROR:
		case CURLE_GOT_NOTHING:
		case CURLE_PARTIAL_FILE:
		case CURLE_SSL_CONNECT_ERROR:
		case CURLE_HTTP2:
		case CURLE_HTTP2_STREAM:
			return true;
		default:
			return false;
	}
}

/*
 * Classifies an HTTP reply that is not a 2xx with the rules of the
 * request's service (aws_service.h), or the plain HTTP ones
 */
static int
ClassifyReply(const AwsHttpRequest *r)
{
	if (r->status >= 200 && r->status < 300)
		return 0;
	if (r->service == NULL)
		return aws_classify_http(r->status);
	return r->service->classify(r->status, r->error_type, r->response.data,
								(size_t) r->response.len);
}

/* Full-jitter backoff before attempt number attempts + 1, in µs */
static int64
BackoffMicros(int attempts)
{
	int64		ceiling = BACKOFF_CAP_MS;

	if (attempts < 16)
		ceiling = Min((int64) BACKOFF_BASE_MS << (attempts - 1), BACKOFF_CAP_MS);
	return (int64) (pg_prng_double(&pg_global_prng_state) * ceiling * 1000.0);
}

/* Ends an attempt: records it, frees its handle, schedules a retry or ends */
static void
FinishAttempt(Transfer *t, CURLcode rc)
{
	AwsHttpRequest *r = t->request;
	bool		retry;

	RecordOutcome(t, rc);
	ReleaseTransfer(t);
	if (r->status != 0)
		r->reply_class = ClassifyReply(r);
	if (r->sunk > 0)
		retry = false;			/* the sink has part of it: caller resumes */
	else if (rc != CURLE_OK)
		retry = t->body_problem == NULL && RetryableTransportError(rc);
	else
		retry = (r->reply_class & AWS_REPLY_RETRY) != 0;
	if (retry && r->attempts <= aws_max_retries)
	{
		t->state = XFER_WAITING;
		t->not_before = NowMicros() + BackoffMicros(r->attempts);
	}
	else
		t->state = XFER_DONE;
}

/*--- The loop ---*/

/* A set of requests in progress; see aws.h */
struct AwsHttpBatch
{
	MemoryContext context;		/* the batch and its transfers */
	Transfer  **transfers;
	int			ntransfers;
	int			capacity;
	int			ndone;			/* transfers with their final outcome */
	int			in_flight;		/* transfers in the multi handle */
	int			max_in_flight;
	MemoryContextCallback release;
};

/* Starts the waiting requests that are due while there is room */
static void
StartDue(AwsHttpBatch *batch)
{
	int64		now = NowMicros();

	for (int i = 0; i < batch->ntransfers &&
		 batch->in_flight < batch->max_in_flight; i++)
	{
		Transfer   *t = batch->transfers[i];
		CURLMcode	mc;

		if (t->state != XFER_WAITING || t->not_before > now)
			continue;
		PrepareAttempt(t, aws_connect_timeout_ms, aws_request_timeout_ms);
		mc = curl_multi_add_handle(multi, t->easy);
		if (mc != CURLM_OK)
			ereport(ERROR,
					(errcode(ERRCODE_INTERNAL_ERROR),
					 errmsg("could not start an HTTP request: %s",
							curl_multi_strerror(mc))));
		t->in_multi = true;
		t->state = XFER_RUNNING;
		batch->in_flight++;
	}
}

/* Milliseconds until the next waiting request is due, at most the poll interval */
static long
WaitTime(AwsHttpBatch *batch)
{
	int64		now = NowMicros();
	int64		wait = POLL_INTERVAL_MS * 1000;

	if (batch->in_flight >= batch->max_in_flight)
		return POLL_INTERVAL_MS;
	for (int i = 0; i < batch->ntransfers; i++)
		if (batch->transfers[i]->state == XFER_WAITING)
			wait = Min(wait, Max(batch->transfers[i]->not_before - now, 0));
	return (long) ((wait + 999) / 1000);
}

/*
 * Moves every transfer along without waiting: starts what is due, lets
 * libcurl send and receive, and records finished attempts.  Returns how
 * many attempts finished.
 */
static int
Pump(AwsHttpBatch *batch)
{
	int			running;
	int			finished = 0;
	CURLMsg    *msg;
	CURLMcode	mc;

	StartDue(batch);
	if (batch->in_flight == 0)
		return 0;
	mc = curl_multi_perform(multi, &running);
	if (mc != CURLM_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INTERNAL_ERROR),
				 errmsg("HTTP transfer failed: %s", curl_multi_strerror(mc))));
	while ((msg = curl_multi_info_read(multi, &running)) != NULL)
	{
		Transfer   *t;

		if (msg->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **) &t);
		FinishAttempt(t, msg->data.result);
		/* the multi handle is shared: the transfer may be another batch's */
		t->owner->in_flight--;
		finished++;
		if (t->state == XFER_DONE)
			t->owner->ndone++;
	}
	return finished;
}

/* Whether the wait for a transfer (or, with NULL, for all) is over */
static bool
WaitOver(AwsHttpBatch *batch, Transfer *target)
{
	if (target != NULL)
		return target->state == XFER_DONE;
	return batch->ndone == batch->ntransfers;
}

/* Sleeps until the network or the next due retry needs attention */
static void
WaitForActivity(AwsHttpBatch *batch)
{
	long		wait = WaitTime(batch);

	if (batch->in_flight > 0)
		curl_multi_poll(multi, NULL, 0, (int) wait, NULL);
	else if (wait > 0)
	{
		(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 wait, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
	}
}

/* Runs transfers until the target (NULL: every one) has its final outcome */
static void
Drive(AwsHttpBatch *batch, Transfer *target)
{
	for (;;)
	{
		int			finished = Pump(batch);

		/*
		 * A cancel stops transfers through CheckCancel; raise it here, before
		 * a transfer it stopped is taken for a failed request.
		 */
		CHECK_FOR_INTERRUPTS();
		if (WaitOver(batch, target))
			break;
		if (finished > 0)
			continue;			/* room for another at once */
		WaitForActivity(batch);
	}
}

/*
 * Takes every handle of the batch out of the multi handle.  Runs when the
 * batch's memory goes (AwsHttpEnd, or an ERROR's cleanup), so an aborted
 * query leaves no transfer behind; never raises an ERROR.
 */
static void
ReleaseBatch(void *arg)
{
	AwsHttpBatch *batch = (AwsHttpBatch *) arg;

	for (int i = 0; i < batch->ntransfers; i++)
		ReleaseTransfer(batch->transfers[i]);
	batch->in_flight = 0;
}

/* Readies a request's outcome fields, allocated in context */
static void
ResetOutcome(AwsHttpRequest *r, MemoryContext context)
{
	MemoryContext old = MemoryContextSwitchTo(context);

	initStringInfo(&r->response);
	MemoryContextSwitchTo(old);
	r->status = 0;
	r->content_type = NULL;
	r->error_type = NULL;
	r->transport_error = NULL;
	r->transport_reason = NULL;
	r->reply_too_large = false;
	r->reply_class = 0;
	r->attempts = 0;
	r->sunk = 0;
	r->bytes_sent = 0;
	r->bytes_received = 0;
	r->elapsed_ms = 0;
}

/*--- Public functions ---*/

/* Opens a set of requests, allocated in the current memory context */
AwsHttpBatch *
AwsHttpBegin(int max_in_flight)
{
	MemoryContext context;
	AwsHttpBatch *batch;

	EnsureCurl();
	if (max_in_flight <= 0)
		max_in_flight = aws_max_in_flight;
	context = AllocSetContextCreate(CurrentMemoryContext,
									"pg_infer HTTP requests",
									ALLOCSET_DEFAULT_SIZES);
	batch = MemoryContextAllocZero(context, sizeof(AwsHttpBatch));
	batch->context = context;
	batch->max_in_flight = Min(Max(max_in_flight, 1), 64);
	batch->capacity = 8;
	batch->transfers = MemoryContextAlloc(context,
										  sizeof(Transfer *) * batch->capacity);
	batch->release.func = ReleaseBatch;
	batch->release.arg = batch;
	MemoryContextRegisterResetCallback(context, &batch->release);
	return batch;
}

/*
 * Adds a request and starts it if there is room; the outcome is allocated
 * in the current memory context.  Returns without waiting.
 */
void
AwsHttpAdd(AwsHttpBatch *batch, AwsHttpRequest *request)
{
	MemoryContext caller = CurrentMemoryContext;
	Transfer   *t;

	if (batch->ntransfers == batch->capacity)
	{
		batch->capacity *= 2;
		batch->transfers = repalloc(batch->transfers,
									sizeof(Transfer *) * batch->capacity);
	}
	t = MemoryContextAllocZero(batch->context, sizeof(Transfer));
	t->request = request;
	t->owner = batch;
	t->state = XFER_WAITING;
	t->result_context = caller;
	t->max_body = (size_t) aws_max_reply_size;
	ResetOutcome(request, caller);
	MemoryContextSwitchTo(batch->context);
	ParseUrl(t, request->url);
	MemoryContextSwitchTo(caller);
	batch->transfers[batch->ntransfers++] = t;
	(void) Pump(batch);
}

/* Drops a finished transfer from the batch, keeping the others in order */
static void
Forget(AwsHttpBatch *batch, int i)
{
	Transfer   *t = batch->transfers[i];

	Assert(t->state == XFER_DONE);
	ReleaseTransfer(t);
	memmove(&batch->transfers[i], &batch->transfers[i + 1],
			sizeof(Transfer *) * (batch->ntransfers - i - 1));
	batch->ntransfers--;
	batch->ndone--;
	pfree(t);
}

/*
 * Waits until a request of the batch (NULL: every one) has its outcome,
 * then forgets it: the batch holds only what is still to be waited for.
 */
void
AwsHttpWait(AwsHttpBatch *batch, AwsHttpRequest *request)
{
	int			i;

	for (i = 0; request != NULL && i < batch->ntransfers; i++)
		if (batch->transfers[i]->request == request)
			break;
	if (request != NULL && i == batch->ntransfers)
		elog(ERROR, "request is not part of this HTTP batch");
	Drive(batch, request ? batch->transfers[i] : NULL);
	if (request != NULL)
		Forget(batch, i);
	else
		while (batch->ntransfers > 0)
			Forget(batch, batch->ntransfers - 1);
}

/* Moves the batch along once; true when request is done (see aws.h) */
bool
AwsHttpStep(AwsHttpBatch *batch, AwsHttpRequest *request)
{
	Transfer   *target = NULL;

	for (int i = 0; i < batch->ntransfers; i++)
		if (batch->transfers[i]->request == request)
			target = batch->transfers[i];
	if (target == NULL)
		elog(ERROR, "request is not part of this HTTP batch");
	if (Pump(batch) == 0 && target->state != XFER_DONE)
	{
		WaitForActivity(batch);
		(void) Pump(batch);
	}
	CHECK_FOR_INTERRUPTS();
	return target->state == XFER_DONE;
}

/* Closes a batch, stopping any request still under way */
void
AwsHttpEnd(AwsHttpBatch *batch)
{
	MemoryContextDelete(batch->context);
}

/* One unsigned request with a short timeout and no retry; see aws.h */
bool
AwsHttpFetch(const char *method, const char *url, List *headers,
			 int timeout_ms, long *status, StringInfo body, char **error)
{
	AwsHttpRequest request;
	Transfer   *t = palloc0(sizeof(Transfer));
	CURLcode	rc = CURLE_OK;

	EnsureCurl();
	memset(&request, 0, sizeof(request));
	request.url = url;
	request.method = method;
	request.headers = headers;
	t->request = &request;
	t->result_context = CurrentMemoryContext;
	t->max_body = MAX_FETCH_BODY;
	ResetOutcome(&request, CurrentMemoryContext);
	ParseUrl(t, url);

	PG_TRY();
	{
		PrepareAttempt(t, timeout_ms, timeout_ms);
		/* link-local metadata services are never reached through a proxy */
		curl_easy_setopt(t->easy, CURLOPT_PROXY, "");
		rc = curl_easy_perform(t->easy);
		RecordOutcome(t, rc);
	}
	PG_FINALLY();
	{
		ReleaseTransfer(t);
	}
	PG_END_TRY();
	CHECK_FOR_INTERRUPTS();

	*status = request.status;
	resetStringInfo(body);
	appendBinaryStringInfo(body, request.response.data, request.response.len);
	*error = request.transport_error;
	pfree(request.response.data);
	pfree(t);
	return rc == CURLE_OK;
}

/*--- Checks ---*/

/* True when text holds a control character; see aws.h */
bool
AwsHasControlCharacter(const char *text)
{
	for (const unsigned char *p = (const unsigned char *) text; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return true;
	return false;
}
