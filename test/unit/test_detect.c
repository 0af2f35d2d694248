/*-------------------------------------------------------------------------
 *
 * test_detect.c
 *	  Unit tests of the detector core (src/rcf/rcf_detector.c and
 *	  src/rcf/rcf_expect.c): decisions, expected values and bounds,
 *	  imputation, suppression, configuration checks and the model form.
 *
 *-------------------------------------------------------------------------
 */
#include "rcf/rcf_detect.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"

#define ROWS	1000
#define SPIKE	700

static const RcfAllocator *A = &pi_malloc_allocator;

/* a periodic series of level "scale" with one spike at SPIKE */
static double
series(int t, double scale)
{
	return scale * (t == SPIKE ? 25.0 : 10 + 2 * sin(t * 2 * M_PI / 50));
}

/* a detector of width 1 with the defaults and the given changes applied */
static RcfDetector *
detector(RcfTransform transform, RcfImpute impute, bool once)
{
	RcfDetectConfig c;

	rcf_detect_defaults(&c);
	c.transform = transform;
	c.impute = impute;
	c.once_per_episode = once;
	rcf_detect_complete(&c, -1);
	return rcf_detector_create(&c, A);
}

/* the spike is found at any scale, and little else */
static void
test_spike(void)
{
	double		scales[2] = {1.0, 1000.0};

	for (int s = 0; s < 2; s++)
	{
		RcfDetector *d = detector(RCF_TRANSFORM_NORMALIZE, RCF_IMPUTE_PREVIOUS, true);
		int			flags = 0;
		bool		spike = false,
					sane = true;
		double		error = 0;
		int			errors = 0;

		for (int t = 1; t <= ROWS; t++)
		{
			double		x = series(t, scales[s]);
			const RcfDetection *r = rcf_detector_step(d, &x);

			if (r->is_anomaly)
			{
				flags++;
				spike |= t == SPIKE;
				sane &= r->grade > 0 && r->grade <= 1 && r->has_attribution &&
					fabs(r->attribution[0] - 1.0) < 1e-12;
			}
			else if (r->ready)
				sane &= r->grade == 0 && !r->has_attribution;
			if (r->has_expected)
				sane &= r->lower[0] <= r->expected[0] && r->expected[0] <= r->upper[0];
			if (r->has_expected && t > 300 && t < SPIKE)
			{
				error += fabs(r->expected[0] - x) / scales[s];
				errors++;
			}
		}
		CHECK(spike, "scale %g: the spike is flagged", scales[s]);
		CHECK(flags <= 3, "scale %g: %d flags in all", scales[s], flags);
		CHECK(sane, "scale %g: grades, attribution and bounds are consistent", scales[s]);
		CHECK(errors > 0 && error / errors < 0.5,
			  "scale %g: expected values track the series (mean error %.3f)",
			  scales[s], errors ? error / errors : -1);
		rcf_detector_free(d);
	}
}

/* the record before the first shingle and during warm-up */
static void
test_warmup(void)
{
	RcfDetector *d = detector(RCF_TRANSFORM_NORMALIZE, RCF_IMPUTE_PREVIOUS, true);
	int			first_scored = 0,
				first_ready = 0;

	for (int t = 1; t <= 100; t++)
	{
		double		x = series(t, 1);
		const RcfDetection *r = rcf_detector_step(d, &x);

		if (r->scored && !first_scored)
			first_scored = t;
		if (r->ready && !first_ready)
			first_ready = t;
	}
	/* shingles of 8: the first is full on row 8 and meets an empty forest */
	CHECK(first_scored == 9, "first scored row is 9 (got %d)", first_scored);
	CHECK(first_ready == 9 + 32, "first decision after 32 scored rows (got %d)",
		  first_ready);
	rcf_detector_free(d);
}

/* NULL rows: imputed by each method, marked, never anomalies */
static void
test_impute(void)
{
	RcfImpute	methods[3] = {RCF_IMPUTE_ZERO, RCF_IMPUTE_PREVIOUS, RCF_IMPUTE_LINEAR};
	double		want[3] = {0.0, 199.0, 201.0};

	for (int m = 0; m < 3; m++)
	{
		RcfDetector *d = detector(RCF_TRANSFORM_NORMALIZE, methods[m], true);
		const RcfDetection *r = NULL;

		for (int t = 1; t <= 201; t++)
		{
			double		x = t;

			/* rows 200 and 201 are missing */
			r = rcf_detector_step(d, t < 200 ? &x : NULL);
		}
		CHECK(r->imputed && !r->is_anomaly && fabs(r->value[0] - want[m]) < 1e-9,
			  "impute method %d gives %g (want %g)", (int) methods[m],
			  r->value[0], want[m]);
		rcf_detector_free(d);
	}
	{
		RcfDetector *d = detector(RCF_TRANSFORM_DIFFERENCE, RCF_IMPUTE_FOREST, true);
		const RcfDetection *r = NULL;

		for (int t = 1; t <= 300; t++)
		{
			double		x = t;

			r = rcf_detector_step(d, t < 300 ? &x : NULL);
		}
		CHECK(r->imputed && r->has_expected && r->value[0] == r->expected[0] &&
			  fabs(r->value[0] - 300) < 2,
			  "forest imputation of a steady ramp gives %g (want about 300)",
			  r->value[0]);
		rcf_detector_free(d);
	}
}

/* an episode alerts once by default, more without once_per_episode */
static void
test_episode(void)
{
	int			alerts[2] = {0, 0};

	for (int once = 0; once < 2; once++)
	{
		RcfDetector *d = detector(RCF_TRANSFORM_NORMALIZE, RCF_IMPUTE_PREVIOUS, once);

		for (int t = 1; t <= ROWS; t++)
		{
			double		x = (t >= 700 && t <= 760) ?
				10 + 20 * sin(t * 2 * M_PI / 7) : series(t < SPIKE ? t : t + 1, 1);

			alerts[once] += rcf_detector_step(d, &x)->is_anomaly;
		}
		rcf_detector_free(d);
	}
	CHECK(alerts[1] >= 1 && alerts[1] <= 2, "once per episode: %d alerts", alerts[1]);
	CHECK(alerts[0] > alerts[1], "every row: %d alerts", alerts[0]);
}

/* configuration checks and the rate-to-z mapping */
static void
test_config(void)
{
	RcfDetectConfig c;

	rcf_detect_defaults(&c);
	rcf_detect_complete(&c, -1);
	CHECK(rcf_detect_check(&c) == NULL, "the defaults are valid");
	c.z_factor = 0;
	CHECK(rcf_detect_check(&c) != NULL, "z_factor 0 is refused");
	c.z_factor = 3;
	c.band = 1.5;
	CHECK(rcf_detect_check(&c) != NULL, "band 1.5 is refused");
	c.band = 0.9;
	c.params.dims = 3;
	CHECK(rcf_detect_check(&c) != NULL, "dims other than width * shingle are refused");
	CHECK(fabs(rcf_detect_z_of_rate(0.0013498980) - 3.0) < 1e-6,
		  "rate 0.00135 is z 3 (%g)", rcf_detect_z_of_rate(0.0013498980));
}

/* whether two score statistics are equal */
static bool
same_stats(const RcfScoreStats *a, const RcfScoreStats *b)
{
	return a->count == b->count && a->mean == b->mean && a->sd == b->sd;
}

/*
 * The statistics learned into model bytes at training time equal those a
 * model without them (f, fresh from the writer) gets computed from its sample
 */
static void
learned_threshold(uint8_t *buf, size_t len, const RcfForest *f,
				  const RcfScoreStats *computed)
{
	RcfModelInfo info;
	const char *err = NULL;
	RcfForest  *learned;
	RcfScoreStats used;

	used = rcf_detect_model_stats(f, A);
	CHECK(rcf_forest_model_scores(f)->count == 0 &&
		  same_stats(&used, computed),
		  "a model without statistics has them computed from its sample");
	CHECK(rcf_detect_learn(buf, len, A) == NULL &&
		  rcf_model_info(buf, len, &info) == NULL &&
		  same_stats(&info.scores, computed),
		  "rcf_detect_learn writes the same statistics into the model");
	learned = rcf_forest_decode(buf, len, A, &err);
	used = rcf_detect_model_stats(learned, A);
	CHECK(learned != NULL && same_stats(&used, computed),
		  "the learned model's statistics are the ones used");
	rcf_forest_free(learned);
	CHECK(rcf_detect_learn(buf, len - 1, A) != NULL,
		  "rcf_detect_learn refuses bytes that are not a model");
}

/* the model form (points on y = 2x): threshold from the training sample, expected per dimension */
static void
test_model(void)
{
	RcfParams	p = {100, 256, 2, 0.0, 42};
	RcfSampler *s = rcf_sampler_create(&p, 0, A);
	RcfDetectConfig c;
	RcfForest  *f;
	RcfScoreStats stats;
	double		values[4][2],
				in[2] = {0.5, 1.0},
				out[2] = {0.5, -5.0};
	RcfDetection r = {.value = values[0], .expected = values[1],
	.lower = values[2], .upper = values[3]};
	double		attribution[2];
	uint8_t    *buf;
	size_t		len;
	const char *err;

	r.attribution = attribution;
	for (int t = 0; t < 2000; t++)
	{
		double		pt[2] = {sin(t / 10.0), 2 * sin(t / 10.0)};

		rcf_sampler_add(s, pt);
	}
	len = rcf_model_size(s);
	buf = malloc(len);
	rcf_model_write(s, buf);
	f = rcf_forest_decode(buf, len, A, &err);
	stats = rcf_detect_training_stats(f, A);
	CHECK(stats.count == 4096 && stats.mean > 0.5 && stats.mean < 1.5 && stats.sd > 0,
		  "training statistics: %d scores, mean %.3f, sd %.3f",
		  stats.count, stats.mean, stats.sd);
	learned_threshold(buf, len, f, &stats);
	rcf_detect_defaults(&c);
	rcf_detect_point(f, &stats, &c, in, A, &r);
	CHECK(!r.is_anomaly && r.grade == 0 && fabs(r.expected[1] - 1.0) < 0.1 &&
		  fabs(r.expected[0] - 0.5) < 0.05,
		  "an inlier of y = 2x is normal, each value expected from the other (%g, %g)",
		  r.expected[0], r.expected[1]);
	rcf_detect_point(f, &stats, &c, out, A, &r);
	CHECK(r.is_anomaly && r.grade > 0 && r.has_attribution &&
		  r.attribution[1] > r.attribution[0],
		  "an outlier in y is an anomaly attributed to y (%g, %g)",
		  r.attribution[0], r.attribution[1]);
	c.ignore_absolute = 10;
	rcf_detect_point(f, &stats, &c, out, A, &r);
	CHECK(!r.is_anomaly, "ignore_absolute 10 suppresses it");
	rcf_forest_free(f);
	free(buf);
	rcf_sampler_free(s);
}

/* runs the tests */
int
main(void)
{
	test_spike();
	test_warmup();
	test_impute();
	test_episode();
	test_config();
	test_model();
	return unit_done();
}
