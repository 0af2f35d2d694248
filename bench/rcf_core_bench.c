/*-------------------------------------------------------------------------
 *
 * rcf_core_bench.c
 *	  Timing of the pure-C Random Cut Forest core: train on N points of
 *	  4 dimensions (100 trees x 256 samples), encode and decode the model,
 *	  score the N points (one by one, and in batches of 1,000 as the Local
 *	  Batch node does), attribute them (the same two ways), and run the
 *	  streaming update over them.
 *
 * Build and run from the repository root:
 *	  make bench/rcf_core_bench && ./bench/rcf_core_bench [N]
 *
 *-------------------------------------------------------------------------
 */
#include "rcf/rcf_forest.h"
#include "rcf_points.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define DIMS 4
#define BATCH 1000				/* rows per batch of the Local Batch node */

/* seconds on the monotonic clock */
static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* runs the benchmark and prints the figures */
int
main(int argc, char **argv)
{
	int			n = argc > 1 ? atoi(argv[1]) : 200000;
	RcfParams	p = {100, 256, DIMS, 0.0, 42};
	double	   *x = rcf_bench_points(n, DIMS);
	double	   *scores = malloc(sizeof(double) * BATCH);
	double	   *high = malloc(sizeof(double) * DIMS * BATCH);
	double	   *low = malloc(sizeof(double) * DIMS * BATCH);
	double		t0,
				t1,
				t2,
				t3,
				t4,
				t5,
				t6,
				t7,
				sum = 0;
	RcfForest  *f;
	uint8_t    *buf;
	size_t		len;
	const char *err;
	int			i;

	t0 = now();
	buf = rcf_bench_model(&p, x, n, &len);
	t1 = now();
	f = rcf_forest_decode(buf, len, &pi_malloc_allocator, &err);
	t2 = now();
	for (i = 0; i < n; i++)
		sum += rcf_forest_score(f, x + (size_t) i * DIMS);
	t3 = now();
	for (i = 0; i < n; i += BATCH)
	{
		int			m = n - i < BATCH ? n - i : BATCH;

		rcf_forest_score_many(f, m, x + (size_t) i * DIMS, scores);
		sum += scores[0];
	}
	t4 = now();
	for (i = 0; i < n; i++)
	{
		rcf_forest_attribution(f, x + (size_t) i * DIMS, high, low);
		sum += high[0];
	}
	t5 = now();
	for (i = 0; i < n; i += BATCH)
	{
		int			m = n - i < BATCH ? n - i : BATCH;

		rcf_forest_attribution_many(f, m, x + (size_t) i * DIMS, high, low);
		sum += high[0];
	}
	t6 = now();
	rcf_forest_free(f);
	f = rcf_forest_create(&p, &pi_malloc_allocator);
	for (i = 0; i < n; i++)
	{
		sum += rcf_forest_score(f, x + (size_t) i * DIMS);
		rcf_forest_update(f, x + (size_t) i * DIMS);
	}
	t7 = now();
	printf("points %d x %d dims, 100 trees x 256 samples, model %zu bytes\n",
		   n, DIMS, len);
	printf("train (sample + encode)   %.3f s\n", t1 - t0);
	printf("decode (build trees)      %.3f s\n", t2 - t1);
	printf("score                     %.3f s (%.2f us/point)\n",
		   t3 - t2, (t3 - t2) * 1e6 / n);
	printf("score, batches of %d    %.3f s (%.2f us/point)\n", BATCH,
		   t4 - t3, (t4 - t3) * 1e6 / n);
	printf("attribution               %.3f s (%.2f us/point)\n",
		   t5 - t4, (t5 - t4) * 1e6 / n);
	printf("attribution, batches      %.3f s (%.2f us/point)\n",
		   t6 - t5, (t6 - t5) * 1e6 / n);
	printf("train + decode + score    %.3f s\n", t3 - t0);
	printf("streaming score+update    %.3f s (checksum %.3f)\n", t7 - t6, sum);
	rcf_forest_free(f);
	free(buf);
	free(low);
	free(high);
	free(scores);
	free(x);
	return 0;
}
