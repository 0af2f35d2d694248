/*-------------------------------------------------------------------------
 *
 * aws_s3.h
 *	  S3 on the shared HTTP layer: where a bucket and key are addressed,
 *	  requests with S3's service profile (aws_service.h: signing options,
 *	  the classifier of its XML errors), ListObjectsV2 with pagination, and
 *	  S3's XML errors turned into SQLSTATEs.  XML is parsed with libxml2.
 *
 *-------------------------------------------------------------------------
 */
#ifndef PG_INFER_AWS_S3_H
#define PG_INFER_AWS_S3_H

#include "aws/aws.h"

/* Where and as whom S3 requests go: a server and user mapping's options */
typedef struct S3Endpoint
{
	char	   *endpoint;		/* "http://host:port" without trailing '/' */
	bool		path_style;		/* http://host/bucket/key, else bucket.host */
	char	   *region;
	const AwsCredentials *credentials;	/* NULL: the credential chain */
} S3Endpoint;

/* One object as listed */
typedef struct S3Object
{
	char	   *key;
	int64		size;
	char	   *etag;
} S3Object;

/* Requests made and bytes received, for EXPLAIN ANALYZE */
typedef struct S3Counters
{
	int64		list_requests;
	int64		get_requests;
	int64		put_requests;
	int64		retries;
	int64		bytes_received;
	int64		bytes_sent;
} S3Counters;

/*
 * Fills ep: the endpoint option, else AWS_ENDPOINT_URL_S3 or
 * AWS_ENDPOINT_URL, else the regional AWS endpoint; the region option,
 * else the backend's region.
 */
extern void S3EndpointInit(S3Endpoint *ep, const char *endpoint,
						   const char *url_style, const char *region,
						   const AwsCredentials *credentials);

/* The URL of a bucket (key NULL) or object, with an encoded query or NULL */
extern char *S3Url(const S3Endpoint *ep, const char *bucket, const char *key,
				   const char *query);

/* Appends text percent-encoded with the unreserved set, '/' kept if asked */
extern void S3AppendEncoded(StringInfo buf, const char *text, bool keep_slash);

/*
 * Readies a request to ep: method, URL, the S3 service profile, and the
 * signing context (ep's credentials, else the credential chain's)
 */
extern void S3RequestInit(AwsHttpRequest *request, const S3Endpoint *ep,
						  const char *method, const char *url);

/*
 * Lists every object of bucket whose key starts with prefix, following
 * continuation tokens; a List of S3Object in key order.  Raises the ERROR
 * of a failed request (see S3ReportFailure).
 */
extern List *S3ListObjects(const S3Endpoint *ep, const char *bucket,
						   const char *prefix, S3Counters *counters);

/*
 * The text of the first element called name in the XML reply of request,
 * whose root element must be root_name; NULL when the reply is not such a
 * document (S3 may answer 200 with an <Error> document) or lacks it.
 */
extern char *S3ReplyElement(const AwsHttpRequest *request,
							const char *root_name, const char *name);

/*
 * Writing objects (aws_s3_write.c).  S3PutObject writes a whole object in
 * one request.  A multipart upload is created, given parts (numbered from
 * 1, each but the last at least 5 MB) and completed, which is when the
 * object appears; S3AbortUpload drops its parts.  The PUT and the
 * completion carry "If-None-Match: *", so an existing key is never
 * overwritten (S3 answers 412, reported as duplicate_object).  All raise
 * the ERROR of a failed request but S3AbortUpload, which never raises one
 * and returns why it failed (NULL when it did not).
 */
extern void S3PutObject(const S3Endpoint *ep, const char *bucket,
						const char *key, const char *body, size_t len,
						S3Counters *counters);
extern char *S3CreateUpload(const S3Endpoint *ep, const char *bucket,
							const char *key, S3Counters *counters);
extern char *S3UploadPart(const S3Endpoint *ep, const char *bucket,
						  const char *key, const char *upload_id, int part,
						  const char *body, size_t len, S3Counters *counters);
extern void S3CompleteUpload(const S3Endpoint *ep, const char *bucket,
							 const char *key, const char *upload_id,
							 List *etags, S3Counters *counters);
extern char *S3AbortUpload(const S3Endpoint *ep, const char *bucket,
						   const char *key, const char *upload_id);

/*
 * Raises the ERROR for a failed S3 request on s3://bucket/key (key may be
 * NULL): the SQLSTATE from S3's error code (NoSuchBucket and NoSuchKey
 * undefined_file, credentials errors invalid_authorization_specification,
 * SlowDown insufficient_resources, no reply connection_failure), S3's
 * message in the detail with every credential masked.  A transport
 * failure is described without host or port (the endpoint is a
 * superuser's setting).
 */
extern void S3ReportFailure(const AwsHttpRequest *request, const char *verb,
							const char *bucket, const char *key);

/* "s3://bucket/key" made safe for a message (encoding checked) */
extern char *S3DisplayName(const char *bucket, const char *key);

#endif							/* PG_INFER_AWS_S3_H */
