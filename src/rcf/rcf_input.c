/*-------------------------------------------------------------------------
 *
 * rcf_input.c
 *	  Checks and converts what SQL hands the Random Cut Forest: points as
 *	  float8 arrays and options as jsonb.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"

#include "rcf/rcf.h"

/* Streaming defaults: Kinesis-like decay of 1 / (10 * sample size) */
#define RCF_DEFAULT_TREES		100
#define RCF_DEFAULT_SAMPLE_SIZE 256
#define RCF_DEFAULT_SEED		42
#define RCF_STREAM_DECAY_FACTOR 10.0

/* Most values (trees x sample size x dimensions) one forest may hold */
#define RCF_MAX_VALUES			(INT64CONST(1) << 26)

/* An option name, and the calls that accept it */
typedef struct RcfOptionName
{
	const char *name;
	bool		stream_only;
} RcfOptionName;

static const RcfOptionName rcf_option_names[] = {
	{"trees", false},
	{"sample_size", false},
	{"seed", false},
	{"time_decay", false},
	{"shingle_size", true},
	{"warmup", true},
};

/* Validates a point array's shape and returns its length */
int
RcfArrayLength(ArrayType *array, const char *what)
{
	int			length;

	if (ARR_ELEMTYPE(array) != FLOAT8OID)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("%s must be an array of float8", what)));
	if (ARR_NDIM(array) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("%s must not be empty", what)));
	if (ARR_NDIM(array) != 1)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("%s must be a one-dimensional array, not %d-dimensional",
						what, ARR_NDIM(array))));
	length = ARR_DIMS(array)[0];
	if (length > RCF_MAX_DIMS)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s has %d values, more than the %d dimensions allowed",
						what, length, RCF_MAX_DIMS)));
	if (array_contains_nulls(array))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not contain NULL values", what)));
	return length;
}

/* Copies a point of exactly "dims" finite values out of an array */
void
RcfReadPoint(ArrayType *array, int dims, double *point, const char *what)
{
	int			length = RcfArrayLength(array, what);
	const float8 *values = (const float8 *) ARR_DATA_PTR(array);

	if (length != dims)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg_plural("%s has %d dimension, but the model's points have %d",
							   "%s has %d dimensions, but the model's points have %d",
							   length, what, length, dims)));
	for (int i = 0; i < dims; i++)
	{
		if (!isfinite(values[i]))
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("%s has a non-finite value at position %d",
							what, i + 1),
					 errhint("Filter out or replace NaN and Infinity values first.")));
		point[i] = values[i];
	}
}

/* Reads a numeric option value as float8, or fails naming the key */
static double
OptionNumber(const char *key, JsonbValue *value)
{
	if (value->type != jbvNumeric)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"%s\" must be a number", key)));
	return DatumGetFloat8(DirectFunctionCall1(numeric_float8,
											  NumericGetDatum(value->val.numeric)));
}

/* Compares two numerics (-1, 0, 1) */
static int
NumericCompare(Numeric a, Numeric b)
{
	return DatumGetInt32(DirectFunctionCall2(numeric_cmp, NumericGetDatum(a),
											 NumericGetDatum(b)));
}

/*
 * Reads a whole-number option value within [min, max].  It is checked as
 * the exact numeric it was written as: through float8, a seed of
 * 9223372036854775807 would round to 2^63 and wrap around.
 */
static int64
OptionInteger(const char *key, JsonbValue *value, int64 min, int64 max)
{
	Numeric		number;
	Numeric		whole;

	if (value->type != jbvNumeric)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"%s\" must be a number", key)));
	number = value->val.numeric;
	whole = DatumGetNumeric(DirectFunctionCall2(numeric_trunc,
												NumericGetDatum(number),
												Int32GetDatum(0)));
	if (numeric_is_nan(number) || numeric_is_inf(number) ||
		NumericCompare(number, whole) != 0 ||
		NumericCompare(number, int64_to_numeric(min)) < 0 ||
		NumericCompare(number, int64_to_numeric(max)) > 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"%s\" must be a whole number between "
						INT64_FORMAT " and " INT64_FORMAT, key, min, max)));
	return DatumGetInt64(DirectFunctionCall1(numeric_int8,
											 NumericGetDatum(number)));
}

/* Fails on an option name the caller does not accept, listing the valid ones */
static void
CheckOptionName(const char *key, RcfOptionSet set)
{
	StringInfoData valid;

	initStringInfo(&valid);
	for (int i = 0; i < lengthof(rcf_option_names); i++)
	{
		if (rcf_option_names[i].stream_only && set != RCF_OPTIONS_STREAM)
			continue;
		if (strcmp(key, rcf_option_names[i].name) == 0)
			return;
		appendStringInfo(&valid, "%s%s", valid.len ? ", " : "",
						 rcf_option_names[i].name);
	}
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unrecognized option \"%s\"", key),
			 errhint("Valid options are: %s.", valid.data)));
}

/* Stores one option in *result */
static void
SetOption(const char *key, JsonbValue *value, RcfOptions *result)
{
	RcfParams  *params = &result->params;

	if (strcmp(key, "trees") == 0)
		params->num_trees = OptionInteger(key, value, 1, RCF_MAX_TREES);
	else if (strcmp(key, "sample_size") == 0)
		params->sample_size = OptionInteger(key, value, RCF_MIN_SAMPLE_SIZE,
											RCF_MAX_SAMPLE_SIZE);
	else if (strcmp(key, "seed") == 0)
		params->seed = (uint64) OptionInteger(key, value, 0, PG_INT64_MAX);
	else if (strcmp(key, "time_decay") == 0)
	{
		params->time_decay = OptionNumber(key, value);
		if (!isfinite(params->time_decay) || params->time_decay < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("option \"time_decay\" must be zero or positive")));
	}
	else if (strcmp(key, "shingle_size") == 0)
		result->shingle_size = OptionInteger(key, value, 1, RCF_MAX_DIMS);
	else if (strcmp(key, "warmup") == 0)
		result->warmup = OptionInteger(key, value, 0, PG_INT64_MAX);
}

/*
 * Parses the options object of rcf_train or rcf_stream_score into *result,
 * starting from the defaults; "options" may be NULL.  The dimensions are
 * left at 0 for the caller to set from the first point.
 */
void
RcfParseOptions(Jsonb *options, RcfOptionSet set, RcfOptions *result)
{
	JsonbIterator *it;
	JsonbValue	value;
	JsonbIteratorToken token;
	bool		decay_set = false;
	char	   *key = NULL;

	memset(result, 0, sizeof(*result));
	result->params.num_trees = RCF_DEFAULT_TREES;
	result->params.sample_size = RCF_DEFAULT_SAMPLE_SIZE;
	result->params.seed = RCF_DEFAULT_SEED;
	result->shingle_size = 1;
	result->warmup = -1;

	if (options != NULL)
	{
		if (!JB_ROOT_IS_OBJECT(options))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("options must be a JSON object"),
					 errhint("For example: '{\"trees\": 50, \"sample_size\": 128}'.")));
		it = JsonbIteratorInit(&options->root);
		while ((token = JsonbIteratorNext(&it, &value, true)) != WJB_DONE)
		{
			if (token == WJB_KEY)
			{
				key = pnstrdup(value.val.string.val, value.val.string.len);
				CheckOptionName(key, set);
				decay_set |= strcmp(key, "time_decay") == 0;
			}
			else if (token == WJB_VALUE)
				SetOption(key, &value, result);
		}
	}

	if (set == RCF_OPTIONS_STREAM && !decay_set)
		result->params.time_decay =
			1.0 / (RCF_STREAM_DECAY_FACTOR * result->params.sample_size);
	if (result->warmup < 0)
		result->warmup = set == RCF_OPTIONS_STREAM ?
			result->params.sample_size / 4 : 0;
}

/* A copy of an options value (NULL: none given) in the context */
Jsonb *
RcfCopyOptions(MemoryContext context, Jsonb *options)
{
	Jsonb	   *copy;

	if (options == NULL)
		return NULL;
	copy = MemoryContextAlloc(context, VARSIZE(options));
	memcpy(copy, options, VARSIZE(options));
	return copy;
}

/* Whether two options values (NULL: none given) are the same */
bool
RcfSameOptions(Jsonb *a, Jsonb *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return VARSIZE(a) == VARSIZE(b) && memcmp(a, b, VARSIZE(a)) == 0;
}

/* Raises the core's complaint about parameters, if it has one */
void
RcfCheckParams(const RcfParams *params)
{
	const char *problem = rcf_params_check(params);

	if (problem != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid random cut forest parameters: %s", problem)));
	if ((int64) params->num_trees * params->sample_size * params->dims >
		RCF_MAX_VALUES)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("a forest of %d trees of %d points in %d dimensions is too large",
						params->num_trees, params->sample_size, params->dims),
				 errdetail("At most " INT64_FORMAT " values (trees times sample size times dimensions) are allowed.",
						   RCF_MAX_VALUES)));
}
