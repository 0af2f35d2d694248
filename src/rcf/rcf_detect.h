/*-------------------------------------------------------------------------
 *
 * rcf_detect.h
 *	  The streaming anomaly detector around the Random Cut Forest core:
 *	  preprocessing (normalisation, differencing), internal shingling,
 *	  imputation of missing rows, expected values with bounds from the
 *	  forest's conditional field, and a threshold learned online from the
 *	  score stream, with suppression of echoes and repeated alerts.
 *
 * Pure core: no PostgreSQL header, so the unit tests and the NAB driver
 * link it directly.  The caller validates its input (finite values, the
 * width fixed at creation) and the configuration (rcf_detect_check).
 *
 *-------------------------------------------------------------------------
 */
#ifndef RCF_DETECT_H
#define RCF_DETECT_H

#include "rcf/rcf_forest.h"

/* How a row's values are turned into shingle entries */
typedef enum RcfTransform
{
	RCF_TRANSFORM_NONE,			/* raw values */
	RCF_TRANSFORM_NORMALIZE,	/* (x - mean) / sd, running statistics */
	RCF_TRANSFORM_DIFFERENCE,	/* x - previous x */
	RCF_TRANSFORM_NORMALIZE_DIFFERENCE	/* differences, normalised */
} RcfTransform;

/* What a missing (NULL) row becomes */
typedef enum RcfImpute
{
	RCF_IMPUTE_ZERO,
	RCF_IMPUTE_PREVIOUS,		/* the last value seen */
	RCF_IMPUTE_LINEAR,			/* extrapolated from the last two values */
	RCF_IMPUTE_FOREST			/* the forest's expected value */
} RcfImpute;

typedef struct RcfDetectConfig
{
	RcfParams	params;			/* the forest's; dims = width * shingle_size */
	int32_t		width;			/* values per row */
	int32_t		shingle_size;	/* rows per shingle */
	RcfTransform transform;
	RcfImpute	impute;
	double		z_factor;		/* threshold: score mean + z_factor * sd */
	int64_t		warmup;			/* scored rows before the first decision */
	double		horizon;		/* rows the running statistics remember */
	double		band;			/* share of the trees' guesses in lower..upper */
	double		ignore_absolute;	/* no alert within this of expected */
	double		ignore_relative;	/* ... or this share of |expected| */
	bool		once_per_episode;	/* one alert per run of high scores */
} RcfDetectConfig;

/* The answer for one row; arrays hold "width" values, owned by the detector */
typedef struct RcfDetection
{
	bool		scored;			/* false until a shingle meets a forest */
	bool		ready;			/* past warm-up: threshold and flag valid */
	bool		imputed;		/* the row was missing; value is imputed */
	bool		is_anomaly;
	bool		has_expected;	/* expected, lower and upper are set */
	bool		has_attribution;	/* set on anomalies */
	double		score;
	double		grade;			/* 0 on normal rows, up to 1 */
	double		threshold;
	double	   *value;			/* the row's values, or the imputed ones */
	double	   *expected;
	double	   *lower;
	double	   *upper;
	double	   *attribution;	/* share per value, summing to 1 */
} RcfDetection;

typedef struct RcfDetector RcfDetector;

/* Defaults for everything but params.dims, width and shingle-dependent parts */
extern void rcf_detect_defaults(RcfDetectConfig *config);

/* Sets params.dims and the derived defaults once width and shingle are known */
extern void rcf_detect_complete(RcfDetectConfig *config, int64_t warmup);

/* NULL when the configuration is usable, else a message naming the problem */
extern const char *rcf_detect_check(const RcfDetectConfig *config);

/* The z-factor whose one-sided normal tail is "rate" (0 < rate < 0.5) */
extern double rcf_detect_z_of_rate(double rate);

extern RcfDetector *rcf_detector_create(const RcfDetectConfig *config,
										const RcfAllocator *allocator);
extern void rcf_detector_free(RcfDetector *detector);

/* Processes one row ("values" NULL when missing); the answer lives until the next call */
extern const RcfDetection *rcf_detector_step(RcfDetector *detector,
											 const double *values);

/*--- Batch: one point against a stored model --------------------------------*/

/* The statistics of the scores of (up to 4096 of) the forest's stored points */
extern RcfScoreStats rcf_detect_training_stats(const RcfForest *forest,
											   const RcfAllocator *allocator);

/*
 * The threshold's base learned at training time: the training statistics
 * of the forest of version 2 model bytes, written into their header; NULL
 * on success, else why the bytes are not a model
 */
extern const char *rcf_detect_learn(uint8_t *buf, size_t len,
							 const RcfAllocator *allocator);

/*
 * The statistics the batch threshold uses for a forest: those its model
 * carries (version 2), else computed from its sample (version 1)
 */
extern RcfScoreStats rcf_detect_model_stats(const RcfForest *forest,
											const RcfAllocator *allocator);

/*
 * The record of one point against a model: score, threshold from "stats"
 * and config->z_factor, grade, and per dimension the value expected from
 * the others with its band, and attribution on anomalies.  out's arrays
 * hold dims values and are the caller's; scratch memory comes from the
 * allocator and is freed.
 */
extern void rcf_detect_point(const RcfForest *forest, const RcfScoreStats *stats,
							 const RcfDetectConfig *config, const double *point,
							 const RcfAllocator *allocator, RcfDetection *out);

/*--- in rcf_expect.c --------------------------------------------------------*/

/* The first max_trees trees' guesses of the dimensions flagged missing */
extern int32_t rcf_forest_conditional(const RcfForest *forest,
									  const double *point, const bool *missing,
									  int32_t max_trees, double *guesses);

/* The scores of up to max of the forest's stored points */
extern int32_t rcf_forest_sample_scores(const RcfForest *forest, int32_t max,
										double *scores);

#endif							/* RCF_DETECT_H */
