/*-------------------------------------------------------------------------
 *
 * rcf_expect.c
 *	  What the forest expects: for a point whose values in some dimensions
 *	  are unknown, each tree's guess of those values (the conditional field
 *	  the detector turns into expected values, bounds and imputations).
 *
 * A tree's guess is the point of the leaf a descent reaches when cuts on
 * known dimensions follow the query, as in scoring, and a cut on an unknown
 * dimension goes to the child whose bounding box (or point) is nearer the
 * query in the known dimensions (L1).  One path per tree, so the cost is
 * that of a score.  An exact nearest-point search (branch and bound) cost
 * ten times as much and guessed no better: on the first 8000 rows of NAB's
 * machine_temperature series, the median guess missed the value by 0.92
 * on average, against 0.91 for this descent.  The
 * guess is that leaf's values in the unknown dimensions; the spread of the
 * guesses over the trees is the forest's uncertainty.
 *
 * Part of the core: no PostgreSQL header (see rcf_forest.h).
 *
 *-------------------------------------------------------------------------
 */
#include "rcf/rcf_core.h"
#include "rcf/rcf_detect.h"

#include <math.h>

#define NEAR_GROUP		16		/* trees descended together */

/* the state of one tree's descent */
typedef struct NearSearch
{
	const RcfTree *tree;
	const float *q;
	const bool *missing;		/* dims flags: true where q is unknown */
	int32_t		dims;
} NearSearch;

/* known-dimension L1 distance from the query to a leaf's point */
static double
leaf_distance(const NearSearch *s, int32_t slot)
{
	const float *p = leaf_point(s->tree, slot, s->dims);
	double		sum = 0.0;

	for (int32_t d = 0; d < s->dims; d++)
		if (!s->missing[d])
			sum += fabs((double) p[d] - s->q[d]);
	return sum;
}

/* known-dimension L1 distance from the query to a node's bounding box */
static double
box_distance(const NearSearch *s, int32_t node)
{
	const float *lo = node_lo(s->tree, node, s->dims);
	const float *hi = lo + s->dims;
	double		sum = 0.0;

	for (int32_t d = 0; d < s->dims; d++)
	{
		if (s->missing[d])
			continue;
		if (s->q[d] < lo[d])
			sum += (double) lo[d] - s->q[d];
		else if (s->q[d] > hi[d])
			sum += (double) s->q[d] - hi[d];
	}
	return sum;
}

/* distance from the query to what a reference holds (a leaf's point, a box) */
static double
ref_distance(const NearSearch *s, int32_t ref)
{
	return IS_LEAF(ref) ? leaf_distance(s, LEAF_SLOT(ref)) :
		box_distance(s, ref);
}

/* one step of the descent from internal node ref: the child to take */
static inline int32_t
near_step(const NearSearch *s, int32_t ref)
{
	const RcfNode *n = node_at(s->tree, ref);

	if (!s->missing[n->dim])
		return s->q[n->dim] <= n->cut ? n->left : n->right;
	return ref_distance(s, n->left) <= ref_distance(s, n->right) ?
		n->left : n->right;
}

/*
 * The guesses of the first max_trees non-empty trees of the missing
 * dimensions of "point": the values, in those dimensions, of the leaf each
 * tree's guided descent reaches.
 * Guesses go to guesses[k * nmissing + j] for the k-th answering tree and
 * the j-th missing dimension; returns the number of answering trees.  The
 * values in the missing dimensions of "point" are ignored.  Trees descend
 * NEAR_GROUP at a time, level by level, so that their memory loads overlap
 * as in scoring.
 */
int32_t
rcf_forest_conditional(const RcfForest *forest, const double *point,
					   const bool *missing, int32_t max_trees, double *guesses)
{
	const RcfParams *p = rcf_forest_params(forest);
	int32_t		trees = max_trees < p->num_trees ? max_trees : p->num_trees;
	float		q[RCF_MAX_DIMS];
	int32_t		answered = 0;

	rcf_forest_query(forest, point, q);
	for (int32_t first = 0; first < trees; first += NEAR_GROUP)
	{
		int32_t		n = trees - first < NEAR_GROUP ? trees - first : NEAR_GROUP;
		NearSearch	s[NEAR_GROUP];
		int32_t		ref[NEAR_GROUP];
		bool		more = true;

		for (int32_t j = 0; j < n; j++)
		{
			s[j] = (NearSearch) {rcf_forest_tree(forest, first + j), q,
			missing, p->dims};
			ref[j] = s[j].tree->root;
		}
		while (more)
		{
			more = false;
			for (int32_t j = 0; j < n; j++)
				if (!IS_LEAF(ref[j]))
				{
					ref[j] = near_step(&s[j], ref[j]);
					if (!IS_LEAF(ref[j]))
						__builtin_prefetch(node_at(s[j].tree, ref[j]));
					more = true;
				}
		}
		for (int32_t j = 0; j < n; j++)
		{
			const float *found;

			if (ref[j] == RCF_NIL)
				continue;
			found = leaf_point(s[j].tree, LEAF_SLOT(ref[j]), p->dims);
			for (int32_t d = 0; d < p->dims; d++)
				if (missing[d])
					*guesses++ = found[d];
			answered++;
		}
	}
	return answered;
}

/*
 * The scores of up to "max" of the forest's stored points, tree after tree,
 * into scores[]; returns how many.  A stored point lies in at least its own
 * tree, where it counts as seen, so the scores are slightly low; for a model
 * trained on many more rows than its sample size the bias is about one
 * tree's share.
 */
int32_t
rcf_forest_sample_scores(const RcfForest *forest, int32_t max, double *scores)
{
	const RcfParams *p = rcf_forest_params(forest);
	const RcfAllocator *a = rcf_forest_allocator(forest);
	double	   *x = pi_alloc(a, sizeof(double) * p->dims * (size_t) (max > 0 ? max : 1));
	int32_t		n = 0;

	for (int32_t t = 0; t < p->num_trees && n < max; t++)
	{
		const RcfTree *tree = rcf_forest_tree(forest, t);

		for (int32_t i = 0; i < tree->heap.count && n < max; i++, n++)
		{
			const float *pt = leaf_point(tree, tree->heap.slot[i], p->dims);

			for (int32_t d = 0; d < p->dims; d++)
				x[(size_t) n * p->dims + d] = pt[d];
		}
	}
	rcf_forest_score_many(forest, n, x, scores);
	pi_free(a, x);
	return n;
}
