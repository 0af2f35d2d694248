/*-------------------------------------------------------------------------
 *
 * aws_s3.c
 *	  S3 on the shared HTTP layer: addressing, requests with S3's service
 *	  profile, ListObjectsV2 with pagination, and the ERROR of a failure.
 *
 * S3 answers errors with an XML body <Error><Code>..</Code><Message>..
 * </Message></Error> rather than an x-amzn-ErrorType header: the profile's
 * classifier (aws_service.c) reads its code to decide on a retry, and
 * S3ReportFailure reads it with the same parser for the ERROR.  The
 * listing is parsed with libxml2 too (no network access, no entity
 * expansion), and the libxml2 document is freed on every path.
 *
 * IDENTIFICATION
 *	  src/aws/aws_s3.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "utils/builtins.h"

#include "aws/aws_s3.h"
#include "aws/sigv4.h"

/* Most bytes of S3's message shown in an error */
#define MAX_REMOTE_MESSAGE		500

/* Options of every XML parse: no network, no messages on stderr */
#define XML_OPTIONS		(XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING)

/*--- Addressing ---*/

/* Fills an endpoint from a server's options; see aws_s3.h */
void
S3EndpointInit(S3Endpoint *ep, const char *endpoint, const char *url_style,
			   const char *region, const AwsCredentials *credentials)
{
	const char *env = getenv("AWS_ENDPOINT_URL_S3");

	if (env == NULL || env[0] == '\0')
		env = getenv("AWS_ENDPOINT_URL");
	ep->region = pstrdup(region ? region : AwsGetRegion());
	/* a server made before the validator checked it, or the environment's */
	if (!AwsRegionIsValid(ep->region))
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
				 errmsg("invalid AWS region \"%s\"", ep->region),
				 errdetail(AWS_REGION_RULE),
				 errhint("Set option \"region\" of the server to a region such as \"us-east-1\".")));
	if (endpoint == NULL && env != NULL && env[0] != '\0')
		endpoint = env;
	if (endpoint)
		ep->endpoint = pstrdup(endpoint);
	else
		ep->endpoint = psprintf("https://s3.%s.amazonaws.com", ep->region);
	/* no trailing slash: paths are appended */
	while (ep->endpoint[0] && ep->endpoint[strlen(ep->endpoint) - 1] == '/')
		ep->endpoint[strlen(ep->endpoint) - 1] = '\0';
	ep->path_style = url_style != NULL && strcmp(url_style, "path") == 0;
	ep->credentials = credentials;
}

/* Appends text percent-encoded with the unreserved set; see aws_s3.h */
void
S3AppendEncoded(StringInfo buf, const char *text, bool keep_slash)
{
	size_t		len = strlen(text);

	enlargeStringInfo(buf, (int) (3 * len + 1));
	buf->len += (int) sigv4_uri_encode(text, len, keep_slash,
									   buf->data + buf->len, 3 * len + 1);
}

/* The URL of a bucket or object; see aws_s3.h */
char *
S3Url(const S3Endpoint *ep, const char *bucket, const char *key,
	  const char *query)
{
	StringInfoData url;
	const char *scheme_end = strstr(ep->endpoint, "://");

	initStringInfo(&url);
	if (ep->path_style || scheme_end == NULL)
		appendStringInfo(&url, "%s/", ep->endpoint);
	else
		appendStringInfo(&url, "%.*s%s.%s/", (int) (scheme_end + 3 - ep->endpoint),
						 ep->endpoint, bucket, scheme_end + 3);
	if (ep->path_style)
	{
		S3AppendEncoded(&url, bucket, false);
		if (key)
			appendStringInfoChar(&url, '/');
	}
	if (key)
		S3AppendEncoded(&url, key, true);
	if (query)
		appendStringInfo(&url, "?%s", query);
	return url.data;
}

/* Readies a signed S3 request; see aws_s3.h */
void
S3RequestInit(AwsHttpRequest *request, const S3Endpoint *ep,
			  const char *method, const char *url)
{
	memset(request, 0, sizeof(*request));
	request->method = method;
	request->url = url;
	request->service = &aws_service_s3;
	request->region = ep->region;
	/* a user mapping's keys, else the credential chain's */
	request->credentials = ep->credentials ? ep->credentials : AwsGetCredentials();
}

/*--- XML ---*/

/* The text of an element, palloc'd */
static char *
NodeText(xmlNodePtr node)
{
	xmlChar    *content = xmlNodeGetContent(node);
	char	   *copy;

	if (content == NULL)
		return pstrdup("");
	copy = pstrdup((const char *) content);
	xmlFree(content);
	return copy;
}

/* True when node is an element named name (namespace ignored) */
static bool
IsElement(xmlNodePtr node, const char *name)
{
	return node->type == XML_ELEMENT_NODE &&
		strcmp((const char *) node->name, name) == 0;
}

/* The text of the first child element named name, or NULL */
static char *
ChildText(xmlNodePtr parent, const char *name)
{
	for (xmlNodePtr n = parent->children; n; n = n->next)
		if (IsElement(n, name))
			return NodeText(n);
	return NULL;
}

/* The text of the first element named name anywhere under node, or NULL */
static char *
FindText(xmlNodePtr node, const char *name)
{
	for (xmlNodePtr n = node; n; n = n->next)
	{
		char	   *found;

		if (IsElement(n, name))
			return NodeText(n);
		if (n->type == XML_ELEMENT_NODE && (found = FindText(n->children, name)))
			return found;
	}
	return NULL;
}

/* The text of an element of an XML reply with a given root; see aws_s3.h */
char *
S3ReplyElement(const AwsHttpRequest *request, const char *root_name,
			   const char *name)
{
	xmlDocPtr	doc = xmlReadMemory(request->response.data, request->response.len,
									"reply.xml", NULL, XML_OPTIONS);
	char	   *text = NULL;

	if (doc == NULL)
		return NULL;
	PG_TRY();
	{
		xmlNodePtr	root = xmlDocGetRootElement(doc);

		if (root && IsElement(root, root_name))
			text = FindText(root->children, name);
	}
	PG_FINALLY();
	{
		xmlFreeDoc(doc);
	}
	PG_END_TRY();
	return text;
}

/* One <Contents> entry as an S3Object */
static S3Object *
ParseContents(xmlNodePtr contents)
{
	S3Object   *object = palloc0(sizeof(S3Object));
	char	   *size = ChildText(contents, "Size");

	object->key = ChildText(contents, "Key");
	object->etag = ChildText(contents, "ETag");
	object->size = size ? strtoi64(size, NULL, 10) : 0;
	if (object->key == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_DATA_TYPE),
				 errmsg("invalid ListObjectsV2 reply from S3"),
				 errdetail("An entry of the listing has no key.")));
	return object;
}

/*
 * Parses one page of a ListObjectsV2 reply: appends its objects to
 * *objects and returns the continuation token, or NULL on the last page
 */
static char *
ParseListPage(const char *xml, int len, List **objects)
{
	xmlDocPtr	doc = xmlReadMemory(xml, len, "ListObjectsV2.xml", NULL, XML_OPTIONS);
	char	   *token = NULL;

	if (doc == NULL || xmlDocGetRootElement(doc) == NULL ||
		!IsElement(xmlDocGetRootElement(doc), "ListBucketResult"))
	{
		if (doc)
			xmlFreeDoc(doc);
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_DATA_TYPE),
				 errmsg("invalid ListObjectsV2 reply from S3"),
				 errdetail("The reply is not a ListBucketResult XML document.")));
	}
	PG_TRY();
	{
		xmlNodePtr	root = xmlDocGetRootElement(doc);
		char	   *truncated = ChildText(root, "IsTruncated");

		for (xmlNodePtr n = root->children; n; n = n->next)
			if (IsElement(n, "Contents"))
				*objects = lappend(*objects, ParseContents(n));
		if (truncated && strcmp(truncated, "true") == 0)
			token = ChildText(root, "NextContinuationToken");
	}
	PG_FINALLY();
	{
		xmlFreeDoc(doc);
	}
	PG_END_TRY();
	return token;
}

/* The query of one ListObjectsV2 page */
static char *
ListQuery(const char *prefix, const char *token)
{
	StringInfoData query;

	initStringInfo(&query);
	if (token)
	{
		appendStringInfoString(&query, "continuation-token=");
		S3AppendEncoded(&query, token, false);
		appendStringInfoChar(&query, '&');
	}
	appendStringInfoString(&query, "list-type=2&prefix=");
	S3AppendEncoded(&query, prefix, false);
	return query.data;
}

/* Lists a bucket's objects under prefix, every page; see aws_s3.h */
List *
S3ListObjects(const S3Endpoint *ep, const char *bucket, const char *prefix,
			  S3Counters *counters)
{
	List	   *objects = NIL;
	char	   *token = NULL;
	AwsHttpBatch *batch = AwsHttpBegin(1);

	do
	{
		AwsHttpRequest request;
		char	   *url = S3Url(ep, bucket, NULL, ListQuery(prefix, token));

		S3RequestInit(&request, ep, "GET", url);
		AwsHttpAdd(batch, &request);
		AwsHttpWait(batch, &request);
		counters->list_requests++;
		counters->retries += request.attempts - 1;
		counters->bytes_received += request.bytes_received;
		if (request.status != 200)
			S3ReportFailure(&request, "could not list", bucket, prefix);
		token = ParseListPage(request.response.data, request.response.len,
							  &objects);
		pfree(request.response.data);
	} while (token != NULL);
	AwsHttpEnd(batch);
	return objects;
}

/*--- Errors ---*/

/* "s3://bucket/key" made safe for a message; see aws_s3.h */
char *
S3DisplayName(const char *bucket, const char *key)
{
	char	   *name = psprintf("s3://%s/%s", bucket, key ? key : "");

	return AwsSafeRemoteText(name, strlen(name), MAX_REMOTE_MESSAGE, NULL);
}

/*
 * The SQLSTATE of a failed S3 request: what its error code says, else its
 * class (throttling) and status
 */
static int
ErrorCode(const AwsHttpRequest *request, const char *code)
{
	long		status = request->status;

	if (status == 0)
		return ERRCODE_CONNECTION_FAILURE;
	if (code && (strcmp(code, "NoSuchBucket") == 0 || strcmp(code, "NoSuchKey") == 0))
		return ERRCODE_UNDEFINED_FILE;
	if ((request->reply_class & AWS_REPLY_THROTTLED) || status == 503)
		return ERRCODE_INSUFFICIENT_RESOURCES;
	if (status == 404)
		return ERRCODE_UNDEFINED_FILE;
	if (status == 401 || status == 403)
		return ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION;
	return ERRCODE_FDW_ERROR;
}

/* Raises the ERROR for a failed S3 request; see aws_s3.h */
void
S3ReportFailure(const AwsHttpRequest *request, const char *verb,
				const char *bucket, const char *key)
{
	char		code[AWS_ERROR_CODE_MAX];
	char		message[AWS_ERROR_MESSAGE_MAX];
	bool		parsed;
	char	   *name = S3DisplayName(bucket, key);
	int			sqlstate;
	StringInfoData detail;

	parsed = aws_s3_error_parse(request->response.data, request->response.len,
								code, sizeof(code), message, sizeof(message));
	sqlstate = ErrorCode(request, parsed ? code : NULL);
	initStringInfo(&detail);
	appendStringInfo(&detail, request->attempts == 1 ? "%d attempt was made." :
					 "%d attempts were made.", request->attempts);
	if (parsed && message[0])
		appendStringInfo(&detail, " S3 said: %s",
						 AwsSafeRemoteText(message, strlen(message),
										   MAX_REMOTE_MESSAGE,
										   request->credentials));

	if (request->status == 0)
		ereport(ERROR,
				(errcode(sqlstate),
				 errmsg("%s %s: %s", verb, name,
						request->transport_reason ? request->transport_reason : "no reply"),
				 errdetail_internal("%s", detail.data)));
	ereport(ERROR,
			(errcode(sqlstate),
			 errmsg("%s %s: HTTP %ld (%s)", verb, name, request->status,
					parsed ? AwsSafeRemoteText(code, strlen(code), MAX_REMOTE_MESSAGE, NULL) :
					"no S3 error code"),
			 errdetail_internal("%s", detail.data),
			 sqlstate == ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION ?
			 errhint("Check the user mapping's access_key_id and secret_access_key, or the AWS credentials available to the server.") :
			 sqlstate == ERRCODE_INSUFFICIENT_RESOURCES ?
			 errhint("S3 throttled every attempt; retry later or raise pg_infer.max_retries.") : 0));
}
