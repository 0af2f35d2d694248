/*-------------------------------------------------------------------------
 *
 * rcf_detect.c
 *	  rcf_detect: the Random Cut Forest as a detector.  As a window function
 *	  over an ordered series it answers per row whether the row is
 *	  anomalous, how much, against which learned threshold, and what the
 *	  forest expected instead, with bounds and attribution; over a stored
 *	  model it gives the same record for one point.  The work is done by
 *	  the pure core in rcf_detector.c; this file reads options and values
 *	  and builds the rcf_detection records.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "funcapi.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "windowapi.h"

#include "pg_infer.h"
#include "rcf/rcf.h"
#include "rcf/rcf_detect.h"

/* Columns of the rcf_detection type, in order */
enum
{
	COL_SCORE,
	COL_GRADE,
	COL_IS_ANOMALY,
	COL_THRESHOLD,
	COL_EXPECTED,
	COL_LOWER,
	COL_UPPER,
	COL_ATTRIBUTION,
	COL_VALUE,
	COL_IMPUTED,
	DETECTION_COLUMNS
};

/* An option of rcf_detect and whether the model form takes it too */
typedef struct DetectOption
{
	const char *name;
	bool		for_model;
	bool		forest;			/* parsed by RcfParseOptions */
} DetectOption;

static const DetectOption detect_options[] = {
	{"trees", false, true},
	{"sample_size", false, true},
	{"seed", false, true},
	{"time_decay", false, true},
	{"shingle_size", false, false},
	{"warmup", false, false},
	{"transform", false, false},
	{"impute", false, false},
	{"z_factor", true, false},
	{"anomaly_rate", true, false},
	{"band", true, false},
	{"ignore_absolute", true, false},
	{"ignore_relative", true, false},
	{"once_per_episode", false, false},
};

static const char *const transform_names[] = {
	"none", "normalize", "difference", "normalize_difference"
};
static const char *const impute_names[] = {
	"zero", "previous", "linear", "forest"
};

/* The window function's state for one partition */
typedef struct DetectStream
{
	MemoryContext context;		/* holds everything below; NULL at start */
	RcfDetector *detector;
	int			width;			/* values per row */
	double	   *values;			/* the current row's */
	TupleDesc	tupdesc;
	Jsonb	   *options;		/* the first row's options (a copy), or NULL */
} DetectStream;

/* The model form's cache: the decoded forest and its training statistics */
typedef struct DetectModelCache
{
	FmgrInfo	flinfo;			/* RcfCachedForest keeps its cache here */
	RcfForest  *forest;			/* the forest "stats" belong to */
	RcfScoreStats stats;
	TupleDesc	tupdesc;		/* of rcf_detection, blessed */
} DetectModelCache;

PG_FUNCTION_INFO_V1(rcf_detect_stream);
PG_FUNCTION_INFO_V1(rcf_detect_model);

/*--- Options ----------------------------------------------------------------*/

/* The option entry of a key the caller accepts, or an error listing them */
static const DetectOption *
FindOption(const char *key, bool for_model)
{
	StringInfoData valid;

	initStringInfo(&valid);
	for (int i = 0; i < lengthof(detect_options); i++)
	{
		if (for_model && !detect_options[i].for_model)
			continue;
		if (strcmp(key, detect_options[i].name) == 0)
			return &detect_options[i];
		appendStringInfo(&valid, "%s%s", valid.len ? ", " : "",
						 detect_options[i].name);
	}
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unrecognized rcf_detect option \"%s\"", key),
			 errhint("Valid options %s are: %s.",
					 for_model ? "with a model" : "of the window function",
					 valid.data)));
	return NULL;				/* not reached */
}

/* A number option within [min, max] */
static double
NumberOption(const char *key, JsonbValue *v, double min, double max)
{
	double		x = 0;

	if (v->type == jbvNumeric)
		x = DatumGetFloat8(DirectFunctionCall1(numeric_float8,
											   NumericGetDatum(v->val.numeric)));
	if (v->type == jbvNumeric && x >= min && x <= max && isfinite(x))
		return x;
	if (isinf(max))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("rcf_detect option \"%s\" must be a number of at least %g",
						key, min)));
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("rcf_detect option \"%s\" must be a number from %g to %g",
					key, min, max)));
	return x;
}

/* A whole-number option within [min, max] */
static int64
WholeOption(const char *key, JsonbValue *v, int64 min, int64 max)
{
	double		x = NumberOption(key, v, (double) min, (double) max);

	if (x != floor(x))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("rcf_detect option \"%s\" must be a whole number", key)));
	return (int64) x;
}

/* A string option naming one of n choices; its index */
static int
ChoiceOption(const char *key, JsonbValue *v, const char *const *names, int n)
{
	StringInfoData valid;

	initStringInfo(&valid);
	for (int i = 0; i < n; i++)
	{
		if (v->type == jbvString && strlen(names[i]) == v->val.string.len &&
			strncmp(names[i], v->val.string.val, v->val.string.len) == 0)
			return i;
		appendStringInfo(&valid, "%s\"%s\"", i ? ", " : "", names[i]);
	}
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("rcf_detect option \"%s\" has an unknown value", key),
			 errhint("Use one of %s.", valid.data)));
	return 0;					/* not reached */
}

/* A boolean option */
static bool
BoolOption(const char *key, JsonbValue *v)
{
	if (v->type != jbvBool)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("rcf_detect option \"%s\" must be true or false", key)));
	return v->val.boolean;
}

/* Stores one detector option; *rate gets anomaly_rate, *z_set z_factor's presence */
static void
SetDetectOption(const char *key, JsonbValue *v, RcfDetectConfig *c,
				double *rate, bool *z_set)
{
	if (strcmp(key, "shingle_size") == 0)
		c->shingle_size = WholeOption(key, v, 1, RCF_MAX_DIMS);
	else if (strcmp(key, "warmup") == 0)
		c->warmup = WholeOption(key, v, 0, PG_INT32_MAX);
	else if (strcmp(key, "transform") == 0)
		c->transform = ChoiceOption(key, v, transform_names,
									lengthof(transform_names));
	else if (strcmp(key, "impute") == 0)
		c->impute = ChoiceOption(key, v, impute_names, lengthof(impute_names));
	else if (strcmp(key, "z_factor") == 0)
	{
		c->z_factor = NumberOption(key, v, 0.001, 1000);
		*z_set = true;
	}
	else if (strcmp(key, "anomaly_rate") == 0)
		*rate = NumberOption(key, v, 1e-12, 0.5);
	else if (strcmp(key, "band") == 0)
		c->band = NumberOption(key, v, 0.01, 1);
	else if (strcmp(key, "ignore_absolute") == 0)
		c->ignore_absolute = NumberOption(key, v, 0, INFINITY);
	else if (strcmp(key, "ignore_relative") == 0)
		c->ignore_relative = NumberOption(key, v, 0, INFINITY);
	else if (strcmp(key, "once_per_episode") == 0)
		c->once_per_episode = BoolOption(key, v);
}

/*
 * Parses rcf_detect's options into *c, from the defaults; the forest's own
 * options (trees, sample_size, seed, time_decay) go through
 * RcfParseOptions as for rcf_stream_score.  The shape is left to the caller.
 */
static void
ParseDetectOptions(Jsonb *options, bool for_model, RcfDetectConfig *c)
{
	JsonbParseState *forest_state = NULL;
	JsonbValue *forest_json;
	RcfOptions	forest;
	double		rate = 0;
	bool		z_set = false;

	rcf_detect_defaults(c);
	pushJsonbValue(&forest_state, WJB_BEGIN_OBJECT, NULL);
	if (options != NULL)
	{
		JsonbIterator *it;
		JsonbValue	v;
		JsonbIteratorToken token;
		const DetectOption *option = NULL;
		char	   *key = NULL;

		if (!JB_ROOT_IS_OBJECT(options))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("rcf_detect options must be a JSON object"),
					 errhint("For example: '{\"shingle_size\": 8, \"z_factor\": 4}'.")));
		it = JsonbIteratorInit(&options->root);
		while ((token = JsonbIteratorNext(&it, &v, true)) != WJB_DONE)
		{
			if (token == WJB_KEY)
			{
				key = pnstrdup(v.val.string.val, v.val.string.len);
				option = FindOption(key, for_model);
				if (option->forest)
					pushJsonbValue(&forest_state, WJB_KEY, &v);
			}
			else if (token == WJB_VALUE && option->forest)
				pushJsonbValue(&forest_state, WJB_VALUE, &v);
			else if (token == WJB_VALUE)
				SetDetectOption(key, &v, c, &rate, &z_set);
		}
	}
	forest_json = pushJsonbValue(&forest_state, WJB_END_OBJECT, NULL);
	RcfParseOptions(JsonbValueToJsonb(forest_json), RCF_OPTIONS_STREAM, &forest);
	c->params = forest.params;
	if (rate > 0 && z_set)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("rcf_detect options \"z_factor\" and \"anomaly_rate\" cannot both be set"),
				 errdetail("Both set the threshold: anomaly_rate as the z-factor whose normal tail is that rate.")));
	if (rate > 0)
		c->z_factor = rcf_detect_z_of_rate(rate);
}

/*--- Records ----------------------------------------------------------------*/

/* The rcf_detection record of an answer over n values */
static Datum
DetectionRecord(TupleDesc tupdesc, const RcfDetection *r, int n)
{
	Datum		values[DETECTION_COLUMNS];
	bool		nulls[DETECTION_COLUMNS];

	memset(nulls, true, sizeof(nulls));
	memset(values, 0, sizeof(values));
	values[COL_VALUE] = RcfFloat8Array(r->value, n);
	values[COL_IMPUTED] = BoolGetDatum(r->imputed);
	nulls[COL_VALUE] = nulls[COL_IMPUTED] = false;
	if (r->scored)
	{
		values[COL_SCORE] = Float8GetDatum(r->score);
		nulls[COL_SCORE] = false;
	}
	if (r->ready)
	{
		values[COL_GRADE] = Float8GetDatum(r->grade);
		values[COL_IS_ANOMALY] = BoolGetDatum(r->is_anomaly);
		values[COL_THRESHOLD] = Float8GetDatum(r->threshold);
		nulls[COL_GRADE] = nulls[COL_IS_ANOMALY] = nulls[COL_THRESHOLD] = false;
	}
	if (r->has_expected)
	{
		values[COL_EXPECTED] = RcfFloat8Array(r->expected, n);
		values[COL_LOWER] = RcfFloat8Array(r->lower, n);
		values[COL_UPPER] = RcfFloat8Array(r->upper, n);
		nulls[COL_EXPECTED] = nulls[COL_LOWER] = nulls[COL_UPPER] = false;
	}
	if (r->has_attribution)
	{
		values[COL_ATTRIBUTION] = RcfFloat8Array(r->attribution, n);
		nulls[COL_ATTRIBUTION] = false;
	}
	return HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls));
}

/* The blessed rcf_detection descriptor of the call, copied into "context" */
static TupleDesc
DetectionDesc(FunctionCallInfo fcinfo, MemoryContext context)
{
	TupleDesc	tupdesc;
	MemoryContext old;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "rcf_detect must return a composite type");
	old = MemoryContextSwitchTo(context);
	tupdesc = BlessTupleDesc(CreateTupleDescCopy(tupdesc));
	MemoryContextSwitchTo(old);
	return tupdesc;
}

/*--- Window function ----------------------------------------------------------*/

/*
 * Sets up the detector of a new partition from its first non-NULL row.
 * The previous partition's memory, remembered in fn_extra, goes first.
 */
static void
StartDetect(FunctionCallInfo fcinfo, DetectStream *stream, int width,
			Jsonb *options)
{
	RcfDetectConfig config;
	RcfAllocator allocator;
	const char *problem;

	if (fcinfo->flinfo->fn_extra != NULL)
		MemoryContextDelete((MemoryContext) fcinfo->flinfo->fn_extra);
	fcinfo->flinfo->fn_extra = NULL;

	ParseDetectOptions(options, false, &config);
	config.width = width;
	rcf_detect_complete(&config, -1);
	RcfCheckParams(&config.params);
	if ((problem = rcf_detect_check(&config)) != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid rcf_detect options: %s", problem)));

	stream->context = AllocSetContextCreate(fcinfo->flinfo->fn_mcxt,
											"rcf_detect",
											ALLOCSET_DEFAULT_SIZES);
	fcinfo->flinfo->fn_extra = stream->context;
	allocator = PgInferAllocator(stream->context);
	stream->detector = rcf_detector_create(&config, &allocator);
	stream->width = width;
	stream->values = MemoryContextAlloc(stream->context, sizeof(double) * width);
	stream->tupdesc = DetectionDesc(fcinfo, stream->context);
	stream->options = RcfCopyOptions(stream->context, options);
}

/* The number of values of a row: 1, or its array's length */
static int
RowWidth(Datum value, bool is_array)
{
	return is_array ? RcfArrayLength(DatumGetArrayTypeP(value), "series value") : 1;
}

/* Reads the current row's values, checking they keep the series' width */
static void
ReadValues(DetectStream *stream, Datum value, bool is_array)
{
	int			width = RowWidth(value, is_array);

	if (width != stream->width)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg("series value has %d values, but the series started with %d",
						width, stream->width),
				 errdetail("Every row of a series (a window partition) must have the same number of values.")));
	if (is_array)
		RcfReadPoint(DatumGetArrayTypeP(value), width, stream->values,
					 "series value");
	else
	{
		stream->values[0] = DatumGetFloat8(value);
		if (!isfinite(stream->values[0]))
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("series value must be finite"),
					 errhint("Filter out NaN and Infinity, or pass NULL to have the value imputed.")));
	}
}

/*
 * rcf_detect(value, options) OVER (ORDER BY ...): the rcf_detection record
 * of the current row, from the rows before it and itself.  NULL rows are
 * imputed; NULL rows before the partition's first value give NULL.
 */
Datum
rcf_detect_stream(PG_FUNCTION_ARGS)
{
	WindowObject winobj = PG_WINDOW_OBJECT();
	DetectStream *stream = WinGetPartitionLocalMemory(winobj, sizeof(DetectStream));
	bool		is_array = get_fn_expr_argtype(fcinfo->flinfo, 0) != FLOAT8OID;
	bool		isnull;
	Datum		value = WinGetFuncArgCurrent(winobj, 0, &isnull);
	bool		options_null;
	Datum		options_datum = WinGetFuncArgCurrent(winobj, 1, &options_null);
	Jsonb	   *options = options_null ? NULL : DatumGetJsonbP(options_datum);
	const RcfDetection *answer;

	if (stream->context == NULL)
	{
		if (isnull)
			PG_RETURN_NULL();
		StartDetect(fcinfo, stream, RowWidth(value, is_array), options);
	}
	else if (!RcfSameOptions(stream->options, options))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("rcf_detect options must be the same for every row of a partition")));
	if (!isnull)
		ReadValues(stream, value, is_array);
	answer = rcf_detector_step(stream->detector, isnull ? NULL : stream->values);
	PG_RETURN_DATUM(DetectionRecord(stream->tupdesc, answer, stream->width));
}

/*--- Model form ----------------------------------------------------------------*/

/*
 * Learns the batch threshold's base of a model just written by training or
 * merging: the score statistics of its sample, kept in the model (format
 * version 2), so that rcf_detect(model, point) need not compute them
 */
void
RcfLearnThreshold(bytea *model)
{
	RcfAllocator allocator = PgInferAllocator(CurrentMemoryContext);
	const char *problem = rcf_detect_learn((uint8_t *) VARDATA(model),
										   VARSIZE(model) - VARHDRSZ,
										   &allocator);

	if (problem != NULL)
		elog(ERROR, "rcf model written by training is invalid: %s", problem);
}

/*
 * The model's forest and training score statistics, computed once per
 * query per model: RcfCachedForest keeps the decoded forest in the fn_extra
 * of an FmgrInfo of ours, and a new forest means new statistics.
 */
static DetectModelCache *
CachedModel(FunctionCallInfo fcinfo)
{
	DetectModelCache *cache = fcinfo->flinfo->fn_extra;
	LOCAL_FCINFO(inner, 1);
	RcfForest  *forest;

	if (cache == NULL)
	{
		cache = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt,
									   sizeof(DetectModelCache));
		cache->flinfo.fn_mcxt = fcinfo->flinfo->fn_mcxt;
		cache->tupdesc = DetectionDesc(fcinfo, fcinfo->flinfo->fn_mcxt);
		fcinfo->flinfo->fn_extra = cache;
	}
	InitFunctionCallInfoData(*inner, &cache->flinfo, 1, InvalidOid, NULL, NULL);
	inner->args[0] = fcinfo->args[0];
	forest = RcfCachedForest(inner, 0);
	if (forest != cache->forest)
	{
		RcfAllocator allocator = PgInferAllocator(CurrentMemoryContext);

		cache->stats = rcf_detect_model_stats(forest, &allocator);
		cache->forest = forest;
	}
	return cache;
}

/*
 * rcf_detect(model, point, options): the rcf_detection record of one point
 * against a stored model, with the threshold from the scores of the
 * model's training sample and each dimension's value expected from the
 * others.  NULL when the model or the point is NULL.
 */
Datum
rcf_detect_model(PG_FUNCTION_ARGS)
{
	DetectModelCache *cache;
	int			dims;
	RcfDetectConfig config;
	RcfDetection answer;
	RcfAllocator allocator = PgInferAllocator(CurrentMemoryContext);
	double	   *point;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
		PG_RETURN_NULL();
	cache = CachedModel(fcinfo);
	dims = rcf_forest_params(cache->forest)->dims;
	point = palloc(sizeof(double) * dims);

	ParseDetectOptions(PG_ARGISNULL(2) ? NULL : PG_GETARG_JSONB_P(2), true,
					   &config);
	RcfReadPoint(PG_GETARG_ARRAYTYPE_P(1), dims, point, "point");
	memset(&answer, 0, sizeof(answer));
	answer.value = palloc(sizeof(double) * dims);
	answer.expected = palloc(sizeof(double) * dims);
	answer.lower = palloc(sizeof(double) * dims);
	answer.upper = palloc(sizeof(double) * dims);
	answer.attribution = palloc(sizeof(double) * dims);
	rcf_detect_point(cache->forest, &cache->stats, &config, point, &allocator,
					 &answer);
	PG_RETURN_DATUM(DetectionRecord(cache->tupdesc, &answer, dims));
}
