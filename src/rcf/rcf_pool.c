/*-------------------------------------------------------------------------
 *
 * rcf_pool.c
 *	  Random Cut Forest core: merging models trained on disjoint parts of
 *	  one data set into the model of one training over all of it.
 *
 * A model trained with time_decay 0 keeps, per tree, a uniform sample of
 * min(sample_size, points seen) of the rows it saw.  A uniform sample of
 * the union of two disjoint sets of nA and nB rows takes its k =
 * min(sample_size, nA + nB) rows by drawing without replacement from the
 * nA + nB: each draw comes from A with probability (rows of A not yet
 * drawn) / (rows not yet drawn), and the rows drawn from one side are a
 * uniform subset of its sample.  That is what the pool does per tree, so
 * merged reservoirs are weighted by the rows each side saw, as the training
 * combine function's smallest-weights merge is; the result has the
 * distribution of one training over both sets.  With time_decay > 0 a
 * reservoir favours late rows, and rows of different machines have no
 * common order: such models are refused.
 *
 * The pool holds decoded (half-rounded) points; writing it re-encodes them
 * with the exponents of the merged data, which can round a point of a
 * smaller-scaled part once more.
 *
 * No PostgreSQL header is included here; see rcf_forest.h.
 *
 *-------------------------------------------------------------------------
 */
#include "rcf/rcf_core.h"

#define SALT_POOL		UINT64_C(0x504f4f4c4d455247)

struct RcfPool
{
	RcfParams	params;
	RcfAllocator allocator;
	int64_t		seen;			/* rows the merged models saw */
	int32_t    *count;			/* points per tree */
	float	   *points;			/* num_trees * sample_size * dims */
};

/*--- Pool -------------------------------------------------------------------*/

/* the points of tree t */
static float *
pool_tree(const RcfPool *pool, int32_t t)
{
	return pool->points +
		(size_t) t * pool->params.sample_size * pool->params.dims;
}

/* Frees a pool */
void
rcf_pool_free(RcfPool *pool)
{
	RcfAllocator a;

	if (pool == NULL)
		return;
	a = pool->allocator;
	pi_free(&a, pool->count);
	pi_free(&a, pool->points);
	pi_free(&a, pool);
}

/* Parameters of a pool */
const RcfParams *
rcf_pool_params(const RcfPool *pool)
{
	return &pool->params;
}

/*
 * A pool holding the points of a model; NULL and *err set for bytes that
 * are not a valid model or a model trained with time decay.
 */
RcfPool *
rcf_pool_decode(const uint8_t *buf, size_t len, const RcfAllocator *allocator,
				const char **err)
{
	RcfModelInfo info;
	int16_t		exps[RCF_MAX_DIMS];
	RcfReader	r = {buf, len, true, NULL};
	RcfPool    *pool;
	int32_t		t;

	*err = buf == NULL ? "truncated rcf model" :
		rcf_model_parse(buf, len, &info, exps);
	if (*err == NULL && info.params.time_decay != 0.0)
		*err = "models trained with time_decay cannot be merged";
	if (*err != NULL)
		return NULL;
	pool = pi_alloc(allocator, sizeof(RcfPool));
	pool->params = info.params;
	pool->allocator = *allocator;
	pool->seen = info.points_seen;
	pool->count = pi_alloc(allocator, sizeof(int32_t) * info.params.num_trees);
	pool->points = pi_alloc(allocator, sizeof(float) *
							info.params.num_trees * (size_t) info.params.sample_size *
							info.params.dims);
	(void) rcf_model_read_header(&r, &info, exps);
	for (t = 0; t < info.params.num_trees; t++)
		(void) rcf_model_read_tree(&r, &info, exps, &pool->count[t],
								   pool_tree(pool, t));
	return pool;
}

/*--- Merge ------------------------------------------------------------------*/

/* uniform in [0, n) for n > 0 */
static int32_t
rng_below(RcfRng *rng, int32_t n)
{
	return (int32_t) (rng_unit(rng) * n);
}

/* moves k points of from's tree picked uniformly (partial shuffle) to out */
static void
take_uniform(RcfRng *rng, float *pts, int32_t n, int32_t k, int32_t dims,
			 float *out)
{
	float		tmp[RCF_MAX_DIMS];
	size_t		row = sizeof(float) * dims;
	int32_t		i;

	for (i = 0; i < k; i++)
	{
		int32_t		j = i + rng_below(rng, n - i);

		memcpy(tmp, pts + (size_t) i * dims, row);
		memcpy(pts + (size_t) i * dims, pts + (size_t) j * dims, row);
		memcpy(pts + (size_t) j * dims, tmp, row);
		memcpy(out + (size_t) i * dims, pts + (size_t) i * dims, row);
	}
}

/*
 * How many of k draws without replacement from na + nb rows come from the
 * na, when at most ka of them can (the sample of that side) and at most kb
 * from the other.
 */
static int32_t
draws_from_a(RcfRng *rng, int64_t na, int64_t nb, int32_t ka, int32_t kb,
			 int32_t k)
{
	int32_t		a = 0,
				b = 0;

	while (a + b < k)
	{
		bool		take_a;

		if (a == ka)
			take_a = false;
		else if (b == kb)
			take_a = true;
		else
			take_a = rng_unit(rng) * (double) (na - a + nb - b) < (double) (na - a);
		if (take_a)
			a++;
		else
			b++;
	}
	return a;
}

/* merges tree t of "from" into "into" (scratch: sample_size * dims floats) */
static void
merge_tree(RcfPool *into, RcfPool *from, int32_t t, RcfRng *rng, float *scratch)
{
	int32_t		dims = into->params.dims;
	int32_t		ka = into->count[t];
	int32_t		kb = from->count[t];
	int32_t		k = ka + kb;
	int32_t		a;

	if (k > into->params.sample_size)
		k = into->params.sample_size;
	a = draws_from_a(rng, into->seen, from->seen, ka, kb, k);
	take_uniform(rng, pool_tree(into, t), ka, a, dims, scratch);
	take_uniform(rng, pool_tree(from, t), kb, k - a, dims,
				 scratch + (size_t) a * dims);
	memcpy(pool_tree(into, t), scratch, sizeof(float) * k * (size_t) dims);
	into->count[t] = k;
}

/*
 * Merges "from" into "into" (parameters must be equal: the caller checks
 * with rcf_params_equal); "from" is reordered but keeps its points.
 */
void
rcf_pool_merge(RcfPool *into, RcfPool *from)
{
	RcfRng		rng;
	float	   *scratch;
	int32_t		t;

	rcf_rng_seed(&rng, into->params.seed, SALT_POOL,
				 (uint64_t) into->seen * UINT64_C(0x9E3779B97F4A7C15) ^
				 (uint64_t) from->seen);
	scratch = pi_alloc(&into->allocator, sizeof(float) *
					   (size_t) into->params.sample_size * into->params.dims);
	for (t = 0; t < into->params.num_trees; t++)
		merge_tree(into, from, t, &rng, scratch);
	pi_free(&into->allocator, scratch);
	into->seen += from->seen;
}

/*--- Model bytes ------------------------------------------------------------*/

/* point count of a pool's tree */
static int32_t
pool_count(const void *ctx, int32_t t)
{
	return ((const RcfPool *) ctx)->count[t];
}

/* i-th point of a pool's tree */
static const float *
pool_point(const void *ctx, int32_t t, int32_t i)
{
	const RcfPool *pool = ctx;

	return pool_tree(pool, t) + (size_t) i * pool->params.dims;
}

/* Bytes the model of a pool takes */
size_t
rcf_pool_model_size(const RcfPool *pool)
{
	int64_t		points = 0;
	int32_t		t;

	for (t = 0; t < pool->params.num_trees; t++)
		points += pool->count[t];
	return rcf_model_bytes(RCF_MODEL_VERSION, pool->params.num_trees,
						   pool->params.dims, points);
}

/*
 * Writes the model of a pool into buf (rcf_pool_model_size bytes), with no
 * score statistics yet (rcf_detect_learn adds them)
 */
void
rcf_pool_model_write(const RcfPool *pool, uint8_t *buf)
{
	RcfSource	src = {pool, pool_count, pool_point};

	rcf_model_encode(&(RcfModelInfo) {.params = pool->params,
					 .version = RCF_MODEL_VERSION, .points_seen = pool->seen},
					 &src, buf);
}
