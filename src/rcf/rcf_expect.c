/*-------------------------------------------------------------------------
 *
 * rcf_expect.c
 *	  What the forest expects: for a point whose values in some dimensions
 *	  are unknown, each tree's guess of those values (the conditional field
 *	  the detector turns into expected values, bounds and imputations).
 *
 * A tree's guess is the stored point nearest to the query in the known
 * dimensions (L1 distance), found by branch and bound: a subtree is entered
 * only while the distance from the query to its bounding box, over the known
 * dimensions, is below the best distance found so far, nearer child first.
 * Cuts on known dimensions thus mostly follow the query as a descent would;
 * cuts on unknown dimensions are explored on both sides.  The guess is that
 * point's values in the unknown dimensions; the spread of the guesses over
 * the trees is the forest's uncertainty.
 *
 * Part of the core: no PostgreSQL header (see rcf_forest.h).
 *
 *-------------------------------------------------------------------------
 */
#include "rcf/rcf_core.h"
#include "rcf/rcf_detect.h"

#include <math.h>

/* the state of one tree's nearest-point search */
typedef struct NearSearch
{
	const RcfTree *tree;
	const float *q;
	const bool *missing;		/* dims flags: true where q is unknown */
	int32_t		dims;
	double		best;			/* distance of the best leaf so far */
	int32_t		slot;			/* its slot; -1 before the first */
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

/* lower bound of the distance to anything under a reference (exact: leaf) */
static double
ref_distance(const NearSearch *s, int32_t ref)
{
	return IS_LEAF(ref) ? leaf_distance(s, LEAF_SLOT(ref)) :
		box_distance(s, ref);
}

/* searches the subtree of ref, whose lower bound is "bound" */
static void
near_search(NearSearch *s, int32_t ref, double bound)
{
	const RcfNode *n;
	double		dl,
				dr;
	bool		left_first;

	if (s->slot >= 0 && bound >= s->best)
		return;
	if (IS_LEAF(ref))
	{
		s->best = bound;
		s->slot = LEAF_SLOT(ref);
		return;
	}
	n = node_at(s->tree, ref);
	dl = ref_distance(s, n->left);
	dr = ref_distance(s, n->right);
	left_first = dl < dr || (dl == dr && s->q[n->dim] <= n->cut);
	if (left_first)
	{
		near_search(s, n->left, dl);
		near_search(s, n->right, dr);
	}
	else
	{
		near_search(s, n->right, dr);
		near_search(s, n->left, dl);
	}
}

/*
 * Each non-empty tree's guess of the missing dimensions of "point": the
 * values, in those dimensions, of its stored point nearest in the others.
 * Guesses go to guesses[k * nmissing + j] for the k-th answering tree and
 * the j-th missing dimension; returns the number of answering trees.  The
 * values in the missing dimensions of "point" are ignored.
 */
int32_t
rcf_forest_conditional(const RcfForest *forest, const double *point,
					   const bool *missing, double *guesses)
{
	const RcfParams *p = rcf_forest_params(forest);
	float		q[RCF_MAX_DIMS];
	int32_t		answered = 0;

	rcf_forest_query(forest, point, q);
	for (int32_t t = 0; t < p->num_trees; t++)
	{
		NearSearch	s = {rcf_forest_tree(forest, t), q, missing, p->dims,
		0.0, -1};
		const float *found;

		if (s.tree->root == RCF_NIL)
			continue;
		near_search(&s, s.tree->root, ref_distance(&s, s.tree->root));
		found = leaf_point(s.tree, s.slot, p->dims);
		for (int32_t d = 0; d < p->dims; d++)
			if (missing[d])
				*guesses++ = found[d];
		answered++;
	}
	return answered;
}
