/*-------------------------------------------------------------------------
 *
 * rcf_points.h
 *	  The points and the model the C benchmarks of the Random Cut Forest
 *	  core use: the points of bench/rcf_bench.sh's tables, so that the
 *	  core's timings and the SQL ones are about the same data.
 *
 *-------------------------------------------------------------------------
 */
#ifndef RCF_POINTS_H
#define RCF_POINTS_H

#include "rcf/rcf_forest.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

/*
 * n points of dims dimensions, point after point: at 4 dimensions those of
 * the speed table (one planted outlier in every 10,000), at any other count
 * those of the speed48 table's formula
 */
static double *
rcf_bench_points(int n, int dims)
{
	double	   *x = malloc(sizeof(double) * dims * n);
	int64_t		i;
	int			d;

	for (i = 1; i <= n; i++)
	{
		double	   *p = x + (i - 1) * dims;

		if (dims == 4)
		{
			p[0] = sin(i * 0.001) + ((i * 7919) % 1000) / 5000.0;
			p[1] = cos(i * 0.001) + ((i * 104729) % 1000) / 5000.0;
			p[2] = ((i * 31337) % 10007) / 10007.0;
			p[3] = (i % 10000 == 0) ? 5.0 : ((i * 65537) % 997) / 997.0;
			continue;
		}
		for (d = 1; d <= dims; d++)
			p[d - 1] = sin(i * 0.001 * d) + ((i * d * 7919) % 1000) / 5000.0;
	}
	return x;
}

/* The encoded model (*len bytes, malloc'd) trained on n points x */
static uint8_t *
rcf_bench_model(const RcfParams *p, const double *x, int n, size_t *len)
{
	RcfSampler *s = rcf_sampler_create(p, 0, &pi_malloc_allocator);
	uint8_t    *buf;
	int			i;

	for (i = 0; i < n; i++)
		rcf_sampler_add(s, x + (size_t) i * p->dims);
	*len = rcf_model_size(s);
	buf = malloc(*len);
	rcf_model_write(s, buf);
	rcf_sampler_free(s);
	return buf;
}

#endif							/* RCF_POINTS_H */
