/*-------------------------------------------------------------------------
 *
 * test_aws_service.c
 *	  Unit tests of the service profiles: S3's XML error parser and the
 *	  retry/throttling classifiers of S3 and SageMaker runtime.
 *
 *-------------------------------------------------------------------------
 */
#include <string.h>

#include "aws/aws_service.h"
#include "aws/sigv4.h"

#include "unit.h"

#define RETRY		AWS_REPLY_RETRY
#define THROTTLED	AWS_REPLY_THROTTLED

static char code[AWS_ERROR_CODE_MAX];
static char message[AWS_ERROR_MESSAGE_MAX];

/* Parses body into the static code and message */
static int
Parse(const char *body)
{
	return aws_s3_error_parse(body, strlen(body), code, sizeof(code),
							  message, sizeof(message));
}

/* The S3 profile's class of a reply */
static int
S3(long status, const char *body)
{
	return aws_service_s3.classify(status, NULL, body, body ? strlen(body) : 0);
}

/* The SageMaker runtime profile's class of a reply */
static int
SageMaker(long status, const char *error_type)
{
	return aws_service_sagemaker_runtime.classify(status, error_type, "{}", 2);
}

/* Checks the XML error parser */
static void
TestParse(void)
{
	static char big[AWS_MAX_ERROR_BODY + 100];
	char		tiny_code[4];
	char		tiny_message[5];
	const char *accented = "<Error><Code>X</Code><Message>caf\xc3\xa9</Message></Error>";

	CHECK(Parse("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>SlowDown</Code>"
				"<Message>Please reduce your request rate.</Message><RequestId>1</RequestId></Error>") &&
		  strcmp(code, "SlowDown") == 0 &&
		  strcmp(message, "Please reduce your request rate.") == 0,
		  "parse: code and message");
	CHECK(Parse("<Error><Code>NoSuchKey</Code></Error>") &&
		  strcmp(code, "NoSuchKey") == 0 && message[0] == '\0',
		  "parse: no message");
	CHECK(Parse("<Error><Message>a &amp; b &lt;c&gt;</Message><Code>AccessDenied</Code></Error>") &&
		  strcmp(code, "AccessDenied") == 0 && strcmp(message, "a & b <c>") == 0,
		  "parse: predefined entities decoded, any order");
	CHECK(!Parse("<Error><Message>no code</Message></Error>") && code[0] == '\0' &&
		  message[0] == '\0', "parse: no code is no S3 error");
	CHECK(!Parse("<Error><Code></Code></Error>"), "parse: empty code");
	CHECK(!Parse("<ListBucketResult><Code>X</Code></ListBucketResult>"),
		  "parse: another root element");
	CHECK(!Parse("{\"message\": \"json\"}"), "parse: not XML");
	CHECK(!Parse("<Error><Code>Slow"), "parse: truncated document");
	CHECK(!Parse(""), "parse: empty body");
	CHECK(!aws_s3_error_parse(NULL, 0, code, sizeof(code), message, sizeof(message)),
		  "parse: no body");
	CHECK(!Parse("<!DOCTYPE Error [<!ENTITY x \"SlowDown\">]><Error><Code>&x;</Code></Error>"),
		  "parse: a document with a DTD is refused (no entity is expanded)");
	CHECK(!Parse("<!DOCTYPE Error SYSTEM \"file:///etc/passwd\"><Error><Code>X</Code></Error>"),
		  "parse: an external DTD is refused, never loaded");
	CHECK(!Parse("<Error><Code>&ext;</Code></Error>"),
		  "parse: an undeclared entity is a malformed document");

	memset(big, ' ', sizeof(big) - 1);
	memcpy(big, "<Error><Code>SlowDown</Code>", 28);
	memcpy(big + sizeof(big) - 9, "</Error>", 8);
	CHECK(!Parse(big), "parse: a body over AWS_MAX_ERROR_BODY is not parsed");

	CHECK(aws_s3_error_parse("<Error><Code>SlowDown</Code></Error>", 36,
							 tiny_code, sizeof(tiny_code), message, sizeof(message)) == 0 &&
		  tiny_code[0] == '\0', "parse: a code too long for its buffer is missing");
	CHECK(aws_s3_error_parse(accented, strlen(accented), code, sizeof(code),
							 tiny_message, sizeof(tiny_message)) &&
		  strcmp(tiny_message, "caf") == 0,
		  "parse: a message is clipped at a UTF-8 character boundary");
}

/* Checks the S3 classifier */
static void
TestS3(void)
{
	const char *slowdown = "<Error><Code>SlowDown</Code><Message>m</Message></Error>";
	const char *timeout = "<Error><Code>RequestTimeout</Code><Message>m</Message></Error>";
	const char *internal = "<Error><Code>InternalError</Code></Error>";
	const char *unavailable = "<Error><Code>ServiceUnavailable</Code></Error>";
	const char *nokey = "<Error><Code>NoSuchKey</Code></Error>";
	const char *denied = "<Error><Code>AccessDenied</Code></Error>";

	CHECK(S3(503, slowdown) == (RETRY | THROTTLED), "s3: SlowDown is throttling, retried");
	CHECK(S3(400, slowdown) == (RETRY | THROTTLED), "s3: SlowDown whatever the status");
	CHECK(S3(400, timeout) == RETRY, "s3: RequestTimeout (400) retried");
	CHECK(S3(500, internal) == RETRY, "s3: InternalError retried");
	CHECK(S3(503, unavailable) == RETRY, "s3: ServiceUnavailable retried");
	CHECK(S3(404, nokey) == 0, "s3: NoSuchKey final");
	CHECK(S3(403, denied) == 0, "s3: AccessDenied final");
	CHECK(S3(502, NULL) == RETRY, "s3: a 5xx without a body retried");
	CHECK(S3(501, "<Error><Code>NotImplemented</Code></Error>") == 0,
		  "s3: 501 final");
	CHECK(S3(429, "not xml") == (RETRY | THROTTLED), "s3: 429 without an S3 body");
	CHECK(S3(400, "<Error><Code>InvalidArgument</Code></Error>") == 0,
		  "s3: other 4xx final");
	CHECK(aws_classify_s3_code(400, "RequestTimeout") == RETRY,
		  "s3: the code alone classifies");
	CHECK(strcmp(aws_service_s3.signing_name, "s3") == 0 &&
		  aws_service_s3.sign_options == (SIGV4_S3_PATH | SIGV4_ADD_CONTENT_SHA256) &&
		  aws_service_s3.unsigned_payload_ok,
		  "s3: signs as s3, S3 path rules, content hash header, UNSIGNED-PAYLOAD allowed");
}

/* Checks the SageMaker runtime and plain HTTP classifiers */
static void
TestSageMaker(void)
{
	CHECK(SageMaker(429, "ThrottlingException") == (RETRY | THROTTLED),
		  "sagemaker: 429 throttling");
	CHECK(SageMaker(400, "ThrottlingException") == (RETRY | THROTTLED),
		  "sagemaker: ThrottlingException with 400");
	CHECK(SageMaker(503, "ServiceUnavailable") == RETRY, "sagemaker: 503 retried");
	CHECK(SageMaker(424, "ModelError") == 0, "sagemaker: ModelError final");
	CHECK(SageMaker(500, "ModelError") == 0, "sagemaker: ModelError final even as a 5xx");
	CHECK(SageMaker(400, "ModelNotReadyException") == RETRY,
		  "sagemaker: ModelNotReadyException retried");
	CHECK(SageMaker(400, "ValidationError") == 0, "sagemaker: ValidationError final");
	CHECK(SageMaker(403, "InvalidSignatureException") == 0, "sagemaker: 403 final");
	CHECK(SageMaker(400, NULL) == 0, "sagemaker: 400 without a type final");
	CHECK(strcmp(aws_service_sagemaker_runtime.signing_name, "sagemaker") == 0 &&
		  aws_service_sagemaker_runtime.sign_options == 0 &&
		  !aws_service_sagemaker_runtime.unsigned_payload_ok,
		  "sagemaker: signs as sagemaker, its payload always hashed");
	CHECK(aws_classify_json(400, "SomethingThrottledHere") == THROTTLED,
		  "json: a type naming throttling is throttling");
	CHECK(aws_classify_http(500) == RETRY && aws_classify_http(501) == 0 &&
		  aws_classify_http(404) == 0 && aws_classify_http(429) == (RETRY | THROTTLED),
		  "http: 5xx but 501 retried, 429 throttled");
}

int
main(void)
{
	TestParse();
	TestS3();
	TestSageMaker();
	return unit_done();
}
