/*-------------------------------------------------------------------------
 *
 * rcf_detector.c
 *	  The streaming anomaly detector: a row goes through imputation (when
 *	  missing), the transform and the shingle; the forest scores the shingle
 *	  and guesses its newest entry from the entries before it (expected
 *	  value and bounds); a threshold learned from the score stream decides;
 *	  then the forest learns the shingle.
 *
 * Normalisation.  RCF is invariant to an affine map applied to a dimension
 * for good, not to one that changes as the series goes: values are scaled
 * by the mean and standard deviation of all values so far, which settle,
 * rather than by windowed statistics, which would make the forest's stored
 * points disagree with new ones.
 *
 * Thresholding.  The scores' running mean m and standard deviation s (over
 * the last "horizon" rows, exponentially weighted) give the threshold
 * m + z * max(s, SD_FLOOR * m): a score level of its own per series, no
 * user cut-off.  Every score counts into the statistics, anomalies too:
 * a burst of high scores raises the bar (fewer alert storms) and a lasting
 * change of level moves it.  The grade of an alert,
 * 1 - ((threshold - m) / (score - m))^2, is 0 at the threshold and tends to
 * 1, whatever the series' score level.
 *
 * Suppression.  An anomalous value stays in the shingle for shingle_size
 * rows and raises their scores too: within that echo a row alerts only if
 * it scores above the alert.  Options drop alerts whose values lie within
 * an absolute or relative distance of the expected values, and alerts after
 * the first of an episode (rows above the threshold less than a shingle
 * apart).
 *
 * Expected values.  The forest's conditional field (rcf_expect.c) gives
 * each tree's guess of the shingle's newest entry from the older entries;
 * their median is the expected value and their central "band" share the
 * bounds, mapped back through the transform.  EXPECT_TREES trees guess: on
 * a 100,000-row series, guesses from all 100 trees made the detector cost
 * 1.6 times as much as scoring and learning alone, from 50 trees 1.25
 * times, and the mean miss of the expected value on NAB's
 * machine_temperature (first 8000 rows) went from 0.908 to 0.917.
 *
 * No PostgreSQL header is included here; see rcf_detect.h.
 *
 *-------------------------------------------------------------------------
 */
#include "rcf/rcf_detect.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_TREES		100
#define DEFAULT_SAMPLE		256
#define DEFAULT_SHINGLE		8
#define DEFAULT_Z			4.0
#define DEFAULT_BAND		0.9
#define EXPECT_TREES		50		/* trees guessing the expected value */
#define MIN_WARMUP			32
#define SD_FLOOR			0.1		/* score sd counted at least this * mean */
#define TINY				1e-12
#define NEVER_FORGET		1e18	/* horizon of the normalisation statistics */

/* exponentially weighted mean and variance */
typedef struct RunStat
{
	double		n;				/* observations, capped at the horizon */
	double		mean;
	double		var;
} RunStat;

struct RcfDetector
{
	RcfDetectConfig config;
	RcfAllocator allocator;
	RcfForest  *forest;
	int64_t		rows;			/* rows seen */
	int64_t		scored;			/* rows scored */
	int64_t		observed;		/* rows with values (not imputed) */
	int64_t		last_observed_row;
	int64_t		alert_row;		/* row of the last alert; -1 none */
	double		alert_score;
	int64_t		above_row;		/* last row above the threshold; -1 none */
	RunStat		score_stat;
	RunStat    *input_stat;		/* width: of the transformed-before-scale values */
	double	   *last;			/* width: last value (seen or imputed) */
	double	   *last_seen;		/* width: last observed value */
	double	   *slope;			/* width: per-row change between the last two observed */
	double	   *shingle;		/* dims: oldest row first */
	bool	   *missing;		/* dims: the newest entry */
	double	   *guesses;		/* trees * width */
	double	   *sorted;			/* trees */
	double	   *guess_mid;		/* width, transformed: median */
	double	   *guess_lo;
	double	   *guess_hi;
	double	   *high;			/* dims: attribution scratch */
	double	   *low;
	RcfDetection out;
};

/*--- Configuration ----------------------------------------------------------*/

/* Defaults for everything but the shape */
void
rcf_detect_defaults(RcfDetectConfig *c)
{
	memset(c, 0, sizeof(*c));
	c->params.num_trees = DEFAULT_TREES;
	c->params.sample_size = DEFAULT_SAMPLE;
	c->params.seed = 42;
	c->params.time_decay = -1;	/* derived from the sample size */
	c->width = 1;
	c->shingle_size = DEFAULT_SHINGLE;
	c->transform = RCF_TRANSFORM_NORMALIZE;
	c->impute = RCF_IMPUTE_PREVIOUS;
	c->z_factor = DEFAULT_Z;
	c->band = DEFAULT_BAND;
	c->once_per_episode = true;
	c->warmup = -1;
}

/* Sets the dims and the defaults derived from the others; warmup < 0: default */
void
rcf_detect_complete(RcfDetectConfig *c, int64_t warmup)
{
	c->params.dims = c->width * c->shingle_size;
	if (c->params.time_decay < 0)
		c->params.time_decay = 1.0 / (10.0 * c->params.sample_size);
	if (c->horizon <= 0)
		c->horizon = c->params.time_decay > 0 ?
			fmin(1.0 / c->params.time_decay, 1e9) : 1e9;
	if (warmup >= 0)
		c->warmup = warmup;
	else if (c->warmup < 0)
		c->warmup = MIN_WARMUP > 4 * c->shingle_size ?
			MIN_WARMUP : 4 * c->shingle_size;
}

/* NULL when usable, else what is wrong */
const char *
rcf_detect_check(const RcfDetectConfig *c)
{
	const char *problem = rcf_params_check(&c->params);

	if (problem != NULL)
		return problem;
	if (!(c->z_factor > 0) || !isfinite(c->z_factor))
		return "z_factor must be positive";
	if (!(c->band > 0 && c->band <= 1))
		return "band must be above 0 and at most 1";
	if (!(c->ignore_absolute >= 0) || !isfinite(c->ignore_absolute))
		return "ignore_absolute must be zero or positive";
	if (!(c->ignore_relative >= 0) || !isfinite(c->ignore_relative))
		return "ignore_relative must be zero or positive";
	if (c->params.dims != c->width * c->shingle_size)
		return "dims must be width times shingle_size";
	return NULL;
}

/* The z whose upper normal tail is rate, by bisection on erfc */
double
rcf_detect_z_of_rate(double rate)
{
	double		lo = 0.0,
				hi = 40.0;

	for (int i = 0; i < 200; i++)
	{
		double		mid = 0.5 * (lo + hi);

		if (0.5 * erfc(mid / sqrt(2.0)) > rate)
			lo = mid;
		else
			hi = mid;
	}
	return 0.5 * (lo + hi);
}

/*--- Running statistics ------------------------------------------------------*/

/* adds x, forgetting beyond "horizon" observations */
static void
stat_add(RunStat *s, double x, double horizon)
{
	double		alpha,
				delta;

	if (s->n < horizon)
		s->n += 1.0;
	alpha = 1.0 / s->n;
	delta = x - s->mean;
	s->mean += alpha * delta;
	s->var = (1.0 - alpha) * (s->var + alpha * delta * delta);
}

/* the standard deviation, never zero (relative to the mean's size) */
static double
stat_sd(const RunStat *s)
{
	return sqrt(s->var) + TINY * (1.0 + fabs(s->mean));
}

/*--- Creation ---------------------------------------------------------------*/

/* allocates n doubles, zeroed */
static double *
zeros(const RcfAllocator *a, size_t n)
{
	double	   *p = pi_alloc(a, sizeof(double) * (n > 0 ? n : 1));

	memset(p, 0, sizeof(double) * (n > 0 ? n : 1));
	return p;
}

/* A detector with an empty forest (the configuration is checked) */
RcfDetector *
rcf_detector_create(const RcfDetectConfig *config, const RcfAllocator *a)
{
	RcfDetector *d = pi_alloc(a, sizeof(RcfDetector));
	int32_t		w = config->width;
	int32_t		dims = config->params.dims;
	int32_t		trees = config->params.num_trees;

	memset(d, 0, sizeof(*d));
	d->config = *config;
	d->allocator = *a;
	d->forest = rcf_forest_create(&config->params, a);
	d->alert_row = -1;
	d->above_row = -1;
	d->input_stat = pi_alloc(a, sizeof(RunStat) * w);
	memset(d->input_stat, 0, sizeof(RunStat) * w);
	d->last = zeros(a, w);
	d->last_seen = zeros(a, w);
	d->slope = zeros(a, w);
	d->shingle = zeros(a, dims);
	d->missing = pi_alloc(a, sizeof(bool) * dims);
	for (int32_t i = 0; i < dims; i++)
		d->missing[i] = i >= dims - w;
	d->guesses = zeros(a, (size_t) trees * w);
	d->sorted = zeros(a, trees);
	d->guess_mid = zeros(a, w);
	d->guess_lo = zeros(a, w);
	d->guess_hi = zeros(a, w);
	d->high = zeros(a, dims);
	d->low = zeros(a, dims);
	d->out.value = zeros(a, w);
	d->out.expected = zeros(a, w);
	d->out.lower = zeros(a, w);
	d->out.upper = zeros(a, w);
	d->out.attribution = zeros(a, w);
	return d;
}

/* Frees a detector */
void
rcf_detector_free(RcfDetector *d)
{
	RcfAllocator a;
	double	   *arrays[17];
	int			n = 0;

	if (d == NULL)
		return;
	a = d->allocator;
	rcf_forest_free(d->forest);
	arrays[n++] = d->last;
	arrays[n++] = d->last_seen;
	arrays[n++] = d->slope;
	arrays[n++] = d->shingle;
	arrays[n++] = d->guesses;
	arrays[n++] = d->sorted;
	arrays[n++] = d->guess_mid;
	arrays[n++] = d->guess_lo;
	arrays[n++] = d->guess_hi;
	arrays[n++] = d->high;
	arrays[n++] = d->low;
	arrays[n++] = d->out.value;
	arrays[n++] = d->out.expected;
	arrays[n++] = d->out.lower;
	arrays[n++] = d->out.upper;
	arrays[n++] = d->out.attribution;
	for (int i = 0; i < n; i++)
		pi_free(&a, arrays[i]);
	pi_free(&a, d->input_stat);
	pi_free(&a, d->missing);
	pi_free(&a, d);
}

/*--- Transform ---------------------------------------------------------------*/

/* whether the transform differences */
static bool
differences(const RcfDetector *d)
{
	return d->config.transform == RCF_TRANSFORM_DIFFERENCE ||
		d->config.transform == RCF_TRANSFORM_NORMALIZE_DIFFERENCE;
}

/* whether the transform normalises */
static bool
normalizes(const RcfDetector *d)
{
	return d->config.transform == RCF_TRANSFORM_NORMALIZE ||
		d->config.transform == RCF_TRANSFORM_NORMALIZE_DIFFERENCE;
}

/* the value before scaling: x, or its change since the previous row */
static double
pre_scale(const RcfDetector *d, int32_t j, double x)
{
	if (!differences(d))
		return x;
	return d->rows > 0 ? x - d->last[j] : 0.0;
}

/* value j of a row as a shingle entry */
static double
transform(const RcfDetector *d, int32_t j, double x)
{
	double		v = pre_scale(d, j, x);

	if (normalizes(d))
		v = (v - d->input_stat[j].mean) / stat_sd(&d->input_stat[j]);
	return v;
}

/* a shingle entry for value j back in the row's units */
static double
untransform(const RcfDetector *d, int32_t j, double v)
{
	if (normalizes(d))
		v = v * stat_sd(&d->input_stat[j]) + d->input_stat[j].mean;
	if (differences(d))
		v += d->last[j];
	return v;
}

/*--- One row -----------------------------------------------------------------*/

/* sorts n doubles in place (Shell sort: no calls, few moves for n ~ 100) */
static void
sort_doubles(double *v, int32_t n)
{
	static const int32_t gaps[] = {701, 301, 132, 57, 23, 10, 4, 1};

	for (int g = 0; g < (int) (sizeof(gaps) / sizeof(gaps[0])); g++)
		for (int32_t i = gaps[g]; i < n; i++)
		{
			double		x = v[i];
			int32_t		j = i;

			for (; j >= gaps[g] && v[j - gaps[g]] > x; j -= gaps[g])
				v[j] = v[j - gaps[g]];
			v[j] = x;
		}
}

/* the q-quantile of n sorted values, interpolated */
static double
quantile(const double *v, int32_t n, double q)
{
	double		pos = q * (n - 1);
	int32_t		i = (int32_t) floor(pos);

	if (i >= n - 1)
		return v[n - 1];
	return v[i] + (pos - i) * (v[i + 1] - v[i]);
}

/*
 * The median and central "band" share of n trees' guesses of value j of w
 * (guesses[k * w + j]); "sorted" is scratch of n values.
 */
static void
guess_band(const double *guesses, int32_t n, int32_t w, int32_t j, double band,
		   double *sorted, double *mid, double *lo, double *hi)
{
	for (int32_t k = 0; k < n; k++)
		sorted[k] = guesses[(size_t) k * w + j];
	sort_doubles(sorted, n);
	*mid = quantile(sorted, n, 0.5);
	*lo = quantile(sorted, n, 0.5 - band / 2);
	*hi = quantile(sorted, n, 0.5 + band / 2);
}

/* the trees' guesses of the newest entry: median and band, transformed */
static bool
guess_newest(RcfDetector *d)
{
	int32_t		w = d->config.width;
	int32_t		n;

	if (rcf_forest_seen(d->forest) == 0)
		return false;
	n = rcf_forest_conditional(d->forest, d->shingle, d->missing,
							   EXPECT_TREES, d->guesses);
	if (n == 0)
		return false;
	for (int32_t j = 0; j < w; j++)
		guess_band(d->guesses, n, w, j, d->config.band, d->sorted,
				   &d->guess_mid[j], &d->guess_lo[j], &d->guess_hi[j]);
	return true;
}

/* the value of a missing row's value j */
static double
impute(const RcfDetector *d, int32_t j, bool guessed)
{
	if (d->observed == 0)
		return 0.0;
	switch (d->config.impute)
	{
		case RCF_IMPUTE_ZERO:
			return 0.0;
		case RCF_IMPUTE_LINEAR:
			return d->last_seen[j] +
				d->slope[j] * (double) (d->rows - d->last_observed_row);
		case RCF_IMPUTE_FOREST:
			if (guessed)
				return untransform(d, j, d->guess_mid[j]);
			return d->last[j];
		case RCF_IMPUTE_PREVIOUS:
			break;
	}
	return d->last_seen[j];
}

/* fills the row's values (given or imputed) and its shingle entry */
static void
place_row(RcfDetector *d, const double *values, bool guessed)
{
	int32_t		w = d->config.width;
	double	   *entry = d->shingle + d->config.params.dims - w;

	for (int32_t j = 0; j < w; j++)
	{
		double		x = values ? values[j] : impute(d, j, guessed);

		d->out.value[j] = x;
		entry[j] = transform(d, j, x);
		if (guessed)
		{
			d->out.expected[j] = untransform(d, j, d->guess_mid[j]);
			d->out.lower[j] = untransform(d, j, d->guess_lo[j]);
			d->out.upper[j] = untransform(d, j, d->guess_hi[j]);
		}
	}
}

/* learns the row: input statistics and the memory of past values */
static void
learn_row(RcfDetector *d, const double *values)
{
	int32_t		w = d->config.width;

	for (int32_t j = 0; j < w; j++)
	{
		double		x = d->out.value[j];

		if (values != NULL)
		{
			stat_add(&d->input_stat[j], pre_scale(d, j, x), NEVER_FORGET);
			if (d->observed > 0)
				d->slope[j] = (x - d->last_seen[j]) /
					(double) (d->rows - d->last_observed_row);
			d->last_seen[j] = x;
		}
		d->last[j] = x;
	}
	if (values != NULL)
	{
		d->observed++;
		d->last_observed_row = d->rows;
	}
	if (d->rows >= d->config.shingle_size - 1)
		rcf_forest_update(d->forest, d->shingle);
	d->rows++;
}

/* whether all n values are within the ignore distance of their expected */
static bool
near_expected(const RcfDetectConfig *c, const RcfDetection *o, int32_t n)
{
	if (!o->has_expected ||
		(c->ignore_absolute <= 0 && c->ignore_relative <= 0))
		return false;
	for (int32_t j = 0; j < n; j++)
	{
		double		gap = fabs(o->value[j] - o->expected[j]);

		if (gap > c->ignore_absolute &&
			gap > c->ignore_relative * fabs(o->expected[j]))
			return false;
	}
	return true;
}

/*
 * The attribution of a point's score folded onto w values (dimension i
 * counts for value i % w: a shingle's rows), as shares summing to 1;
 * high and low are scratch of the point's dims.
 */
static void
attribute(const RcfForest *forest, const double *point, int32_t w,
		  double *high, double *low, double *out)
{
	int32_t		dims = rcf_forest_params(forest)->dims;
	double		total = 0.0;

	rcf_forest_attribution(forest, point, high, low);
	for (int32_t j = 0; j < w; j++)
		out[j] = 0.0;
	for (int32_t i = 0; i < dims; i++)
	{
		out[i % w] += high[i] + low[i];
		total += high[i] + low[i];
	}
	for (int32_t j = 0; j < w; j++)
		out[j] = total > 0 ? out[j] / total : 1.0 / w;
}

/* the threshold of scores with this mean and sd */
static double
threshold_of(double mean, double sd, double z_factor)
{
	return mean + z_factor * fmax(sd, SD_FLOOR * mean);
}

/* the grade of an alert: 0 at the threshold, towards 1 far above it */
static double
grade_of(double score, double mean, double threshold)
{
	double		r = (threshold - mean) / (score - mean);

	return score > threshold ? 1.0 - r * r : 0.0;
}

/* decides on a scored row and learns its score */
static void
decide(RcfDetector *d)
{
	RcfDetection *o = &d->out;
	double		mean = d->score_stat.mean;
	bool		above,
				echo,
				episode;

	o->threshold = threshold_of(mean, stat_sd(&d->score_stat),
								d->config.z_factor);
	o->ready = d->scored >= d->config.warmup;
	above = o->ready && o->score > o->threshold;
	echo = d->alert_row >= 0 &&
		d->rows - d->alert_row < d->config.shingle_size &&
		o->score <= d->alert_score;
	episode = d->config.once_per_episode && d->above_row >= 0 &&
		d->rows - d->above_row <= d->config.shingle_size;
	o->is_anomaly = above && !o->imputed && !echo && !episode &&
		!near_expected(&d->config, o, d->config.width);
	if (above)
		d->above_row = d->rows;
	if (o->is_anomaly)
	{
		o->grade = grade_of(o->score, mean, o->threshold);
		d->alert_row = d->rows;
		d->alert_score = o->score;
		attribute(d->forest, d->shingle, d->config.width, d->high, d->low,
				  o->attribution);
		o->has_attribution = true;
	}
	stat_add(&d->score_stat, o->score, d->config.horizon);
	d->scored++;
}

/* Processes one row; values NULL when the row is missing */
const RcfDetection *
rcf_detector_step(RcfDetector *d, const double *values)
{
	RcfDetection *o = &d->out;
	int32_t		w = d->config.width;
	int32_t		dims = d->config.params.dims;
	bool		full = d->rows + 1 >= d->config.shingle_size;

	memmove(d->shingle, d->shingle + w, sizeof(double) * (dims - w));
	o->scored = o->ready = o->is_anomaly = false;
	o->has_attribution = false;
	o->imputed = values == NULL;
	o->score = o->grade = o->threshold = 0.0;
	o->has_expected = full && guess_newest(d);
	place_row(d, values, o->has_expected);
	if (full && rcf_forest_seen(d->forest) > 0)
	{
		o->scored = true;
		o->score = rcf_forest_score(d->forest, d->shingle);
		decide(d);
	}
	learn_row(d, values);
	return o;
}

/*--- Batch: one point against a stored model --------------------------------*/

#define TRAINING_SCORES 4096

/* The statistics of the scores of up to TRAINING_SCORES stored points */
RcfScoreStats
rcf_detect_training_stats(const RcfForest *forest, const RcfAllocator *a)
{
	double	   *scores = pi_alloc(a, sizeof(double) * TRAINING_SCORES);
	RcfScoreStats stats = {0, 0.0, 0.0};
	double		sum = 0.0,
				sq = 0.0;

	stats.count = rcf_forest_sample_scores(forest, TRAINING_SCORES, scores);
	for (int32_t i = 0; i < stats.count; i++)
		sum += scores[i];
	if (stats.count > 0)
		stats.mean = sum / stats.count;
	for (int32_t i = 0; i < stats.count; i++)
		sq += (scores[i] - stats.mean) * (scores[i] - stats.mean);
	if (stats.count > 1)
		stats.sd = sqrt(sq / (stats.count - 1));
	pi_free(a, scores);
	return stats;
}

/* Learns the threshold's base at training time, into version 2 model bytes */
const char *
rcf_detect_learn(uint8_t *buf, size_t len, const RcfAllocator *a)
{
	const char *err = NULL;
	RcfForest  *forest = rcf_forest_decode(buf, len, a, &err);
	RcfScoreStats stats;

	if (forest == NULL)
		return err;
	stats = rcf_detect_training_stats(forest, a);
	rcf_model_put_scores(buf, &stats);
	rcf_forest_free(forest);
	return NULL;
}

/* The statistics the model carries, else those of its sample */
RcfScoreStats
rcf_detect_model_stats(const RcfForest *forest, const RcfAllocator *a)
{
	const RcfScoreStats *carried = rcf_forest_model_scores(forest);

	if (carried->count > 0)
		return *carried;
	return rcf_detect_training_stats(forest, a);
}

/* each dimension's value expected from the others, with its band */
static void
expect_each(const RcfForest *forest, const double *point, double band,
			const RcfAllocator *a, RcfDetection *out)
{
	const RcfParams *p = rcf_forest_params(forest);
	bool	   *missing = pi_alloc(a, sizeof(bool) * p->dims);
	double	   *guesses = pi_alloc(a, sizeof(double) * p->num_trees);
	double	   *sorted = pi_alloc(a, sizeof(double) * p->num_trees);

	out->has_expected = true;
	memset(missing, 0, sizeof(bool) * p->dims);
	for (int32_t d = 0; d < p->dims && out->has_expected; d++)
	{
		int32_t		n;

		missing[d] = true;
		n = rcf_forest_conditional(forest, point, missing, p->num_trees,
								   guesses);
		missing[d] = false;
		if (n == 0)
			out->has_expected = false;
		else
			guess_band(guesses, n, 1, 0, band, sorted, &out->expected[d],
					   &out->lower[d], &out->upper[d]);
	}
	pi_free(a, sorted);
	pi_free(a, guesses);
	pi_free(a, missing);
}

/* The record of one point against a model (see rcf_detect.h) */
void
rcf_detect_point(const RcfForest *forest, const RcfScoreStats *stats,
				 const RcfDetectConfig *config, const double *point,
				 const RcfAllocator *a, RcfDetection *out)
{
	int32_t		dims = rcf_forest_params(forest)->dims;

	out->scored = out->ready = stats->count > 1;
	out->imputed = false;
	out->has_attribution = false;
	memcpy(out->value, point, sizeof(double) * dims);
	out->score = rcf_forest_score(forest, point);
	out->threshold = threshold_of(stats->mean, stats->sd, config->z_factor);
	expect_each(forest, point, config->band, a, out);
	out->is_anomaly = out->ready && out->score > out->threshold &&
		!near_expected(config, out, dims);
	out->grade = out->is_anomaly ?
		grade_of(out->score, stats->mean, out->threshold) : 0.0;
	if (out->is_anomaly)
	{
		double	   *high = pi_alloc(a, sizeof(double) * dims);
		double	   *low = pi_alloc(a, sizeof(double) * dims);

		attribute(forest, point, dims, high, low, out->attribution);
		out->has_attribution = true;
		pi_free(a, low);
		pi_free(a, high);
	}
}
