/*-------------------------------------------------------------------------
 *
 * rcf_core_ab.c
 *	  In-process A/B timing of the Random Cut Forest core's batch scoring
 *	  and attribution: this tree's rcf_forest.c against an earlier one
 *	  (linked in with its two batch functions renamed ref_*), on the same
 *	  decoded forest, batch after batch in alternating order.  The machine's
 *	  drift over a run (other work, clock changes) falls on both alike,
 *	  which timing two programs one after the other does not give; it also
 *	  says whether the two give the same bits.
 *
 * Built and run by bench/rcf_core_ab.sh.
 *
 *-------------------------------------------------------------------------
 */
#include "rcf/rcf_forest.h"
#include "rcf_points.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BATCH 1000				/* rows per batch of the Local Batch node */

/* the earlier build's batch functions */
extern void ref_score_many(const RcfForest *forest, int32_t n,
						   const double *points, double *scores);
extern void ref_attribution_many(const RcfForest *forest, int32_t n,
								 const double *points, double *high,
								 double *low);

/* seconds on the monotonic clock */
static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* One batch through both builds, "first" of them (0 ref, 1 this) first */
static void
time_batch(const RcfForest *f, int m, int dims, const double *x, int first,
		   double *score_time, double *attr_time, double *scores[2],
		   double *high[2], double *low[2], long *differ)
{
	int			k;

	for (k = 0; k < 2; k++)
	{
		int			v = (first + k) % 2;
		double		t0 = now();

		if (v == 0)
			ref_score_many(f, m, x, scores[0]);
		else
			rcf_forest_score_many(f, m, x, scores[1]);
		score_time[v] += now() - t0;
	}
	for (k = 0; k < 2; k++)
	{
		int			v = (first + k) % 2;
		double		t0 = now();

		if (v == 0)
			ref_attribution_many(f, m, x, high[0], low[0]);
		else
			rcf_forest_attribution_many(f, m, x, high[1], low[1]);
		attr_time[v] += now() - t0;
	}
	differ[0] += memcmp(scores[0], scores[1], sizeof(double) * m) != 0;
	differ[1] += memcmp(high[0], high[1], sizeof(double) * m * dims) != 0 ||
		memcmp(low[0], low[1], sizeof(double) * m * dims) != 0;
}

/* usage: rcf_core_ab [points [dimensions [rounds]]] */
int
main(int argc, char **argv)
{
	int			n = argc > 1 ? atoi(argv[1]) : 200000;
	int			dims = argc > 2 ? atoi(argv[2]) : 4;
	int			rounds = argc > 3 ? atoi(argv[3]) : 2;
	RcfParams	p = {100, 256, dims, 0.0, 42};
	double	   *x = rcf_bench_points(n, dims);
	double	   *scores[2],
			   *high[2],
			   *low[2];
	double		score_time[2] = {0, 0},
				attr_time[2] = {0, 0};
	long		differ[2] = {0, 0};
	RcfForest  *f;
	uint8_t    *buf;
	size_t		len;
	const char *err;
	int			i,
				r,
				v;

	for (v = 0; v < 2; v++)
	{
		scores[v] = malloc(sizeof(double) * BATCH);
		high[v] = malloc(sizeof(double) * BATCH * dims);
		low[v] = malloc(sizeof(double) * BATCH * dims);
	}
	buf = rcf_bench_model(&p, x, n, &len);
	f = rcf_forest_decode(buf, len, &pi_malloc_allocator, &err);
	if (f == NULL)
	{
		fprintf(stderr, "rcf_core_ab: %s\n", err);
		return 1;
	}
	for (r = 0; r < rounds; r++)
		for (i = 0; i < n; i += BATCH)
			time_batch(f, n - i < BATCH ? n - i : BATCH, dims,
					   x + (size_t) i * dims, (i / BATCH + r) % 2,
					   score_time, attr_time, scores, high, low, differ);
	printf("%d points of %d dimensions, 100 trees of 256, batches of %d, "
		   "%d rounds; seconds per round.\n\n", n, dims, BATCH, rounds);
	printf("| batch call | reference | this tree | this / reference | "
		   "batches whose bits differ |\n|---|---|---|---|---|\n");
	printf("| rcf_forest_score_many | %.3f | %.3f | %.3f | %ld |\n",
		   score_time[0] / rounds, score_time[1] / rounds,
		   score_time[1] / score_time[0], differ[0]);
	printf("| rcf_forest_attribution_many | %.3f | %.3f | %.3f | %ld |\n",
		   attr_time[0] / rounds, attr_time[1] / rounds,
		   attr_time[1] / attr_time[0], differ[1]);
	rcf_forest_free(f);
	free(buf);
	for (v = 0; v < 2; v++)
	{
		free(scores[v]);
		free(high[v]);
		free(low[v]);
	}
	free(x);
	return 0;
}
