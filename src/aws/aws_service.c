/*-------------------------------------------------------------------------
 *
 * aws_service.c
 *	  The service profiles of SageMaker runtime and S3, and the error
 *	  classifiers they use; see aws_service.h.
 *
 * The retry rules follow the AWS SDKs: throttling, 5xx (but 501 Not
 * Implemented) and the error codes a service documents as transient are
 * retried; other client errors are final.  SageMaker's ModelError (the
 * model itself failed) is final whatever its status; its
 * ModelNotReadyException (the model is still loading) is retried.  S3
 * names its errors in an XML body instead of a header, some transient ones
 * with a 400 status (RequestTimeout).
 *
 * IDENTIFICATION
 *	  src/aws/aws_service.c
 *
 *-------------------------------------------------------------------------
 */
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "aws/aws_service.h"
#include "aws/sigv4.h"

/* Options of the XML parse: no network, no messages on stderr */
#define XML_OPTIONS		(XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING)

/* True when s is one of the NULL-ended list */
static bool
OneOf(const char *s, const char *const *list)
{
	if (s == NULL)
		return false;
	for (; *list; list++)
		if (strcmp(s, *list) == 0)
			return true;
	return false;
}

/*--- HTTP and the AWS JSON protocol ---*/

/* The rules every HTTP service shares; see aws_service.h */
int
aws_classify_http(long status)
{
	if (status == 429)
		return AWS_REPLY_RETRY | AWS_REPLY_THROTTLED;
	if (status >= 500 && status != 501)
		return AWS_REPLY_RETRY;
	return 0;
}

/* True for AWS error types meaning "slow down" */
static bool
ThrottlingType(const char *type)
{
	static const char *const throttling[] = {
		"TooManyRequestsException", "RequestLimitExceeded",
		"ProvisionedThroughputExceededException", "SlowDown", NULL
	};

	return type && (strstr(type, "Throttl") || OneOf(type, throttling));
}

/*
 * The HTTP rules, plus a retry when the service's error code is one of
 * transient, and throttling when the code names it
 */
static int
ClassifyCode(long status, const char *code, const char *const *transient)
{
	int			result = aws_classify_http(status);

	if (OneOf(code, transient))
		result |= AWS_REPLY_RETRY;
	if (ThrottlingType(code))
		result |= AWS_REPLY_THROTTLED;
	return result;
}

/* The AWS JSON protocol's rules; see aws_service.h */
int
aws_classify_json(long status, const char *error_type)
{
	static const char *const transient[] = {
		"ThrottlingException", "Throttling", "TooManyRequestsException",
		"ThrottledException", "RequestThrottled", "RequestThrottledException",
		"RequestLimitExceeded", "ProvisionedThroughputExceededException",
		"SlowDown", "ServiceUnavailable", "ServiceUnavailableException",
		"InternalFailure", "InternalServerError", NULL
	};

	return ClassifyCode(status, error_type, transient);
}

/* SageMaker runtime: ModelError final, ModelNotReadyException retried */
static int
ClassifySageMaker(long status, const char *error_type, const char *body,
				  size_t len)
{
	(void) body;
	(void) len;
	if (error_type && strcmp(error_type, "ModelError") == 0)
		return 0;
	if (error_type && strcmp(error_type, "ModelNotReadyException") == 0)
		return aws_classify_json(status, error_type) | AWS_REPLY_RETRY;
	return aws_classify_json(status, error_type);
}

/*--- S3 ---*/

/* True when node is an element named name (namespace ignored) */
static bool
IsElement(xmlNodePtr node, const char *name)
{
	return node->type == XML_ELEMENT_NODE &&
		strcmp((const char *) node->name, name) == 0;
}

/*
 * Copies the text of parent's first child element named name into out
 * (outsize > 0), clipped at a UTF-8 character boundary when clip, else
 * left empty when it does not fit; false when there is no such element.
 */
static bool
CopyChildText(xmlNodePtr parent, const char *name, char *out, size_t outsize,
			  bool clip)
{
	for (xmlNodePtr n = parent->children; n; n = n->next)
	{
		xmlChar    *content;
		size_t		len;

		if (!IsElement(n, name))
			continue;
		out[0] = '\0';
		if ((content = xmlNodeGetContent(n)) == NULL)
			return false;
		len = strlen((const char *) content);
		if (len >= outsize && !clip)
			len = 0;
		else if (len >= outsize)
		{
			len = outsize - 1;
			while (len > 0 && (content[len] & 0xC0) == 0x80)
				len--;
		}
		memcpy(out, content, len);
		out[len] = '\0';
		xmlFree(content);
		return true;
	}
	return false;
}

/* Reads S3's XML error document; see aws_service.h */
bool
aws_s3_error_parse(const char *body, size_t len, char *code, size_t codesize,
				   char *message, size_t messagesize)
{
	xmlDocPtr	doc;
	xmlNodePtr	root;
	bool		found = false;

	code[0] = message[0] = '\0';
	if (body == NULL || len == 0 || len > AWS_MAX_ERROR_BODY)
		return false;
	doc = xmlReadMemory(body, (int) len, "Error.xml", NULL, XML_OPTIONS);
	if (doc == NULL)
		return false;
	/* a document with a DTD is no S3 error: its entities are never read */
	root = doc->intSubset ? NULL : xmlDocGetRootElement(doc);
	if (root && IsElement(root, "Error") &&
		CopyChildText(root, "Code", code, codesize, false) && code[0])
	{
		CopyChildText(root, "Message", message, messagesize, true);
		found = true;
	}
	else
		code[0] = message[0] = '\0';
	xmlFreeDoc(doc);
	return found;
}

/* S3's rules for an error code; see aws_service.h */
int
aws_classify_s3_code(long status, const char *code)
{
	static const char *const transient[] = {
		"SlowDown", "RequestTimeout", "InternalError", "ServiceUnavailable",
		"Throttling", "ThrottlingException", NULL
	};

	return ClassifyCode(status, code, transient);
}

/* S3: the code of the XML error body decides, else the status */
static int
ClassifyS3(long status, const char *error_type, const char *body, size_t len)
{
	char		code[AWS_ERROR_CODE_MAX];
	char		message[AWS_ERROR_MESSAGE_MAX];

	(void) error_type;
	if (aws_s3_error_parse(body, len, code, sizeof(code),
						   message, sizeof(message)))
		return aws_classify_s3_code(status, code);
	return aws_classify_s3_code(status, NULL);
}

/*--- The profiles ---*/

const AwsServiceProfile aws_service_sagemaker_runtime = {
	.signing_name = "sagemaker",
	.sign_options = 0,
	.unsigned_payload_ok = false,
	.classify = ClassifySageMaker,
};

const AwsServiceProfile aws_service_s3 = {
	.signing_name = "s3",
	.sign_options = SIGV4_S3_PATH | SIGV4_ADD_CONTENT_SHA256,
	.unsigned_payload_ok = true,
	.classify = ClassifyS3,
};
