/*-------------------------------------------------------------------------
 *
 * test_pool.c
 *	  Unit tests of merging models (rcf_pool.c): the merged model's shape,
 *	  each part's share of the samples, small parts kept whole, a single
 *	  model unchanged, and models that cannot merge.
 *
 *-------------------------------------------------------------------------
 */
#include "rcf/rcf_forest.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"

static const RcfAllocator *A = &pi_malloc_allocator;

/* The model of n one-dimensional points around "center"; *len its size */
static uint8_t *
train(const RcfParams *p, int n, double center, size_t *len)
{
	RcfSampler *s = rcf_sampler_create(p, 0, A);
	uint8_t    *buf;
	int			i;

	for (i = 0; i < n; i++)
	{
		double		x = center + sin(i * 0.37);

		rcf_sampler_add(s, &x);
	}
	*len = rcf_model_size(s);
	buf = malloc(*len);
	rcf_model_write(s, buf);
	rcf_sampler_free(s);
	return buf;
}

/* The model bytes of a pool; *len its size */
static uint8_t *
pool_bytes(const RcfPool *pool, size_t *len)
{
	uint8_t    *buf;

	*len = rcf_pool_model_size(pool);
	buf = malloc(*len);
	rcf_pool_model_write(pool, buf);
	return buf;
}

/* Score of x against model bytes */
static double
score(const uint8_t *buf, size_t len, double x)
{
	const char *err;
	RcfForest  *f = rcf_forest_decode(buf, len, A, &err);
	double		s = rcf_forest_score(f, &x);

	rcf_forest_free(f);
	return s;
}

/* Merges a part of 4000 rows near 0 with one of 1000 near 100 */
static void
test_merge_shares(void)
{
	RcfParams	p = {100, 64, 1, 0.0, 42};
	size_t		la, lb, lm;
	uint8_t    *a = train(&p, 4000, 0.0, &la);
	uint8_t    *b = train(&p, 1000, 100.0, &lb);
	const char *err;
	RcfPool    *pa = rcf_pool_decode(a, la, A, &err);
	RcfPool    *pb = rcf_pool_decode(b, lb, A, &err);
	RcfModelInfo info;
	uint8_t    *m;

	CHECK(pa != NULL && pb != NULL, "models without decay decode into pools");
	rcf_pool_merge(pa, pb);
	m = pool_bytes(pa, &lm);
	CHECK(rcf_model_info(m, lm, &info) == NULL, "the merged model is valid");
	CHECK(info.points_seen == 5000 && info.samples == 100 * 64,
		  "the merged model saw 5000 rows and keeps full trees");
	CHECK(score(m, lm, 0.5) < 2.0 && score(m, lm, 100.5) < 2.0,
		  "inliers of both parts score low");
	CHECK(score(m, lm, 50.0) > 2.0 * score(m, lm, 0.5),
		  "a point between the parts scores far higher than an inlier");
	rcf_pool_free(pa);
	rcf_pool_free(pb);
	free(a);
	free(b);
	free(m);
}

/* Parts smaller than the sample keep every point; one pool is unchanged */
static void
test_small_and_single(void)
{
	RcfParams	p = {10, 256, 1, 0.0, 42};
	size_t		la, lb, lm;
	uint8_t    *a = train(&p, 100, 0.0, &la);
	uint8_t    *b = train(&p, 50, 10.0, &lb);
	const char *err;
	RcfPool    *pa = rcf_pool_decode(a, la, A, &err);
	RcfPool    *pb = rcf_pool_decode(b, lb, A, &err);
	RcfModelInfo info;
	uint8_t    *m = pool_bytes(pa, &lm);

	CHECK(lm == la && memcmp(m, a, la) == 0, "a single model writes back unchanged");
	free(m);
	rcf_pool_merge(pa, pb);
	m = pool_bytes(pa, &lm);
	CHECK(rcf_model_info(m, lm, &info) == NULL && info.samples == 10 * 150 &&
		  info.points_seen == 150, "small parts keep all their points");
	rcf_pool_free(pa);
	rcf_pool_free(pb);
	free(a);
	free(b);
	free(m);
}

/* Models with time decay and damaged bytes are refused with a reason */
static void
test_refused(void)
{
	RcfParams	p = {10, 64, 1, 0.001, 42};
	size_t		la;
	uint8_t    *a = train(&p, 100, 0.0, &la);
	const char *err = NULL;

	CHECK(rcf_pool_decode(a, la, A, &err) == NULL && err != NULL &&
		  strstr(err, "time_decay") != NULL, "a model with time decay is refused");
	err = NULL;
	CHECK(rcf_pool_decode(a, 3, A, &err) == NULL && err != NULL,
		  "truncated bytes are refused");
	err = NULL;
	CHECK(rcf_pool_decode(NULL, 0, A, &err) == NULL && err != NULL,
		  "no bytes are refused");
	free(a);
}

int
main(void)
{
	test_merge_shares();
	test_small_and_single();
	test_refused();
	return unit_done();
}
