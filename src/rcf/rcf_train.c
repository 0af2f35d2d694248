/*-------------------------------------------------------------------------
 *
 * rcf_train.c
 *	  The rcf_train aggregate: a reservoir sample per tree while rows
 *	  arrive, merged across parallel workers, written out as a model.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/parallel.h"
#include "utils/builtins.h"

#include "pg_infer.h"
#include "rcf/rcf.h"

/* The transition state: the sampler, and what checks each row */
typedef struct RcfTrainState
{
	RcfSampler *sampler;
	Jsonb	   *options;		/* as given with the first row, or NULL */
	double	   *point;			/* scratch for one row */
} RcfTrainState;

PG_FUNCTION_INFO_V1(rcf_train_accum);
PG_FUNCTION_INFO_V1(rcf_train_combine);
PG_FUNCTION_INFO_V1(rcf_train_serialize);
PG_FUNCTION_INFO_V1(rcf_train_deserialize);
PG_FUNCTION_INFO_V1(rcf_train_final);

/* The aggregate's memory context, or an error when not called as one */
MemoryContext
RcfAggregateContext(FunctionCallInfo fcinfo, const char *name)
{
	MemoryContext context;

	if (!AggCheckCallContext(fcinfo, &context))
		elog(ERROR, "%s called in non-aggregate context", name);
	return context;
}

/* Makes the state around a sampler, in the aggregate's context */
static RcfTrainState *
NewState(MemoryContext context, RcfSampler *sampler, Jsonb *options)
{
	RcfTrainState *state = MemoryContextAllocZero(context, sizeof(RcfTrainState));
	int			dims = rcf_sampler_params(sampler)->dims;

	state->sampler = sampler;
	state->point = MemoryContextAlloc(context, sizeof(double) * dims);
	state->options = RcfCopyOptions(context, options);
	return state;
}

/*
 * Starts training on the first row: options and the row's length fix the
 * parameters.  Parallel workers draw from separate random streams.
 */
static RcfTrainState *
StartTraining(MemoryContext context, ArrayType *first, Jsonb *options)
{
	RcfOptions	parsed;
	RcfAllocator allocator = PgInferAllocator(context);
	uint64		stream = IsParallelWorker() ? ParallelWorkerNumber + 1 : 0;

	RcfParseOptions(options, RCF_OPTIONS_TRAIN, &parsed);
	parsed.params.dims = RcfArrayLength(first, "training point");
	RcfCheckParams(&parsed.params);
	return NewState(context,
					rcf_sampler_create(&parsed.params, stream, &allocator),
					options);
}

/*
 * rcf_train transition, with or without options: offers the row's point to
 * the sampler.  NULL points are skipped, as aggregates skip NULL input.
 */
Datum
rcf_train_accum(PG_FUNCTION_ARGS)
{
	MemoryContext context = RcfAggregateContext(fcinfo, "rcf_train_accum");
	RcfTrainState *state = PG_ARGISNULL(0) ? NULL :
		(RcfTrainState *) PG_GETARG_POINTER(0);
	Jsonb	   *options = NULL;
	ArrayType  *array;
	int			dims;
	int			length;

	if (PG_ARGISNULL(1))
	{
		if (state == NULL)
			PG_RETURN_NULL();	/* no point yet: the state stays NULL */
		PG_RETURN_POINTER(state);
	}
	array = PG_GETARG_ARRAYTYPE_P(1);
	if (PG_NARGS() > 2 && !PG_ARGISNULL(2))
		options = PG_GETARG_JSONB_P(2);

	if (state == NULL)
		state = StartTraining(context, array, options);
	else if (!RcfSameOptions(state->options, options))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("rcf_train options must be the same for every row")));

	dims = rcf_sampler_params(state->sampler)->dims;
	length = RcfArrayLength(array, "training point");
	if (length != dims)
		ereport(ERROR,
				(errcode(ERRCODE_ARRAY_SUBSCRIPT_ERROR),
				 errmsg_plural("training point has %d dimension, earlier points had %d",
							   "training point has %d dimensions, earlier points had %d",
							   length, length, dims)));
	RcfReadPoint(array, dims, state->point, "training point");
	rcf_sampler_add(state->sampler, state->point);
	PG_RETURN_POINTER(state);
}

/* rcf_train combine: merges the reservoirs of two partial states */
Datum
rcf_train_combine(PG_FUNCTION_ARGS)
{
	MemoryContext context = RcfAggregateContext(fcinfo, "rcf_train_combine");
	RcfTrainState *into = PG_ARGISNULL(0) ? NULL :
		(RcfTrainState *) PG_GETARG_POINTER(0);
	RcfTrainState *from = PG_ARGISNULL(1) ? NULL :
		(RcfTrainState *) PG_GETARG_POINTER(1);
	const RcfParams *params;

	if (from == NULL)
	{
		if (into == NULL)
			PG_RETURN_NULL();	/* neither side saw a point */
		PG_RETURN_POINTER(into);
	}
	params = rcf_sampler_params(from->sampler);
	if (into == NULL)
	{
		RcfAllocator allocator = PgInferAllocator(context);

		into = NewState(context, rcf_sampler_create(params, 0, &allocator),
						from->options);
	}
	else if (!rcf_params_equal(rcf_sampler_params(into->sampler), params))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("rcf_train options and dimensions must be the same for every row")));
	rcf_sampler_merge(into->sampler, from->sampler);
	PG_RETURN_POINTER(into);
}

/* rcf_train serialisation, for states sent between parallel processes */
Datum
rcf_train_serialize(PG_FUNCTION_ARGS)
{
	RcfTrainState *state = (RcfTrainState *) PG_GETARG_POINTER(0);
	size_t		size = rcf_sampler_serialized_size(state->sampler);
	bytea	   *result = palloc(VARHDRSZ + size);

	SET_VARSIZE(result, VARHDRSZ + size);
	rcf_sampler_serialize(state->sampler, (uint8_t *) VARDATA(result));
	PG_RETURN_BYTEA_P(result);
}

/* rcf_train deserialisation, the inverse of rcf_train_serialize */
Datum
rcf_train_deserialize(PG_FUNCTION_ARGS)
{
	bytea	   *bytes = PG_GETARG_BYTEA_PP(0);
	RcfAllocator allocator = PgInferAllocator(CurrentMemoryContext);
	const char *problem = NULL;
	RcfSampler *sampler;

	sampler = rcf_sampler_deserialize((const uint8_t *) VARDATA_ANY(bytes),
									  VARSIZE_ANY_EXHDR(bytes), &allocator,
									  &problem);
	if (sampler == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("invalid rcf_train state: %s", problem)));
	PG_RETURN_POINTER(NewState(CurrentMemoryContext, sampler, NULL));
}

/* rcf_train final: the model of the samples; NULL when no row had a point */
Datum
rcf_train_final(PG_FUNCTION_ARGS)
{
	RcfTrainState *state;
	size_t		size;
	bytea	   *model;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	state = (RcfTrainState *) PG_GETARG_POINTER(0);
	size = rcf_model_size(state->sampler);
	model = palloc(VARHDRSZ + size);
	SET_VARSIZE(model, VARHDRSZ + size);
	rcf_model_write(state->sampler, (uint8_t *) RcfModelBytes(model));
	RcfLearnThreshold(model);
	PG_RETURN_BYTEA_P(model);
}
