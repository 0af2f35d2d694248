/*-------------------------------------------------------------------------
 *
 * infer_function.c
 *	  Endpoint functions: the sagemaker procedural language (handler and
 *	  validator), sagemaker_infer, and what a call needs to know about its
 *	  endpoint (InferFunction), with per-function settings applied.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <ctype.h>

#include "access/htup_details.h"
#include "catalog/pg_language.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_type.h"
#include "commands/event_trigger.h"
#include "commands/proclang.h"
#include "commands/trigger.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "nodes/nodeFuncs.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "aws/aws.h"
#include "aws/sigv4.h"
#include "infer/infer.h"

#define SAGEMAKER_SERVICE		"sagemaker"
#define ENDPOINT_NAME_MAX		63

PG_FUNCTION_INFO_V1(sagemaker_call_handler);
PG_FUNCTION_INFO_V1(sagemaker_validator);
PG_FUNCTION_INFO_V1(sagemaker_infer);

/* The OID of the sagemaker language, or InvalidOid when not installed */
Oid
InferLanguageOid(void)
{
	return get_language_oid("sagemaker", true);
}

/* Whether a function is sagemaker_infer (looked up by its C symbol) */
static bool
IsSagemakerInfer(HeapTuple proc)
{
	Form_pg_proc form = (Form_pg_proc) GETSTRUCT(proc);
	bool		isnull;
	Datum		prosrc;

	if (form->prolang != ClanguageId)
		return false;
	prosrc = SysCacheGetAttr(PROCOID, proc, Anum_pg_proc_prosrc, &isnull);
	return !isnull && strcmp(TextDatumGetCString(prosrc), "sagemaker_infer") == 0;
}

/*--- Local models' batch forms -----------------------------------------------*/

#define MAX_LOCAL_BATCH 4

/* A C function of this library with a batch form, by its symbol */
typedef struct LocalBatchEntry
{
	const char *symbol;
	InferLocalBatch batch;
} LocalBatchEntry;

static LocalBatchEntry local_batches[MAX_LOCAL_BATCH];
static int	nlocal_batches = 0;

/* Registers the batch form of this library's C function "symbol" (at load) */
void
InferRegisterLocalBatch(const char *symbol, InferLocalBatch batch)
{
	if (nlocal_batches >= MAX_LOCAL_BATCH)
		elog(ERROR, "too many local batch functions");
	local_batches[nlocal_batches].symbol = symbol;
	local_batches[nlocal_batches++].batch = batch;
}

/*
 * The batch form of a function: one of this library's C functions (its
 * probin names pg_infer's library) whose symbol is registered; else NULL
 */
static InferLocalBatch
LocalBatchOfProc(HeapTuple proc)
{
	Form_pg_proc form = (Form_pg_proc) GETSTRUCT(proc);
	bool		isnull;
	Datum		datum;
	char	   *probin;
	char	   *prosrc;
	size_t		len;

	if (form->prolang != ClanguageId || nlocal_batches == 0)
		return NULL;
	datum = SysCacheGetAttr(PROCOID, proc, Anum_pg_proc_probin, &isnull);
	if (isnull)
		return NULL;
	probin = TextDatumGetCString(datum);
	len = strlen(probin);
	if (len < 8 || strcmp(probin + len - 8, "pg_infer") != 0)
		return NULL;
	prosrc = TextDatumGetCString(SysCacheGetAttr(PROCOID, proc,
												 Anum_pg_proc_prosrc, &isnull));
	for (int i = 0; i < nlocal_batches; i++)
		if (strcmp(prosrc, local_batches[i].symbol) == 0)
			return local_batches[i].batch;
	return NULL;
}

/* The batch form of a function, or NULL when it has none */
InferLocalBatch
InferLocalBatchOf(Oid funcid)
{
	HeapTuple	proc = SearchSysCache1(PROCOID, ObjectIdGetDatum(funcid));
	InferLocalBatch result;

	if (!HeapTupleIsValid(proc))
		return NULL;
	result = LocalBatchOfProc(proc);
	ReleaseSysCache(proc);
	return result;
}

/*
 * Whether a function calls an endpoint, and how; "language" is the sagemaker
 * language's OID (InferLanguageOid), which a caller checking many functions
 * looks up once.
 */
InferCallKind
InferCallKindOf(Oid funcid, Oid language)
{
	HeapTuple	proc;
	InferCallKind result = INFER_CALL_NONE;

	if (!OidIsValid(language))
		return INFER_CALL_NONE;
	proc = SearchSysCache1(PROCOID, ObjectIdGetDatum(funcid));
	if (!HeapTupleIsValid(proc))
		return INFER_CALL_NONE;
	if (((Form_pg_proc) GETSTRUCT(proc))->prolang == language)
		result = INFER_CALL_FUNCTION;
	else if (IsSagemakerInfer(proc))
		result = INFER_CALL_ADHOC;
	else if (LocalBatchOfProc(proc) != NULL)
		result = INFER_CALL_LOCAL;
	ReleaseSysCache(proc);
	return result;
}

/* Fails unless a name is a valid SageMaker endpoint name */
static void
CheckEndpointName(const char *name)
{
	size_t		len = strlen(name);
	bool		valid = len > 0 && len <= ENDPOINT_NAME_MAX &&
		isalnum((unsigned char) name[0]) &&
		isalnum((unsigned char) name[len - 1]);

	for (size_t i = 0; valid && i < len; i++)
		valid = isalnum((unsigned char) name[i]) || name[i] == '-';
	if (!valid)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid SageMaker endpoint name \"%s\"", name),
				 errdetail("An endpoint name has 1 to 63 letters, digits and hyphens, and starts and ends with a letter or digit.")));
}

/* The runtime URL of an endpoint, and whether requests to it are signed */
static char *
EndpointUrl(const char *endpoint, bool *sign)
{
	const char *base = infer_endpoint_url;
	char		encoded[ENDPOINT_NAME_MAX * 3 + 1];
	size_t		len;

	*sign = true;
	if (base == NULL || base[0] == '\0')
		base = getenv("AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME");
	if (base == NULL || base[0] == '\0')
		base = getenv("AWS_ENDPOINT_URL");
	if (base == NULL || base[0] == '\0')
		base = psprintf("https://runtime.sagemaker.%s.amazonaws.com",
						AwsGetRegion());
	else
		*sign = infer_sign_requests;

	len = strlen(base);
	if (len >= 12 && strcmp(base + len - 12, "/invocations") == 0)
		return pstrdup(base);
	while (len > 0 && base[len - 1] == '/')
		len--;
	sigv4_uri_encode(endpoint, strlen(endpoint), false, encoded,
					 sizeof(encoded));
	return psprintf("%.*s/endpoints/%s/invocations", (int) len, base, encoded);
}

/* A setting's text, or NULL when it is empty */
static char *
OptionalString(const char *value)
{
	return value != NULL && value[0] != '\0' ? pstrdup(value) : NULL;
}

/* Fills the settings-driven fields of fn from the current settings */
static void
ReadSettings(InferFunction *fn)
{
	fn->url = EndpointUrl(fn->endpoint, &fn->sign);
	fn->batch_size = infer_batch_size;
	fn->max_in_flight = aws_max_in_flight;
	fn->max_payload = infer_max_payload;
	fn->content_type = (CodecFormat) infer_content_type;
	fn->accept = infer_accept < 0 ? fn->content_type : (CodecFormat) infer_accept;
	fn->json_field = OptionalString(infer_json_field);
	fn->custom_attributes = OptionalString(infer_custom_attributes);
	fn->target_variant = OptionalString(infer_target_variant);
	fn->target_model = OptionalString(infer_target_model);
}

/*
 * Reads the settings as they are inside a function with SET clauses: the
 * function's proconfig is applied in a GUC nest level and rolled back, as
 * fmgr does around a call.
 */
static void
ReadSettingsOf(InferFunction *fn, HeapTuple proc)
{
	bool		isnull;
	Datum		config = SysCacheGetAttr(PROCOID, proc, Anum_pg_proc_proconfig,
										 &isnull);
	int			nestlevel;

	if (isnull)
	{
		ReadSettings(fn);
		return;
	}
	nestlevel = NewGUCNestLevel();
	ProcessGUCArray(DatumGetArrayTypeP(config),
					superuser() ? PGC_SUSET : PGC_USERSET,
					PGC_S_SESSION, GUC_ACTION_SAVE);
	ReadSettings(fn);
	AtEOXact_GUC(true, nestlevel);
}

/* Describes how one argument type is encoded */
static void
DescribeArg(InferArg *arg, Oid type)
{
	Oid			scalar = type;
	Oid			output;
	bool		isvarlena;
	bool		preferred;

	arg->type = type;
	get_typlenbyval(type, &arg->typlen, &arg->typbyval);
	arg->element = get_element_type(type);
	if (OidIsValid(arg->element))
	{
		scalar = arg->element;
		get_typlenbyvalalign(scalar, &arg->elmlen, &arg->elmbyval,
							 &arg->elmalign);
	}
	get_type_category_preferred(scalar, &arg->category, &preferred);
	getTypeOutputInfo(scalar, &output, &isvarlena);
	fmgr_info(output, &arg->output);
}

/* A new InferFunction for an endpoint and argument types */
static InferFunction *
NewFunction(const char *endpoint, int nargs, const Oid *types,
			Oid result_type, bool strict)
{
	InferFunction *fn = palloc0(sizeof(InferFunction));

	CheckEndpointName(endpoint);
	fn->endpoint = pstrdup(endpoint);
	fn->strict = strict;
	fn->nargs = nargs;
	fn->args = palloc0(sizeof(InferArg) * Max(nargs, 1));
	for (int i = 0; i < nargs; i++)
		DescribeArg(&fn->args[i], types[i]);
	fn->result_type = result_type;
	fn->result_typmod = -1;
	return fn;
}

/* The InferFunction of a sagemaker-language function */
static InferFunction *
FunctionOfProc(Oid funcid)
{
	HeapTuple	proc = SearchSysCache1(PROCOID, ObjectIdGetDatum(funcid));
	Form_pg_proc form;
	bool		isnull;
	InferFunction *fn;

	if (!HeapTupleIsValid(proc))
		elog(ERROR, "cache lookup failed for function %u", funcid);
	form = (Form_pg_proc) GETSTRUCT(proc);
	fn = NewFunction(TextDatumGetCString(SysCacheGetAttr(PROCOID, proc,
														 Anum_pg_proc_prosrc,
														 &isnull)),
					 form->pronargs, form->proargtypes.values,
					 form->prorettype, form->proisstrict);
	ReadSettingsOf(fn, proc);
	ReleaseSysCache(proc);
	return fn;
}

/* The InferFunction of a call of sagemaker_infer with a constant endpoint */
static InferFunction *
FunctionOfInfer(const char *endpoint, int nargs, const Oid *types)
{
	InferFunction *fn = NewFunction(endpoint, nargs, types, JSONBOID, true);

	ReadSettings(fn);
	return fn;
}

/*
 * The InferFunction of a planned call, allocated in mcxt; for
 * sagemaker_infer, the first argument must be a constant endpoint name.
 */
InferFunction *
InferFunctionForCall(FuncExpr *call, MemoryContext mcxt)
{
	MemoryContext old = MemoryContextSwitchTo(mcxt);
	InferFunction *fn;

	if (InferCallKindOf(call->funcid, InferLanguageOid()) == INFER_CALL_FUNCTION)
		fn = FunctionOfProc(call->funcid);
	else
	{
		Const	   *endpoint = linitial_node(Const, call->args);
		int			nargs = list_length(call->args) - 1;
		Oid		   *types = palloc(sizeof(Oid) * Max(nargs, 1));

		for (int i = 0; i < nargs; i++)
			types[i] = exprType(list_nth(call->args, i + 1));
		fn = FunctionOfInfer(TextDatumGetCString(endpoint->constvalue),
							 nargs, types);
	}
	MemoryContextSwitchTo(old);
	return fn;
}

/*
 * The InferFunction of a call made row by row through fmgr, cached in
 * fn_extra (for sagemaker_infer, while the endpoint stays the same).
 */
InferFunction *
InferFunctionForFcinfo(FunctionCallInfo fcinfo)
{
	InferFunction *fn = fcinfo->flinfo->fn_extra;
	MemoryContext old;
	bool		is_infer = fcinfo->flinfo->fn_addr == sagemaker_infer;
	char	   *endpoint = NULL;

	if (is_infer)
		endpoint = TextDatumGetCString(PG_GETARG_DATUM(0));
	if (fn != NULL && (!is_infer || strcmp(fn->endpoint, endpoint) == 0))
		return fn;

	old = MemoryContextSwitchTo(fcinfo->flinfo->fn_mcxt);
	if (is_infer)
	{
		int			nargs = PG_NARGS() - 1;
		Oid		   *types = palloc(sizeof(Oid) * Max(nargs, 1));

		for (int i = 0; i < nargs; i++)
			types[i] = get_fn_expr_argtype(fcinfo->flinfo, i + 1);
		fn = FunctionOfInfer(endpoint, nargs, types);
	}
	else
		fn = FunctionOfProc(fcinfo->flinfo->fn_oid);
	MemoryContextSwitchTo(old);
	fcinfo->flinfo->fn_extra = fn;
	return fn;
}

/* Calls the endpoint for the one row of an fmgr call */
static Datum
InvokeOneRow(FunctionCallInfo fcinfo, InferFunction *fn, int first_arg)
{
	Datum	   *args = palloc(sizeof(Datum) * Max(fn->nargs, 1));
	bool	   *nulls = palloc(sizeof(bool) * Max(fn->nargs, 1));
	Datum		result;
	bool		result_null;
	InferCounters counters = {0};

	for (int i = 0; i < fn->nargs; i++)
	{
		args[i] = PG_GETARG_DATUM(first_arg + i);
		nulls[i] = PG_ARGISNULL(first_arg + i);
	}
	InferInvoke(fn, 1, args, nulls, &result, &result_null, &counters);
	if (result_null)
		PG_RETURN_NULL();
	return result;
}

/* The handler of LANGUAGE sagemaker: one row, one request */
Datum
sagemaker_call_handler(PG_FUNCTION_ARGS)
{
	if (CALLED_AS_TRIGGER(fcinfo) || CALLED_AS_EVENT_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("sagemaker functions cannot be triggers")));
	return InvokeOneRow(fcinfo, InferFunctionForFcinfo(fcinfo), 0);
}

/*
 * sagemaker_infer(endpoint, VARIADIC "any"): the row's result as jsonb.
 * Outside a batching plan it makes one request per row.
 */
Datum
sagemaker_infer(PG_FUNCTION_ARGS)
{
	if (get_fn_expr_variadic(fcinfo->flinfo))
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("sagemaker_infer does not take its inputs as a VARIADIC array"),
				 errhint("Pass the inputs as separate arguments.")));
	return InvokeOneRow(fcinfo, InferFunctionForFcinfo(fcinfo), 1);
}

/* Fails unless a type can be sent to an endpoint */
static void
CheckArgType(Oid type, int position)
{
	char		typtype = get_typtype(type);

	if (typtype == TYPTYPE_PSEUDO || typtype == TYPTYPE_COMPOSITE ||
		(OidIsValid(get_element_type(type)) &&
		 get_typtype(get_element_type(type)) == TYPTYPE_COMPOSITE))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_FUNCTION_DEFINITION),
				 errmsg("sagemaker functions cannot take argument %d of type %s",
						position, format_type_be(type)),
				 errhint("Use scalar types or arrays of them.")));
}

/* Fails unless a type can be made from an endpoint's result */
static void
CheckResultType(Oid type, bool retset)
{
	char		typtype = get_typtype(type);

	if (retset)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_FUNCTION_DEFINITION),
				 errmsg("sagemaker functions cannot return sets")));
	if (typtype == TYPTYPE_PSEUDO)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_FUNCTION_DEFINITION),
				 errmsg("sagemaker functions cannot return type %s",
						format_type_be(type)),
				 errhint("Return a scalar type, an array, jsonb, or a composite type.")));
}

/* The validator of LANGUAGE sagemaker: checks name, arguments and result */
Datum
sagemaker_validator(PG_FUNCTION_ARGS)
{
	Oid			funcid = PG_GETARG_OID(0);
	HeapTuple	proc;
	Form_pg_proc form;
	bool		isnull;

	if (!CheckFunctionValidatorAccess(fcinfo->flinfo->fn_oid, funcid))
		PG_RETURN_VOID();
	proc = SearchSysCache1(PROCOID, ObjectIdGetDatum(funcid));
	if (!HeapTupleIsValid(proc))
		elog(ERROR, "cache lookup failed for function %u", funcid);
	form = (Form_pg_proc) GETSTRUCT(proc);

	CheckEndpointName(TextDatumGetCString(SysCacheGetAttr(PROCOID, proc,
														  Anum_pg_proc_prosrc,
														  &isnull)));
	for (int i = 0; i < form->pronargs; i++)
		CheckArgType(form->proargtypes.values[i], i + 1);
	CheckResultType(form->prorettype, form->proretset);
	ReleaseSysCache(proc);
	PG_RETURN_VOID();
}
