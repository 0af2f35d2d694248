/*-------------------------------------------------------------------------
 *
 * infer_config.c
 *	  Settings of SageMaker inference (pg_infer.*).  Each can also be set
 *	  per function with CREATE FUNCTION ... SET.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/guc.h"

#include "aws/aws.h"
#include "infer/infer.h"

/* InvokeEndpoint accepts 6 MB; stay clearly below it */
#define MAX_PAYLOAD_LIMIT	(5 * 1024 * 1024)

int			infer_batch_size = 500;
int			infer_max_payload = MAX_PAYLOAD_LIMIT;
bool		infer_batching = true;
bool		infer_local_batch_jit = false;
int			infer_content_type = CODEC_CSV;
int			infer_accept = -1;
char	   *infer_json_field = NULL;
char	   *infer_custom_attributes = NULL;
char	   *infer_target_variant = NULL;
char	   *infer_target_model = NULL;
char	   *infer_endpoint_url = NULL;
bool		infer_sign_requests = true;

static const struct config_enum_entry content_type_options[] = {
	{"text/csv", CODEC_CSV, false},
	{"application/json", CODEC_JSON, false},
	{"application/jsonlines", CODEC_JSONLINES, false},
	{NULL, 0, false}
};

static const struct config_enum_entry accept_options[] = {
	{"same", -1, false},
	{"text/csv", CODEC_CSV, false},
	{"application/json", CODEC_JSON, false},
	{"application/jsonlines", CODEC_JSONLINES, false},
	{NULL, 0, false}
};

/*
 * Accepts a value that goes into an HTTP header or URL only without
 * control characters: a CR or LF would let it smuggle in headers or a
 * whole request.  Requests check again when they are made.
 */
static bool
CheckHttpValue(char **newval, void **extra, GucSource source)
{
	if (*newval == NULL || !AwsHasControlCharacter(*newval))
		return true;
	GUC_check_errdetail("The value is sent in HTTP requests and cannot hold control characters such as carriage return or line feed.");
	return false;
}

/* Defines the string setting pg_infer.<name> */
static void
DefineString(const char *name, const char *description, char **variable,
			 GucContext context, int flags, GucStringCheckHook check)
{
	DefineCustomStringVariable(psprintf("pg_infer.%s", name), description,
							   NULL, variable, "", context, flags,
							   check, NULL, NULL);
}

/* Defines the inference settings */
void
InferInit(void)
{
	DefineCustomIntVariable("pg_infer.batch_size",
							"Rows sent to an endpoint in one request.",
							NULL, &infer_batch_size, 500, 1, 100000,
							PGC_USERSET, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("pg_infer.max_payload_bytes",
							"Largest request body; batches are split to stay below it.",
							NULL, &infer_max_payload, MAX_PAYLOAD_LIMIT,
							1024, MAX_PAYLOAD_LIMIT, PGC_USERSET,
							GUC_UNIT_BYTE, NULL, NULL, NULL);
	DefineCustomBoolVariable("pg_infer.batching",
							 "Batches endpoint function calls in queries into few requests, and local model scoring (rcf_score, rcf_attribution) into chunks.",
							 NULL, &infer_batching, true, PGC_USERSET, 0,
							 NULL, NULL, NULL);
	DefineCustomBoolVariable("pg_infer.local_batch_jit",
							 "Lets a plan that scores local models in batches use JIT compilation.",
							 "Off: such a plan spends its time in the models' C code, which JIT does not compile.",
							 &infer_local_batch_jit, false, PGC_USERSET, 0,
							 NULL, NULL, NULL);
	DefineCustomEnumVariable("pg_infer.content_type",
							 "Content type of inference requests.",
							 NULL, &infer_content_type, CODEC_CSV,
							 content_type_options, PGC_USERSET, 0,
							 NULL, NULL, NULL);
	DefineCustomEnumVariable("pg_infer.accept",
							 "Content type asked of inference replies; \"same\" asks for the request's.",
							 NULL, &infer_accept, -1, accept_options,
							 PGC_USERSET, 0, NULL, NULL, NULL);
	DefineString("json_field",
				 "Member of each JSON result row to read, e.g. \"score\"; empty reads the row as it is.",
				 &infer_json_field, PGC_USERSET, 0, NULL);
	DefineString("custom_attributes",
				 "X-Amzn-SageMaker-Custom-Attributes sent with inference requests.",
				 &infer_custom_attributes, PGC_USERSET, 0, CheckHttpValue);
	DefineString("target_variant",
				 "Production variant inference requests go to (X-Amzn-SageMaker-Target-Variant).",
				 &infer_target_variant, PGC_USERSET, 0, CheckHttpValue);
	DefineString("target_model",
				 "Model of a multi-model endpoint requests go to (X-Amzn-SageMaker-Target-Model).",
				 &infer_target_model, PGC_USERSET, 0, CheckHttpValue);
	DefineString("sagemaker_endpoint_url",
				 "Base URL of the SageMaker runtime, replacing AWS's; a URL ending in /invocations is used as it is.",
				 &infer_endpoint_url, PGC_SUSET, GUC_SUPERUSER_ONLY,
				 CheckHttpValue);
	DefineCustomBoolVariable("pg_infer.sign_requests",
							 "Signs inference requests with AWS SigV4; off for servers that need no AWS authentication.",
							 NULL, &infer_sign_requests, true, PGC_SUSET, 0,
							 NULL, NULL, NULL);
}
