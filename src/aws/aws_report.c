/*-------------------------------------------------------------------------
 *
 * aws_report.c
 *	  The ERROR of a failed request, and remote text made safe to show.
 *
 * Sits above the transport and the credential chain: remote text is
 * shown only after every credential the backend holds (the chain's cache)
 * and the request's own (a user mapping's keys) are masked, then checked
 * against the database encoding and clipped.  A transport error may name
 * the host or URL: superusers, who set it, see it (userinfo password
 * masked); others get curl's host-free description.
 *
 * IDENTIFICATION
 *	  src/aws/aws_report.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <json-c/json.h>

#include "mb/pg_wchar.h"
#include "miscadmin.h"

#include "aws/aws.h"

/* Most bytes of a remote message shown in an error */
#define MAX_REMOTE_MESSAGE		500
/* Most bytes of an AWS error type shown in a message */
#define MAX_ERROR_TYPE_SHOWN	100

/*--- Safe text ---*/

/* Remote text made safe to show; see aws.h */
char *
AwsSafeRemoteText(const char *text, size_t len, int limit,
				  const AwsCredentials *credentials)
{
	char	   *copy = pnstrdup(text, len);
	int			encoding = GetDatabaseEncoding();
	int			n;

	n = strlen(copy);
	AwsRedactCredentials(copy, credentials);
	for (int i = 0; i < n; i++)
	{
		unsigned char c = (unsigned char) copy[i];

		if (c < ' ' || c == 0x7f)
			copy[i] = ' ';
		else if (c >= 0x80 && encoding != PG_UTF8)
			copy[i] = '?';
	}
	if (encoding == PG_UTF8)
		n = pg_encoding_verifymbstr(PG_UTF8, copy, n);
	if (n > limit)
	{
		n = pg_mbcliplen(copy, n, limit);
		copy[n] = '\0';
		return psprintf("%s...", copy);
	}
	copy[n] = '\0';
	return copy;
}

/*--- Remote messages ---*/

/* The "message" of a JSON error reply, whole and palloc'd, or NULL */
static char *
JsonMessage(const char *body)
{
	static const char *const keys[] = {"message", "Message", "errorMessage", "error"};
	json_object *root = json_tokener_parse(body);
	char	   *found = NULL;

	if (root == NULL)
		return NULL;
	if (json_object_is_type(root, json_type_object))
	{
		for (int i = 0; i < lengthof(keys) && found == NULL; i++)
		{
			json_object *member;

			if (json_object_object_get_ex(root, keys[i], &member) &&
				json_object_is_type(member, json_type_string))
				found = palloc_extended(json_object_get_string_len(member) + 1,
										MCXT_ALLOC_NO_OOM);
			if (found)
				strcpy(found, json_object_get_string(member));
		}
	}
	json_object_put(root);
	return found;
}

/* The remote message of a failed request (JSON "message", else the body), or NULL */
static char *
RemoteMessage(const AwsHttpRequest *r)
{
	const char *body = r->response.data;
	char	   *message;

	if (body == NULL || r->response.len == 0)
		return NULL;
	while (*body == ' ' || *body == '\n' || *body == '\r' || *body == '\t')
		body++;
	if ((*body == '{' || (r->content_type && strstr(r->content_type, "json"))) &&
		(message = JsonMessage(body)) != NULL)
		return AwsSafeRemoteText(message, strlen(message), MAX_REMOTE_MESSAGE,
								 r->credentials);
	return AwsSafeRemoteText(body, r->response.len - (body - r->response.data),
							 MAX_REMOTE_MESSAGE, r->credentials);
}

/*--- Failures ---*/

/*
 * Raises the ERROR of a request that got no reply.  curl's message may
 * name the host and port, and the URL may hold a userinfo password: only
 * superusers, who may set the URL, see the message (password masked);
 * others get curl's host-free description of the failure.
 */
static void
ReportTransportFailure(const AwsHttpRequest *request, const char *what,
					   const char *attempts)
{
	if (request->reply_too_large)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s failed: the reply is larger than pg_infer.max_reply_size (%d bytes)",
						what, aws_max_reply_size),
				 errdetail_internal("%s", attempts),
				 errhint("Send fewer rows per request (pg_infer.batch_size), or ask a superuser to raise pg_infer.max_reply_size.")));
	if (request->transport_error == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_CONNECTION_FAILURE),
				 errmsg("%s failed: no reply", what),
				 errdetail_internal("%s", attempts)));
	if (superuser())
		ereport(ERROR,
				(errcode(ERRCODE_CONNECTION_FAILURE),
				 errmsg("%s failed: %s", what,
						AwsMaskUrlPassword(request->transport_error, request->url)),
				 errdetail_internal("%s", attempts)));
	ereport(ERROR,
			(errcode(ERRCODE_CONNECTION_FAILURE),
			 errmsg("%s failed: %s", what, request->transport_reason),
			 errdetail_internal("%s The configured endpoint could not be reached; its address is shown to superusers only.",
								attempts)));
}

/* Raises the ERROR for a failed request; see aws.h */
void
AwsHttpReportFailure(const AwsHttpRequest *request, const char *what)
{
	char	   *remote = (request->status != 0) ? RemoteMessage(request) : NULL;
	char	   *error_type = NULL;
	StringInfoData detail;
	int			sqlstate;

	initStringInfo(&detail);
	if (request->attempts == 1)
		appendStringInfoString(&detail, "1 attempt was made.");
	else
		appendStringInfo(&detail, "%d attempts were made.", request->attempts);
	if (request->status == 0)
		ReportTransportFailure(request, what, detail.data);
	if (remote)
		appendStringInfo(&detail, " Remote message: %s", remote);
	if (request->error_type)
		error_type = AwsSafeRemoteText(request->error_type,
									   strlen(request->error_type),
									   MAX_ERROR_TYPE_SHOWN,
									   request->credentials);

	if (request->reply_class & AWS_REPLY_THROTTLED)
		sqlstate = ERRCODE_INSUFFICIENT_RESOURCES;
	else
		sqlstate = ERRCODE_EXTERNAL_ROUTINE_EXCEPTION;
	ereport(ERROR,
			(errcode(sqlstate),
			 error_type ?
			 errmsg("%s failed: HTTP %ld (%s)", what, request->status,
					error_type) :
			 errmsg("%s failed: HTTP %ld", what, request->status),
			 errdetail_internal("%s", detail.data),
			 sqlstate == ERRCODE_INSUFFICIENT_RESOURCES ?
			 errhint("The service throttled every attempt; retry later, lower pg_infer.max_in_flight or raise pg_infer.max_retries.") :
			 (request->status == 401 || request->status == 403) ?
			 errhint("Check the AWS credentials available to the server and pg_infer.aws_region.") : 0));
}
