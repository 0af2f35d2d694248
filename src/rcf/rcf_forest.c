/*-------------------------------------------------------------------------
 *
 * rcf_forest.c
 *	  Random Cut Forest core: the forest of trees built over a sample;
 *	  decoding a model, streaming creation and update, scoring and
 *	  attribution.
 *
 * The behaviour follows the Random Cut Forest of Guha et al. (ICML 2016) as
 * shipped by the AWS randomcutforest library: time-decayed weighted
 * reservoirs, cuts drawn proportionally to the side lengths of the bounding
 * box, and the anomaly score as expected inverse depth with damping for
 * duplicates, normalised by log2(tree mass + 1).
 *
 * Scoring one point is bound by memory latency (a forest of 100 x 256
 * points is about 2 MB), so trees are descended SCORE_GROUP at a time, level
 * by level, and what the walk back up will read is prefetched.  Scoring many
 * points at once goes tree by tree instead: a tree (some 25 kB at 4
 * dimensions) stays in the nearest cache while the batch descends it node by
 * node (each node splits the points that reached it), then each point walks
 * back up.  Each point's tree scores are added in tree order either way, so
 * both give the same bits.
 *
 * Choices the contract leaves open:
 *	- each tree's score is normalised by log2(its mass + 1), as RCF-by-aws
 *	  does; with a full reservoir that is log2(sample_size + 1);
 *	- a decoded forest rounds every query (and every streamed point) through
 *	  the model encoding once per call, so that descent, boxes and the "seen"
 *	  test all work at the model's resolution;
 *	- attribution splits a seen leaf's term evenly over the 2 * dims parts and
 *	  an unseen leaf's term by the distance to the leaf point per dimension
 *	  and direction;
 *	- a decoded forest can be updated: its stored points get fresh reservoir
 *	  weights as if they had just arrived.
 *
 * The rest of the core sits beside this file (see rcf_core.h for the list).
 * No PostgreSQL header is included here; see rcf_forest.h.
 *
 *-------------------------------------------------------------------------
 */
#include "rcf/rcf_core.h"

#include <math.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define SCORE_GROUP		16		/* trees descended together when scoring */
#define PATH_RING		4		/* deepest path nodes prefetched per tree */

/*--- Private types ----------------------------------------------------------*/

struct RcfForest
{
	RcfParams	params;
	RcfAllocator allocator;
	RcfRng		rng;			/* reservoir weights */
	int64_t		seen;
	RcfScoreStats scores;		/* what the model carried; count 0: none */
	bool		snap;			/* round queries through the model encoding */
	int16_t    *exps;			/* dims scale exponents when snap */
	double	   *inv_depth;		/* 1 / (depth + 1) for depth < sample_size */
	RcfTree    *trees;
};

/*--- Forest -----------------------------------------------------------------*/

/* allocates a forest; its trees are made empty and full-size if "trees" */
static RcfForest *
forest_alloc(const RcfParams *params, const RcfAllocator *allocator,
			 bool trees)
{
	RcfForest  *f = pi_alloc(allocator, sizeof(RcfForest));
	int32_t		t;

	f->params = *params;
	f->allocator = *allocator;
	f->seen = 0;
	memset(&f->scores, 0, sizeof(f->scores));
	f->snap = false;
	f->exps = pi_alloc(allocator, sizeof(int16_t) * params->dims);
	memset(f->exps, 0, sizeof(int16_t) * params->dims);
	rcf_rng_seed(&f->rng, params->seed, SALT_SAMPLER, 0);
	f->inv_depth = pi_alloc(allocator, sizeof(double) * params->sample_size);
	for (t = 0; t < params->sample_size; t++)
		f->inv_depth[t] = 1.0 / (t + 1);
	f->trees = pi_alloc(allocator, sizeof(RcfTree) * params->num_trees);
	for (t = 0; trees && t < params->num_trees; t++)
		rcf_tree_init(&f->trees[t], params, allocator, t, params->sample_size);
	return f;
}

/* An empty forest for streaming */
RcfForest *
rcf_forest_create(const RcfParams *params, const RcfAllocator *allocator)
{
	return forest_alloc(params, allocator, true);
}

/* Frees a forest */
void
rcf_forest_free(RcfForest *forest)
{
	RcfAllocator a;
	int32_t		t;

	if (forest == NULL)
		return;
	a = forest->allocator;
	for (t = 0; t < forest->params.num_trees; t++)
		pi_free(&a, forest->trees[t].block);
	pi_free(&a, forest->trees);
	pi_free(&a, forest->exps);
	pi_free(&a, forest->inv_depth);
	pi_free(&a, forest);
}

/* The parameters of a forest */
const RcfParams *
rcf_forest_params(const RcfForest *forest)
{
	return &forest->params;
}

/* Points offered to the forest (for a decoded one: while training, plus) */
int64_t
rcf_forest_seen(const RcfForest *forest)
{
	return forest->seen;
}

/* The score statistics its model carried (count 0: none) */
const RcfScoreStats *
rcf_forest_model_scores(const RcfForest *forest)
{
	return &forest->scores;
}

/* a query as floats: snapped through the model encoding for decoded forests */
static void
forest_query(const RcfForest *f, const double *x, float *q)
{
	int32_t		d;

	if (f->snap)
		for (d = 0; d < f->params.dims; d++)
			q[d] = snap_value(x[d], f->exps[d]);
	else
		for (d = 0; d < f->params.dims; d++)
			q[d] = to_float(x[d]);
}

/* Tree t of a forest, for the core's other files */
const RcfTree *
rcf_forest_tree(const RcfForest *forest, int32_t t)
{
	return &forest->trees[t];
}

/* The allocator of a forest, for the core's other files' scratch memory */
const RcfAllocator *
rcf_forest_allocator(const RcfForest *forest)
{
	return &forest->allocator;
}

/* A point in the form the trees hold, for the core's other files */
void
rcf_forest_query(const RcfForest *forest, const double *x, float *q)
{
	forest_query(forest, x, q);
}

/* inserts a query-form point into one tree and its reservoir with weight w */
void
rcf_forest_update(RcfForest *forest, const double *point)
{
	const RcfParams *p = &forest->params;
	float		q[RCF_MAX_DIMS];
	int64_t		seq = forest->seen++;
	int32_t		t;

	forest_query(forest, point, q);
	for (t = 0; t < p->num_trees; t++)
	{
		RcfTree    *tree = &forest->trees[t];

		/* a decoded tree is sized to its points: grow it on first need */
		if (tree->heap.count == tree->capacity && tree->capacity < p->sample_size)
			rcf_tree_relayout(tree, p, &forest->allocator, t, p->sample_size);
		rcf_tree_offer(tree, p,
				   sample_weight(rng_open(&forest->rng), p->time_decay, seq), q);
	}
}

/*
 * Builds the trees of a serialised model.  Each tree inserts its decoded
 * points in stored order with its own random stream; the reservoir weights
 * are drawn afresh as for points arriving now, so that a decoded forest can
 * also be updated.  Trees are sized to their stored points (small bytes
 * cannot claim a huge forest) and grow when updated.
 */
RcfForest *
rcf_forest_decode(const uint8_t *buf, size_t len,
				  const RcfAllocator *allocator, const char **err)
{
	RcfModelInfo info;
	int16_t		exps[RCF_MAX_DIMS];
	RcfForest  *f;
	RcfReader	r = {buf, len, true, NULL};
	float	   *pts;
	int32_t		t,
				i,
				n;

	if (buf == NULL)
		*err = "truncated rcf model";
	else
		*err = rcf_model_parse(buf, len, &info, exps);
	if (*err != NULL)
		return NULL;
	f = forest_alloc(&info.params, allocator, false);
	f->snap = true;
	f->seen = info.points_seen;
	f->scores = info.scores;
	memcpy(f->exps, exps, sizeof(int16_t) * info.params.dims);
	pts = pi_alloc(allocator, sizeof(float) * info.params.sample_size *
					(size_t) info.params.dims);
	(void) rcf_model_read_header(&r, &info, exps);
	for (t = 0; t < info.params.num_trees; t++)
	{
		(void) rcf_model_read_tree(&r, &info, exps, &n, pts);
		rcf_tree_init(&f->trees[t], &info.params, allocator, t, n > 0 ? n : 1);
		for (i = 0; i < n; i++)
			rcf_tree_offer(&f->trees[t], &info.params,
					   sample_weight(rng_open(&f->rng), info.params.time_decay,
									 info.points_seen),
					   pts + (size_t) i * info.params.dims);
		rcf_tree_relayout(&f->trees[t], &info.params, allocator, t,
						  n > 0 ? n : 1);
	}
	pi_free(allocator, pts);
	return f;
}

/*--- Score and attribution --------------------------------------------------*/

/*
 * How far q lies outside a box in dimension d (below plus above, one of them
 * 0); parts as in box_gap_parts
 */
static inline double
dim_gap(const float *lo, const float *hi, const float *q, int32_t dims,
		int32_t d, double *parts)
{
	double		below = (double) lo[d] - q[d];
	double		above = (double) q[d] - hi[d];

	below = below > 0.0 ? below : 0.0;
	above = above > 0.0 ? above : 0.0;
	if (parts != NULL)
	{
		parts[d] = above;
		parts[dims + d] = below;
	}
	return below + above;
}

#ifdef __SSE2__
/* two floats from p, as doubles */
static inline __m128d
load_two(const float *p)
{
	return _mm_cvtps_pd(_mm_castsi128_ps(_mm_loadl_epi64((const __m128i *) p)));
}
#endif

/*
 * Distance from q to a box summed over dimensions; *sides_sum gets the
 * box's side sum (the box merged with q has that plus the distance).  When
 * "parts" is not NULL, parts[d] gets how far q lies above the box in
 * dimension d and parts[dims + d] how far below (one of them is 0).
 *
 * This is the hot loop of scoring.  It is branch-free (the comparisons are
 * unpredictable), and the sums go in two lanes, one for the even and one for
 * the odd dimensions (an odd last dimension joins the even lane), added at
 * the end: SSE2 computes both lanes at once, and other machines compute the
 * same sums in the same order, so that scores have the same bits everywhere.
 */
static inline __attribute__((always_inline)) double
box_gap_parts(const float *lo, const float *hi, const float *q, int32_t dims,
			  double *sides_sum, double *parts)
{
	double		gap0 = 0.0,
				gap1 = 0.0,
				sides0 = 0.0,
				sides1 = 0.0;
	int32_t		d = 0;

#ifdef __SSE2__
	if (dims >= 2)
	{
		__m128d		zero = _mm_setzero_pd();
		__m128d		gap = zero,
					sides = zero;

		for (; d + 2 <= dims; d += 2)
		{
			__m128d		l = load_two(lo + d);
			__m128d		h = load_two(hi + d);
			__m128d		x = load_two(q + d);
			__m128d		below = _mm_max_pd(_mm_sub_pd(l, x), zero);
			__m128d		above = _mm_max_pd(_mm_sub_pd(x, h), zero);

			gap = _mm_add_pd(gap, _mm_add_pd(below, above));
			sides = _mm_add_pd(sides, _mm_sub_pd(h, l));
			if (parts != NULL)
			{
				_mm_storeu_pd(parts + d, above);
				_mm_storeu_pd(parts + dims + d, below);
			}
		}
		gap0 = _mm_cvtsd_f64(gap);
		gap1 = _mm_cvtsd_f64(_mm_unpackhi_pd(gap, gap));
		sides0 = _mm_cvtsd_f64(sides);
		sides1 = _mm_cvtsd_f64(_mm_unpackhi_pd(sides, sides));
	}
#else
	for (; d + 2 <= dims; d += 2)
	{
		gap0 += dim_gap(lo, hi, q, dims, d, parts);
		gap1 += dim_gap(lo, hi, q, dims, d + 1, parts);
		sides0 += (double) hi[d] - lo[d];
		sides1 += (double) hi[d + 1] - lo[d + 1];
	}
#endif
	if (d < dims)
	{
		gap0 += dim_gap(lo, hi, q, dims, d, parts);
		sides0 += (double) hi[d] - lo[d];
	}
	*sides_sum = sides0 + sides1;
	return gap0 + gap1;
}

/* box_gap_parts without the parts */
static inline double
box_gap(const float *lo, const float *hi, const float *q, int32_t dims,
		double *sides)
{
	return box_gap_parts(lo, hi, q, dims, sides, NULL);
}

/*
 * Probability that a random cut of the box merged with q separates q: the
 * distance from q to the box over the side lengths of the merged box.
 */
static inline double
separation(const float *lo, const float *hi, const float *q, int32_t dims)
{
	double		sides;
	double		gap = box_gap(lo, hi, q, dims, &sides);

	return gap > 0 ? gap / (sides + gap) : 0.0;
}

/* scoreSeen of RCF-by-aws, damped by the share of the leaf in the tree */
static inline double
score_seen(const RcfTree *t, int32_t depth, int32_t leaf_mass)
{
	double		damp = 1.0 - (double) leaf_mass / (2.0 * t->mass);

	return damp / (depth + log2(leaf_mass + 1.0));
}

/* prefetches the box of an internal node (both ends) */
static inline void
prefetch_box(const RcfTree *t, int32_t node, int32_t dims)
{
	const float *lo = node_lo(t, node, dims);

	__builtin_prefetch(lo);
	__builtin_prefetch(lo + 2 * dims - 1);
}

/*
 * Descends n trees at once, level by level, so that their memory loads
 * overlap (the descent is bound by load latency); empty trees get slot -1.
 * Then prefetches what the walk back up reads: the leaf and the boxes of
 * the last PATH_RING nodes of each path.
 */
static void
group_descend(const RcfTree *trees, int32_t n, const float *q, int32_t dims,
			  int32_t *slot, int32_t *depth)
{
	int32_t		ref[SCORE_GROUP];
	int32_t		ring[SCORE_GROUP][PATH_RING];
	bool		more = true;
	int32_t		j,
				k;

	for (j = 0; j < n; j++)
	{
		ref[j] = trees[j].root;
		depth[j] = 0;
	}
	while (more)
	{
		more = false;
		for (j = 0; j < n; j++)
			if (!IS_LEAF(ref[j]))
			{
				const RcfNode *nd = node_at(&trees[j], ref[j]);

				ring[j][depth[j]++ % PATH_RING] = ref[j];
				ref[j] = (&nd->left)[q[nd->dim] > nd->cut];
				more = true;
			}
	}
	for (j = 0; j < n; j++)
	{
		slot[j] = (ref[j] == RCF_NIL) ? -1 : LEAF_SLOT(ref[j]);
		if (slot[j] < 0)
			continue;
		__builtin_prefetch(leaf_at(&trees[j], slot[j]));
		for (k = 0; k < depth[j] && k < PATH_RING; k++)
			prefetch_box(&trees[j], ring[j][k], dims);
	}
}

/* the leaf term of a tree's score; *node gets where the walk up starts */
static inline double
leaf_score(const RcfTree *t, const float *q, int32_t dims, int32_t slot,
		   int32_t depth, const double *inv, int32_t *node)
{
	const RcfLeaf *leaf = leaf_at(t, slot);

	if (points_equal(q, leaf_point(t, slot, dims), dims))
	{
		*node = RCF_NIL;		/* q is inside every box above */
		return score_seen(t, depth, leaf->mass);
	}
	*node = leaf->parent;
	return inv[depth];
}

/*
 * Score of one non-empty tree, normalised, from the leaf q reached: walking
 * back up, each internal node mixes in the chance that a cut separates q
 * there; the walk stops where q lies inside the box (so do all above).
 */
static inline double
tree_walk_up(const RcfTree *t, const float *q, int32_t dims, int32_t slot,
			 int32_t depth, const double *inv)
{
	int32_t		node;
	double		score = leaf_score(t, q, dims, slot, depth, inv, &node);

	while (node != RCF_NIL)
	{
		const float *lo = node_lo(t, node, dims);
		double		prob = separation(lo, lo + dims, q, dims);

		depth--;
		if (prob == 0.0)
			break;
		score = prob * inv[depth] + (1.0 - prob) * score;
		node = t->nparent[node];
	}
	return score * t->norm;
}

/* Anomaly score of a point: mean over the trees; 0 for an empty forest */
double
rcf_forest_score(const RcfForest *forest, const double *point)
{
	const RcfParams *p = &forest->params;
	float		q[RCF_MAX_DIMS];
	int32_t		slot[SCORE_GROUP];
	int32_t		depth[SCORE_GROUP];
	double		sum = 0.0;
	int32_t		t,
				j,
				n;

	forest_query(forest, point, q);
	for (t = 0; t < p->num_trees; t += SCORE_GROUP)
	{
		n = (p->num_trees - t < SCORE_GROUP) ? p->num_trees - t : SCORE_GROUP;
		group_descend(forest->trees + t, n, q, p->dims, slot, depth);
		for (j = 0; j < n; j++)
			if (slot[j] >= 0)
				sum += tree_walk_up(&forest->trees[t + j], q, p->dims, slot[j],
									depth[j], forest->inv_depth);
	}
	return sum / p->num_trees;
}

/* the points of a batch that reached one node, for batch_descend */
typedef struct DescentRange
{
	int32_t		ref;			/* the node (or leaf) */
	int32_t		begin;			/* its points: ids[depth % 2][begin .. end) */
	int32_t		end;
	int32_t		depth;
} DescentRange;

/*
 * A batch of points on its way through the trees of a forest: the queries,
 * batch_descend's scratch, and the leaf each point reached in the tree in
 * hand
 */
typedef struct Descent
{
	int32_t		n;				/* points in the batch */
	float	   *q;				/* their queries, point after point */
	float	   *cols;			/* the same, dimension after dimension */
	int32_t    *ids[2];			/* the points, grouped by node as they descend */
	DescentRange *stack;		/* nodes still to split, at most a path long */
	int32_t    *slot;			/* per point: the leaf it reached */
	int32_t    *depth;			/* per point: that leaf's depth */
} Descent;

/* the queries of n points (point after point in "points") and scratch */
static void
descent_start(Descent *ds, const RcfForest *f, int32_t n, const double *points)
{
	const RcfAllocator *a = &f->allocator;
	size_t		dims = (size_t) f->params.dims;
	size_t		ints = sizeof(int32_t) * (n > 0 ? n : 1);
	int32_t		i;
	size_t		d;

	ds->n = n;
	ds->q = pi_alloc(a, sizeof(float) * dims * (n > 0 ? n : 1));
	ds->cols = pi_alloc(a, sizeof(float) * dims * (n > 0 ? n : 1));
	for (i = 0; i < n; i++)
	{
		forest_query(f, points + i * dims, ds->q + i * dims);
		for (d = 0; d < dims; d++)
			ds->cols[d * n + i] = ds->q[i * dims + d];
	}
	ds->ids[0] = pi_alloc(a, ints);
	ds->ids[1] = pi_alloc(a, ints);
	ds->slot = pi_alloc(a, ints);
	ds->depth = pi_alloc(a, ints);
	/* a tree holds at most sample_size points, so a path is shorter */
	ds->stack = pi_alloc(a, sizeof(DescentRange) * (f->params.sample_size + 1));
}

static void
descent_end(Descent *ds, const RcfForest *f)
{
	const RcfAllocator *a = &f->allocator;

	pi_free(a, ds->q);
	pi_free(a, ds->cols);
	pi_free(a, ds->ids[0]);
	pi_free(a, ds->ids[1]);
	pi_free(a, ds->slot);
	pi_free(a, ds->depth);
	pi_free(a, ds->stack);
}

/*
 * One step of batch_descend's split of a node's points into to[begin ..
 * end): point x goes to the left end (*nl of them so far) if its coordinate
 * is at or below the cut, and to the right end (*nr so far) if above.  Both
 * ends are written and only one count moves, so there is no branch; a write
 * to the wrong end is overwritten later or lies past the final count.
 */
static inline void
split_one(int32_t *to, int32_t begin, int32_t end, int32_t x, bool above,
		  int32_t *nl, int32_t *nr)
{
	to[begin + *nl] = x;
	to[end - 1 - *nr] = x;
	*nl += !above;
	*nr += above;
}

/*
 * Descends the batch through one non-empty tree, node by node rather than
 * point by point: each node splits the points that reached it into those at
 * or below its cut and those above, so a node is read once per batch and no
 * point chases pointers alone.  Sets ds->slot and ds->depth of every point.
 *
 * The split reads a node's points from ids[depth % 2] and writes them to the
 * same range of the other array, so nothing is copied back; it reads the
 * points' coordinates in the node's dimension from one column (dense in the
 * cache), and loads four points before it writes any, since a write's
 * address waits for the comparison before it.
 */
static void
batch_descend(const RcfTree *t, Descent *ds)
{
	int32_t		top = 0;
	int32_t		i;

	for (i = 0; i < ds->n; i++)
		ds->ids[0][i] = i;
	ds->stack[top++] = (DescentRange) {t->root, 0, ds->n, 0};
	while (top > 0)
	{
		DescentRange r = ds->stack[--top];
		const int32_t *from = ds->ids[r.depth % 2];
		int32_t    *to = ds->ids[(r.depth + 1) % 2];
		const RcfNode *nd;
		const float *col;
		float		cut;
		int32_t		nl = 0,
					nr = 0;

		if (IS_LEAF(r.ref))
		{
			for (i = r.begin; i < r.end; i++)
			{
				ds->slot[from[i]] = LEAF_SLOT(r.ref);
				ds->depth[from[i]] = r.depth;
			}
			continue;
		}
		nd = node_at(t, r.ref);
		col = ds->cols + (size_t) nd->dim * ds->n;
		cut = nd->cut;
		for (i = r.begin; i + 4 <= r.end; i += 4)
		{
			int32_t		x0 = from[i],
						x1 = from[i + 1],
						x2 = from[i + 2],
						x3 = from[i + 3];
			bool		a0 = col[x0] > cut,
						a1 = col[x1] > cut,
						a2 = col[x2] > cut,
						a3 = col[x3] > cut;

			split_one(to, r.begin, r.end, x0, a0, &nl, &nr);
			split_one(to, r.begin, r.end, x1, a1, &nl, &nr);
			split_one(to, r.begin, r.end, x2, a2, &nl, &nr);
			split_one(to, r.begin, r.end, x3, a3, &nl, &nr);
		}
		for (; i < r.end; i++)
		{
			int32_t		x = from[i];
			bool		above = col[x] > cut;

			split_one(to, r.begin, r.end, x, above, &nl, &nr);
		}
		if (nr > 0)
			ds->stack[top++] = (DescentRange) {nd->right, r.begin + nl, r.end, r.depth + 1};
		if (nl > 0)
			ds->stack[top++] = (DescentRange) {nd->left, r.begin, r.begin + nl, r.depth + 1};
	}
}

/*
 * Scores of n points (point after point in "points") into scores: each the
 * bits rcf_forest_score gives, computed tree by tree (see the file header)
 */
void
rcf_forest_score_many(const RcfForest *forest, int32_t n, const double *points,
					  double *scores)
{
	const RcfParams *p = &forest->params;
	size_t		dims = (size_t) p->dims;
	Descent		ds;
	int32_t		t,
				i;

	descent_start(&ds, forest, n, points);
	for (i = 0; i < n; i++)
		scores[i] = 0.0;
	for (t = 0; t < p->num_trees; t++)
	{
		const RcfTree *tree = &forest->trees[t];

		if (tree->root == RCF_NIL)
			continue;
		batch_descend(tree, &ds);
		for (i = 0; i < n; i++)
			scores[i] += tree_walk_up(tree, ds.q + i * dims, p->dims, ds.slot[i],
									  ds.depth[i], forest->inv_depth);
	}
	for (i = 0; i < n; i++)
		scores[i] /= p->num_trees;
	descent_end(&ds, forest);
}

/* adds c times the 2 * dims parts of box_gap_parts into s */
static inline void
add_parts(const double *parts, int32_t dims, double c, double *s)
{
	int32_t		d = 0;

#ifdef __SSE2__
	__m128d		cc = _mm_set1_pd(c);

	for (; d + 2 <= 2 * dims; d += 2)
		_mm_storeu_pd(s + d, _mm_add_pd(_mm_loadu_pd(s + d),
										_mm_mul_pd(cc, _mm_loadu_pd(parts + d))));
#endif
	for (; d < 2 * dims; d++)
		s[d] += c * parts[d];
}

/*
 * Attribution of one non-empty tree for the point q that reached leaf
 * "slot" at "depth", added into high and low (dims each); s and parts are
 * scratch of 2 * dims doubles each.
 *
 * A seen point splits its leaf score evenly over all 2 * dims parts; an
 * unseen one splits the leaf term by its distance to the leaf point per
 * dimension and direction.  Each internal node on the way up mixes like the
 * scalar score: with p = gap / span, the separation probability, the
 * vectors become (1 - p) = sides / span times themselves plus p times the
 * node's term, inv / gap times q's distances to the box.
 *
 * Rather than rescaling both vectors at every node, the walk keeps them
 * multiplied by "grow", the product of the span / sides so far, and divides
 * once at the end: a node then adds inv * grow / sides times its distances,
 * one multiply-add per dimension, and costs one division (of span * sides,
 * whose reciprocal gives both 1 / sides and 1 / span).
 */
static inline __attribute__((always_inline)) void
tree_attribution(const RcfTree *t, const float *q, int32_t dims, int32_t slot,
				 int32_t depth, const double *inv, double *s, double *parts,
				 double *high, double *low)
{
	const float *pt = leaf_point(t, slot, dims);
	double		grow = 1.0;
	double		sides,
				gap,
				f;
	int32_t		node,
				d;

	if (points_equal(q, pt, dims))
	{
		double		part = score_seen(t, depth, leaf_at(t, slot)->mass) / (2.0 * dims);

		for (d = 0; d < dims; d++)
		{
			high[d] += part * t->norm;
			low[d] += part * t->norm;
		}
		return;
	}
	gap = box_gap_parts(pt, pt, q, dims, &sides, parts);
	f = inv[depth] / gap;
	for (d = 0; d < 2 * dims; d++)
		s[d] = f * parts[d];
	for (node = leaf_at(t, slot)->parent; node != RCF_NIL; node = t->nparent[node])
	{
		const float *lo = node_lo(t, node, dims);
		double		span,
					r;

		gap = box_gap_parts(lo, lo + dims, q, dims, &sides, parts);
		depth--;
		if (gap == 0.0)
			break;				/* q is inside this box and all above */
		span = sides + gap;
		r = 1.0 / (span * sides);
		add_parts(parts, dims, inv[depth] * grow * span * r, s);
		grow *= span * span * r;
		if (grow > 0x1p400)
		{
			/* divides it in before it could overflow */
			for (d = 0; d < 2 * dims; d++)
				s[d] /= grow;
			grow = 1.0;
		}
	}
	f = t->norm / grow;
	for (d = 0; d < dims; d++)
	{
		high[d] += s[d] * f;
		low[d] += s[dims + d] * f;
	}
}

/*
 * Adds each point's attribution in one tree into high and low; s and parts
 * as in tree_attribution.  Inlined with a constant dims (see attribute_tree).
 */
static inline __attribute__((always_inline)) void
attribution_batch(const RcfTree *t, const Descent *ds, int32_t dims,
				  const double *inv, double *s, double *parts,
				  double *high, double *low)
{
	int32_t		i;

	for (i = 0; i < ds->n; i++)
		tree_attribution(t, ds->q + (size_t) i * dims, dims, ds->slot[i],
						 ds->depth[i], inv, s, parts,
						 high + (size_t) i * dims, low + (size_t) i * dims);
}

/*
 * attribution_batch for the batch that has just descended tree t; scratch
 * holds 4 * dims doubles.
 *
 * Up to SMALL_DIMS dimensions, the walk is compiled for each number of
 * dimensions: its loops over dimensions unroll and its vectors stay in
 * registers (at 4 dimensions, batched attribution takes 0.85 of the time of
 * the generic walk).  It runs the same operations in the same order, so the
 * bits are those of the generic walk.
 */
#define SMALL_DIMS 8

static void
attribute_tree(const RcfTree *t, const Descent *ds, int32_t dims,
			   const double *inv, double *scratch, double *high, double *low)
{
	double		s[2 * SMALL_DIMS];
	double		parts[2 * SMALL_DIMS];

#define ATTRIBUTE(d) attribution_batch(t, ds, (d), inv, s, parts, high, low)
	switch (dims)
	{
		case 1: ATTRIBUTE(1); break;
		case 2: ATTRIBUTE(2); break;
		case 3: ATTRIBUTE(3); break;
		case 4: ATTRIBUTE(4); break;
		case 5: ATTRIBUTE(5); break;
		case 6: ATTRIBUTE(6); break;
		case 7: ATTRIBUTE(7); break;
		case 8: ATTRIBUTE(8); break;
		default:
			attribution_batch(t, ds, dims, inv, scratch, scratch + 2 * dims,
							  high, low);
			break;
	}
#undef ATTRIBUTE
}

/*
 * Attribution of n points into high and low (n * dims each, point after
 * point), tree by tree like rcf_forest_score_many
 */
void
rcf_forest_attribution_many(const RcfForest *forest, int32_t n,
							const double *points, double *high, double *low)
{
	const RcfParams *p = &forest->params;
	size_t		dims = (size_t) p->dims;
	double	   *scratch = pi_alloc(&forest->allocator, sizeof(double) * 4 * dims);
	Descent		ds;
	int32_t		t,
				i;

	descent_start(&ds, forest, n, points);
	memset(high, 0, sizeof(double) * dims * n);
	memset(low, 0, sizeof(double) * dims * n);
	for (t = 0; t < p->num_trees; t++)
	{
		const RcfTree *tree = &forest->trees[t];

		if (tree->root == RCF_NIL)
			continue;
		batch_descend(tree, &ds);
		attribute_tree(tree, &ds, p->dims, forest->inv_depth, scratch, high, low);
	}
	for (i = 0; i < (int32_t) (n * dims); i++)
	{
		high[i] /= p->num_trees;
		low[i] /= p->num_trees;
	}
	descent_end(&ds, forest);
	pi_free(&forest->allocator, scratch);
}

/*
 * Per-dimension attribution of one point: sum(high) + sum(low) equals the
 * score.  The trees are descended SCORE_GROUP at a time as in
 * rcf_forest_score; each then adds its part in tree order, as in
 * rcf_forest_attribution_many, so that the bits are the same.
 */
void
rcf_forest_attribution(const RcfForest *forest, const double *point,
					   double *high, double *low)
{
	const RcfParams *p = &forest->params;
	float		q[RCF_MAX_DIMS];
	double		scratch[4 * RCF_MAX_DIMS];
	int32_t		slot[SCORE_GROUP];
	int32_t		depth[SCORE_GROUP];
	int32_t		t,
				j,
				d,
				n;

	forest_query(forest, point, q);
	memset(high, 0, sizeof(double) * p->dims);
	memset(low, 0, sizeof(double) * p->dims);
	for (t = 0; t < p->num_trees; t += SCORE_GROUP)
	{
		n = (p->num_trees - t < SCORE_GROUP) ? p->num_trees - t : SCORE_GROUP;
		group_descend(forest->trees + t, n, q, p->dims, slot, depth);
		for (j = 0; j < n; j++)
			if (slot[j] >= 0)
				tree_attribution(&forest->trees[t + j], q, p->dims, slot[j],
								 depth[j], forest->inv_depth, scratch,
								 scratch + 2 * p->dims, high, low);
	}
	for (d = 0; d < p->dims; d++)
	{
		high[d] /= p->num_trees;
		low[d] /= p->num_trees;
	}
}
