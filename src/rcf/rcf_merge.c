/*-------------------------------------------------------------------------
 *
 * rcf_merge.c
 *	  The rcf_merge aggregate: forests trained on disjoint parts of the data
 *	  (shards, partitions, servers) merged into the forest of one training
 *	  over all of it.  The state is a pool of per-tree samples (rcf_pool.c);
 *	  between parallel processes it travels as model bytes.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/builtins.h"

#include "pg_infer.h"
#include "rcf/rcf.h"

PG_FUNCTION_INFO_V1(rcf_merge_accum);
PG_FUNCTION_INFO_V1(rcf_merge_combine);
PG_FUNCTION_INFO_V1(rcf_merge_serialize);
PG_FUNCTION_INFO_V1(rcf_merge_deserialize);
PG_FUNCTION_INFO_V1(rcf_merge_final);

/* A pool of the model bytes, allocated in "context"; ERROR when unusable */
static RcfPool *
PoolOf(const uint8_t *bytes, size_t length, MemoryContext context)
{
	RcfAllocator allocator = PgInferAllocator(context);
	const char *problem = NULL;
	RcfPool    *pool = rcf_pool_decode(bytes, length, &allocator, &problem);

	if (pool == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("rcf_merge cannot merge this model: %s", problem),
				 errhint("Merge models trained with time_decay 0.")));
	return pool;
}

/* Merges "from" into "into" after checking they are forests of one shape */
static void
MergePools(RcfPool *into, RcfPool *from)
{
	const RcfParams *a = rcf_pool_params(into);
	const RcfParams *b = rcf_pool_params(from);

	if (!rcf_params_equal(a, b))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("rcf_merge needs models of the same trees, sample size, dimensions and seed"),
				 errdetail("One model has %d trees of %d points in %d dimensions and seed %llu, another %d trees of %d points in %d dimensions and seed %llu.",
						   a->num_trees, a->sample_size, a->dims,
						   (unsigned long long) a->seed,
						   b->num_trees, b->sample_size, b->dims,
						   (unsigned long long) b->seed),
				 errhint("Train every part with the same rcf_train options.")));
	rcf_pool_merge(into, from);
}

/* rcf_merge transition: merges one model in; NULL models are skipped */
Datum
rcf_merge_accum(PG_FUNCTION_ARGS)
{
	MemoryContext context = RcfAggregateContext(fcinfo, "rcf_merge_accum");
	RcfPool    *state = PG_ARGISNULL(0) ? NULL : (RcfPool *) PG_GETARG_POINTER(0);
	bytea	   *model;
	RcfPool    *pool;

	if (PG_ARGISNULL(1))
	{
		if (state == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(state);
	}
	model = PG_GETARG_BYTEA_PP(1);
	pool = PoolOf(RcfModelBytes(model), RcfModelLength(model), context);
	if (state == NULL)
		PG_RETURN_POINTER(pool);
	MergePools(state, pool);
	rcf_pool_free(pool);
	PG_RETURN_POINTER(state);
}

/* rcf_merge combine: merges two partial states */
Datum
rcf_merge_combine(PG_FUNCTION_ARGS)
{
	RcfPool    *into = PG_ARGISNULL(0) ? NULL : (RcfPool *) PG_GETARG_POINTER(0);
	RcfPool    *from = PG_ARGISNULL(1) ? NULL : (RcfPool *) PG_GETARG_POINTER(1);
	MemoryContext context = RcfAggregateContext(fcinfo, "rcf_merge_combine");

	if (from == NULL)
	{
		if (into == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(into);
	}
	if (into == NULL)
	{
		/* copy "from" into the aggregate's context through its bytes */
		size_t		size = rcf_pool_model_size(from);
		uint8_t    *bytes = palloc(size);

		rcf_pool_model_write(from, bytes);
		into = PoolOf(bytes, size, context);
		pfree(bytes);
		PG_RETURN_POINTER(into);
	}
	MergePools(into, from);
	PG_RETURN_POINTER(into);
}

/* The model bytes of a pool, as a varlena */
static bytea *
PoolBytes(const RcfPool *pool)
{
	size_t		size = rcf_pool_model_size(pool);
	bytea	   *result = palloc(VARHDRSZ + size);

	SET_VARSIZE(result, VARHDRSZ + size);
	rcf_pool_model_write(pool, (uint8_t *) VARDATA(result));
	return result;
}

/* rcf_merge serialisation: the state as model bytes */
Datum
rcf_merge_serialize(PG_FUNCTION_ARGS)
{
	PG_RETURN_BYTEA_P(PoolBytes((RcfPool *) PG_GETARG_POINTER(0)));
}

/* rcf_merge deserialisation, the inverse of rcf_merge_serialize */
Datum
rcf_merge_deserialize(PG_FUNCTION_ARGS)
{
	bytea	   *bytes = PG_GETARG_BYTEA_PP(0);

	PG_RETURN_POINTER(PoolOf((const uint8_t *) VARDATA_ANY(bytes),
							 VARSIZE_ANY_EXHDR(bytes), CurrentMemoryContext));
}

/* rcf_merge final: the merged model; NULL when every input was NULL */
Datum
rcf_merge_final(PG_FUNCTION_ARGS)
{
	bytea	   *model;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	model = PoolBytes((RcfPool *) PG_GETARG_POINTER(0));
	RcfLearnThreshold(model);
	PG_RETURN_BYTEA_P(model);
}
