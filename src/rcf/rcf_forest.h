/*-------------------------------------------------------------------------
 *
 * rcf_forest.h
 *	  Random Cut Forest core: reservoir sampling, robust random cut trees,
 *	  scoring, attribution, streaming update and the serialised model.
 *
 * This header and the core files (see rcf_core.h) include no PostgreSQL
 * header, so the C unit tests and the benchmarks link the core directly.  Callers validate their
 * input (finite values, matching dimensions) before calling in; functions
 * that can meet bad bytes (deserialising, decoding, parsing) return NULL and
 * set *err to a static English message instead.
 *
 * Memory comes from an RcfAllocator so that the backend can use palloc in a
 * memory context of its choice.  An allocator never returns NULL: it either
 * succeeds or does not return (palloc raises an ERROR; pi_malloc_allocator
 * aborts).
 *
 *-------------------------------------------------------------------------
 */
#ifndef RCF_FOREST_H
#define RCF_FOREST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/base.h"

/* Limits on parameters; rcf_params_check enforces them. */
#define RCF_MAX_TREES		1000
#define RCF_MIN_SAMPLE_SIZE 2
#define RCF_MAX_SAMPLE_SIZE 8192
#define RCF_MAX_DIMS		1024

/*
 * Version of the serialised model written by rcf_model_write.  Version 2
 * adds the score statistics of the training sample (the batch threshold's
 * base); version 1 models, without them, are read as before.
 */
#define RCF_MODEL_VERSION	2
#define RCF_MODEL_VERSION_1 1

/* The core takes only allocators that never return NULL (base/base.h) */
typedef PiAllocator RcfAllocator;

typedef struct RcfParams
{
	int32_t		num_trees;		/* trees in the forest */
	int32_t		sample_size;	/* points kept per tree */
	int32_t		dims;			/* dimensions of a point */
	double		time_decay;		/* lambda >= 0; 0 keeps a uniform sample */
	uint64_t	seed;			/* makes sampling and cuts reproducible */
} RcfParams;

/* NULL when the parameters are usable, else a message naming the bad one */
extern const char *rcf_params_check(const RcfParams *params);

/*--- Sampler: one reservoir per tree, for training -------------------------*/

typedef struct RcfSampler RcfSampler;

/*
 * Creates an empty sampler.  "stream" separates the random streams of
 * samplers that see disjoint parts of one data set (parallel workers) and
 * are merged later; a serial caller passes 0.
 */
extern RcfSampler *rcf_sampler_create(const RcfParams *params, uint64_t stream,
									  const RcfAllocator *allocator);
extern void rcf_sampler_free(RcfSampler *sampler);
extern const RcfParams *rcf_sampler_params(const RcfSampler *sampler);
extern int64_t rcf_sampler_seen(const RcfSampler *sampler);

/* Offers one point (params->dims finite values) to every tree's reservoir */
extern void rcf_sampler_add(RcfSampler *sampler, const double *point);

/*
 * Merges "from" into "into" so that each tree keeps the sample_size points
 * of smallest weight among both; parameters must be equal (the caller
 * checks with rcf_params_equal).
 */
extern void rcf_sampler_merge(RcfSampler *into, const RcfSampler *from);
extern bool rcf_params_equal(const RcfParams *a, const RcfParams *b);

/* Serialised sampler state (weights included), for parallel aggregation */
extern size_t rcf_sampler_serialized_size(const RcfSampler *sampler);
extern void rcf_sampler_serialize(const RcfSampler *sampler, uint8_t *buf);
extern RcfSampler *rcf_sampler_deserialize(const uint8_t *buf, size_t len,
										   const RcfAllocator *allocator,
										   const char **err);

/*--- Model: the compact, versioned serialised form -------------------------*/

/* Bytes the model of this sampler takes, and writing it into buf */
extern size_t rcf_model_size(const RcfSampler *sampler);
extern void rcf_model_write(const RcfSampler *sampler, uint8_t *buf);

/* Statistics of the scores of a model's training sample (count 0: none) */
typedef struct RcfScoreStats
{
	int32_t		count;			/* sample points scored */
	double		mean;
	double		sd;
} RcfScoreStats;

typedef struct RcfModelInfo
{
	RcfParams	params;
	uint32_t	version;		/* format version of the bytes */
	RcfScoreStats scores;		/* version 2; count 0 in version 1 */
	int64_t		points_seen;	/* points offered while training */
	int64_t		samples;		/* points stored over all trees */
	size_t		error_offset;	/* invalid bytes: where the fault is */
} RcfModelInfo;

/*
 * Validates the bytes fully and fills *info; NULL on success, else why not
 * (and info->error_offset says where)
 */
extern const char *rcf_model_info(const uint8_t *buf, size_t len,
								  RcfModelInfo *info);

/*
 * Writes score statistics into the header of version 2 model bytes (the
 * bytes' version must be 2 and the stats valid: finite, sd >= 0)
 */
extern void rcf_model_put_scores(uint8_t *buf, const RcfScoreStats *scores);

/* Readable JSON form of a model, and back (exact round trip) */
extern char *rcf_model_to_json(const uint8_t *buf, size_t len,
							   const RcfAllocator *allocator);
extern uint8_t *rcf_model_from_json(const char *json, size_t *len,
									const RcfAllocator *allocator,
									const char **err);

/*--- Pool: merging models trained on disjoint data (rcf_pool.c) ------------*/

typedef struct RcfPool RcfPool;

/* The points of a model (time_decay 0 only), ready to merge */
extern RcfPool *rcf_pool_decode(const uint8_t *buf, size_t len,
								const RcfAllocator *allocator, const char **err);
extern void rcf_pool_free(RcfPool *pool);
extern const RcfParams *rcf_pool_params(const RcfPool *pool);

/*
 * Merges "from" into "into" (equal parameters, checked by the caller): per
 * tree, a uniform sample of the rows both saw, weighted by their counts.
 */
extern void rcf_pool_merge(RcfPool *into, RcfPool *from);

/* Bytes the merged model takes, and writing it into buf */
extern size_t rcf_pool_model_size(const RcfPool *pool);
extern void rcf_pool_model_write(const RcfPool *pool, uint8_t *buf);

/*--- Forest: trees built over a sample --------------------------------------*/

typedef struct RcfForest RcfForest;

/* Builds the trees of a serialised model (validates it, like rcf_model_info) */
extern RcfForest *rcf_forest_decode(const uint8_t *buf, size_t len,
									const RcfAllocator *allocator,
									const char **err);

/* An empty forest for streaming: points arrive through rcf_forest_update */
extern RcfForest *rcf_forest_create(const RcfParams *params,
									const RcfAllocator *allocator);
extern void rcf_forest_free(RcfForest *forest);
extern const RcfParams *rcf_forest_params(const RcfForest *forest);
extern int64_t rcf_forest_seen(const RcfForest *forest);

/* The score statistics its model carried (count 0: none, as in version 1) */
extern const RcfScoreStats *rcf_forest_model_scores(const RcfForest *forest);

/*
 * Anomaly score of a point: expected inverse depth with the damping and
 * normalisation of RCF-by-aws; inliers score near 1, the range is about
 * 0..log2(sample_size).  An empty forest scores 0.
 */
extern double rcf_forest_score(const RcfForest *forest, const double *point);

/*
 * The scores of n points ("points" holds them one after the other) into
 * scores: the very values rcf_forest_score gives each, faster (tree by
 * tree, so that each tree stays in cache over the batch)
 */
extern void rcf_forest_score_many(const RcfForest *forest, int32_t n,
								  const double *points, double *scores);

/*
 * Per-dimension attribution of the score: high[d] and low[d] are the parts
 * due to the point lying above or below the data in dimension d; the sum of
 * all 2 * dims values equals rcf_forest_score of the point.
 */
extern void rcf_forest_attribution(const RcfForest *forest, const double *point,
								   double *high, double *low);

/* rcf_forest_attribution of n points at once, tree by tree (dims apart) */
extern void rcf_forest_attribution_many(const RcfForest *forest, int32_t n,
										const double *points, double *high,
										double *low);

/* Streaming: offers a point to each tree's time-decayed reservoir */
extern void rcf_forest_update(RcfForest *forest, const double *point);

#endif							/* RCF_FOREST_H */
