/*-------------------------------------------------------------------------
 *
 * aws_s3_write.c
 *	  Writing S3 objects: PutObject, and the multipart upload (create,
 *	  upload parts, complete, abort), on the shared HTTP layer.
 *
 * A body is sent through the transport's body source, read from the
 * caller's buffer as libcurl asks for it and signed with UNSIGNED-PAYLOAD
 * (S3 accepts it), so no pass over a part is spent hashing it; a source
 * over a temporary file would serve a part larger than memory alike.
 *
 * Writes never replace an object: the PUT and the completion carry
 * "If-None-Match: *", which S3 answers with 412 when the key exists.  An
 * abort is what an error path calls, so it never raises an ERROR itself:
 * it says why it failed instead.
 *
 * IDENTIFICATION
 *	  src/aws/aws_s3_write.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/xml.h"

#include "aws/aws_s3.h"

/* The header that makes a write fail on an existing key */
#define IF_NONE_MATCH	"If-None-Match: *"

/* A body in one buffer, read by ReadBuffer */
typedef struct BufferBody
{
	const char *data;
	size_t		len;
} BufferBody;

/* A body source over a buffer (see AwsBodySource); never fails */
static size_t
ReadBuffer(void *arg, size_t offset, char *buf, size_t len)
{
	const BufferBody *body = (const BufferBody *) arg;
	size_t		n = offset < body->len ? Min(len, body->len - offset) : 0;

	if (n > 0)
		memcpy(buf, body->data + offset, n);
	return n;
}

/* Makes a request send body (its len bytes) through ReadBuffer */
static void
SetBody(AwsHttpRequest *request, BufferBody *body, const char *data,
		size_t len)
{
	body->data = data;
	body->len = len;
	request->body_source = ReadBuffer;
	request->body_source_arg = body;
	request->body_len = len;
}

/* Sends a prepared write request and waits for its outcome */
static void
Send(AwsHttpRequest *request, S3Counters *counters)
{
	AwsHttpBatch *batch = AwsHttpBegin(1);

	AwsHttpAdd(batch, request);
	AwsHttpWait(batch, request);
	AwsHttpEnd(batch);
	counters->put_requests++;
	counters->retries += request->attempts - 1;
	counters->bytes_sent += request->bytes_sent;
}

/* Raises the ERROR of a write S3 refused because the key exists */
static void
ReportExisting(const AwsHttpRequest *request, const char *bucket,
			   const char *key)
{
	ereport(ERROR,
			(errcode(ERRCODE_DUPLICATE_OBJECT),
			 errmsg("object %s exists already", S3DisplayName(bucket, key)),
			 request->attempts > 1 ?
			 errdetail("S3 refused the write (HTTP 412): writes never replace an object. An earlier attempt of this write may have succeeded before its reply was lost.") :
			 errdetail("S3 refused the write (HTTP 412): writes never replace an object.")));
}

/* Writes a whole object, never over an existing one; see aws_s3.h */
void
S3PutObject(const S3Endpoint *ep, const char *bucket, const char *key,
			const char *body, size_t len, S3Counters *counters)
{
	AwsHttpRequest request;
	BufferBody	source;

	S3RequestInit(&request, ep, "PUT", S3Url(ep, bucket, key, NULL));
	SetBody(&request, &source, body, len);
	request.headers = list_make1(IF_NONE_MATCH);
	Send(&request, counters);
	if (request.status == 412)
		ReportExisting(&request, bucket, key);
	if (request.status != 200)
		S3ReportFailure(&request, "could not write", bucket, key);
}

/* Starts a multipart upload; returns its upload id */
char *
S3CreateUpload(const S3Endpoint *ep, const char *bucket, const char *key,
			   S3Counters *counters)
{
	AwsHttpRequest request;
	char	   *upload_id;

	S3RequestInit(&request, ep, "POST", S3Url(ep, bucket, key, "uploads="));
	Send(&request, counters);
	upload_id = request.status == 200 ?
		S3ReplyElement(&request, "InitiateMultipartUploadResult", "UploadId") : NULL;
	if (upload_id == NULL)
		S3ReportFailure(&request, "could not start an upload to", bucket, key);
	return upload_id;
}

/* The query naming an upload, and a part of it when part > 0 */
static char *
UploadQuery(const char *upload_id, int part)
{
	StringInfoData query;

	initStringInfo(&query);
	if (part > 0)
		appendStringInfo(&query, "partNumber=%d&", part);
	appendStringInfoString(&query, "uploadId=");
	S3AppendEncoded(&query, upload_id, false);
	return query.data;
}

/* Uploads one part; returns its ETag */
char *
S3UploadPart(const S3Endpoint *ep, const char *bucket, const char *key,
			 const char *upload_id, int part, const char *body, size_t len,
			 S3Counters *counters)
{
	AwsHttpRequest request;
	BufferBody	source;

	S3RequestInit(&request, ep, "PUT",
				  S3Url(ep, bucket, key, UploadQuery(upload_id, part)));
	SetBody(&request, &source, body, len);
	request.capture[0] = "ETag";
	Send(&request, counters);
	if (request.status != 200 || request.captured[0] == NULL)
		S3ReportFailure(&request, "could not upload a part of", bucket, key);
	return request.captured[0];
}

/* The CompleteMultipartUpload document listing the parts' ETags */
static char *
CompletionBody(List *etags)
{
	StringInfoData body;
	ListCell   *lc;

	initStringInfo(&body);
	appendStringInfoString(&body, "<CompleteMultipartUpload>");
	foreach(lc, etags)
		appendStringInfo(&body, "<Part><PartNumber>%d</PartNumber><ETag>%s</ETag></Part>",
						 foreach_current_index(lc) + 1,
						 escape_xml(strVal(lfirst(lc))));
	appendStringInfoString(&body, "</CompleteMultipartUpload>");
	return body.data;
}

/* Completes an upload from its parts' ETags: the object appears */
void
S3CompleteUpload(const S3Endpoint *ep, const char *bucket, const char *key,
				 const char *upload_id, List *etags, S3Counters *counters)
{
	AwsHttpRequest request;
	char	   *body = CompletionBody(etags);

	S3RequestInit(&request, ep, "POST",
				  S3Url(ep, bucket, key, UploadQuery(upload_id, 0)));
	request.body = body;
	request.body_len = strlen(body);
	request.headers = list_make2("Content-Type: application/xml", IF_NONE_MATCH);
	Send(&request, counters);
	if (request.status == 412)
		ReportExisting(&request, bucket, key);
	/* S3 may answer 200 with an <Error> document */
	if (request.status != 200 ||
		S3ReplyElement(&request, "CompleteMultipartUploadResult", "Key") == NULL)
		S3ReportFailure(&request, "could not complete the upload of", bucket, key);
}

/* Drops an upload's parts, never raising an ERROR; see aws_s3.h */
char *
S3AbortUpload(const S3Endpoint *ep, const char *bucket, const char *key,
			  const char *upload_id)
{
	MemoryContext context = CurrentMemoryContext;
	char	   *volatile why = NULL;

	PG_TRY();
	{
		S3Counters	counters = {0};
		AwsHttpRequest request;

		S3RequestInit(&request, ep, "DELETE",
					  S3Url(ep, bucket, key, UploadQuery(upload_id, 0)));
		Send(&request, &counters);
		/* 404: there is no such upload (any more) */
		if (request.status != 204 && request.status != 200 && request.status != 404)
			why = request.status ? psprintf("S3 answered HTTP %ld.", request.status) :
				psprintf("No reply: %s.", request.transport_reason ?
						 request.transport_reason : "the transfer failed");
	}
	PG_CATCH();
	{
		ErrorData  *edata;

		MemoryContextSwitchTo(context);
		edata = CopyErrorData();
		FlushErrorState();
		why = psprintf("%s.", edata->message);
	}
	PG_END_TRY();
	return why;
}
