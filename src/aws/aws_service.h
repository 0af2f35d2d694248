/*-------------------------------------------------------------------------
 *
 * aws_service.h
 *	  Service profiles: what one AWS service asks of the shared transport.
 *
 * A profile names the service for SigV4, carries its signing options (S3
 * path rules and x-amz-content-sha256, whether UNSIGNED-PAYLOAD may stand
 * for the hash of a body that is streamed) and classifies its failed
 * replies: retried with backoff or final, throttled or not.  The transport
 * (aws_http.c) knows no service by name; it asks the request's profile.
 *
 * Pure C: no PostgreSQL header and no allocation of ours (libxml2 and
 * libcrypto allocate and free their own), so the C unit tests link
 * aws_service.c directly.  A classifier runs between two transfers of the
 * HTTP loop: it never fails, it only answers.
 *
 *-------------------------------------------------------------------------
 */
#ifndef AWS_SERVICE_H
#define AWS_SERVICE_H

#include <stdbool.h>
#include <stddef.h>

/* Bits of what a failed reply calls for */
#define AWS_REPLY_RETRY			0x01	/* worth another attempt, after backoff */
#define AWS_REPLY_THROTTLED		0x02	/* the service asks the caller to slow down */

/* Larger error bodies are not parsed (an S3 error document is < 1 kB) */
#define AWS_MAX_ERROR_BODY		(64 * 1024)

/* Room for an S3 error code and message, terminator included */
#define AWS_ERROR_CODE_MAX		128
#define AWS_ERROR_MESSAGE_MAX	2048

/*
 * Classifies a reply that is not a 2xx: status, the x-amzn-ErrorType
 * header up to its ':' (or NULL) and the body (len bytes, may be NULL).
 * Returns a set of AWS_REPLY_* bits; 0 means a final failure.
 */
typedef int (*AwsReplyClassifier) (long status, const char *error_type,
								   const char *body, size_t len);

/* One service, as the transport sees it */
typedef struct AwsServiceProfile
{
	const char *signing_name;	/* SigV4 service: "sagemaker", "s3" */
	int			sign_options;	/* SIGV4_* option bits of sigv4_sign() */
	bool		unsigned_payload_ok;	/* UNSIGNED-PAYLOAD accepted in place
										 * of a body's hash */
	AwsReplyClassifier classify;
} AwsServiceProfile;

/* SageMaker runtime (InvokeEndpoint): AWS JSON errors, ModelError final */
extern const AwsServiceProfile aws_service_sagemaker_runtime;

/* S3: its path rules, x-amz-content-sha256, XML error documents */
extern const AwsServiceProfile aws_service_s3;

/*
 * The rules every HTTP service shares, for a request without a profile:
 * 429 throttled and retried, 5xx but 501 retried, anything else final.
 */
extern int	aws_classify_http(long status);

/*
 * The AWS JSON protocol's rules (x-amzn-ErrorType): the HTTP rules, plus
 * the error types the AWS SDKs retry (throttling, service unavailable,
 * internal failure).
 */
extern int	aws_classify_json(long status, const char *error_type);

/*
 * Reads S3's XML error document <Error><Code>..</Code><Message>..</Message>
 * </Error> with libxml2 (no network, no DTD, no entity substitution, at
 * most AWS_MAX_ERROR_BODY bytes).  Copies the code and message into the
 * buffers (a code that does not fit counts as missing; a message is
 * clipped at a UTF-8 character boundary) and returns true when the body is
 * such a document with a code; false leaves both buffers empty.
 */
extern bool aws_s3_error_parse(const char *body, size_t len,
							   char *code, size_t codesize,
							   char *message, size_t messagesize);

/*
 * S3's rules: the HTTP rules, plus the error codes S3 documents as
 * transient, whatever their status (SlowDown, RequestTimeout (a 400),
 * InternalError, ServiceUnavailable, ...); SlowDown is throttling.
 */
extern int	aws_classify_s3_code(long status, const char *code);

#endif							/* AWS_SERVICE_H */
