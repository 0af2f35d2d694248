/*-------------------------------------------------------------------------
 *
 * rcf_core.h
 *	  Private declarations of the Random Cut Forest core: the types its
 *	  files share, the small hot helpers (static inline, so that they inline
 *	  across files as they did within one) and, grouped by file, the
 *	  functions one core file calls in another.
 *
 * Internal to the core; not for the SQL glue, which uses rcf_forest.h only.
 * Like the rest of the core it includes no PostgreSQL header.
 *
 * The core's files, one concern each:
 *	rcf_utils.c		random seeding, parameters
 *	rcf_sampler.c	training sampler: reservoirs, merge, serialised state
 *	rcf_tree.c		robust random cut trees: insert, delete, relayout
 *	rcf_forest.c	forest: decode, create, score, attribution, update
 *	rcf_model.c		model bytes: half floats, write, validate, read
 *	rcf_json.c		JSON form of the model: writer and strict parser
 *	rcf_expect.c	conditional field (guesses of unknown values), sample scores
 * (rcf_detector.c, the detector, sits on top and uses rcf_forest.h only.)
 *
 * Layout of a tree.  A tree lives in one allocation: its internal nodes as
 * 16-byte records (children, cut dimension, cut value) read by the descent,
 * their parents, masses and float bounding boxes (lo then hi, dims each) in
 * parallel arrays read by the walk back up, and leaf records holding the
 * parent, the mass (duplicates share a leaf) and the point.  A child
 * reference is an internal node index (>= 0) or a leaf reference
 * -(slot + 1); RCF_NIL marks no node.  Free nodes and leaves are chained
 * through their parent field.  Decoded trees are renumbered depth-first for
 * locality.
 *
 *-------------------------------------------------------------------------
 */
#ifndef RCF_CORE_H
#define RCF_CORE_H

#include "rcf/rcf_forest.h"

#include <float.h>
#include <math.h>
#include <string.h>

#define RCF_NIL			(-0x7fffffff)
#define IS_LEAF(ref)	((ref) < 0)
#define LEAF_REF(slot)	(-(slot) - 1)
#define LEAF_SLOT(ref)	(-(ref) - 1)

#define PARAMS_BYTES	28		/* the parameters in the byte forms */

/* salts separating the random streams */
#define SALT_SAMPLER	UINT64_C(0x53414d504c455253)
#define SALT_TREE		UINT64_C(0x5452454543555453)

/*--- Private types ----------------------------------------------------------*/

/* the checked parameters, in the order of their bytes (4 bytes apart) */
typedef enum RcfParamField
{
	RCF_PARAM_TREES,
	RCF_PARAM_SAMPLE_SIZE,
	RCF_PARAM_DIMS,
	RCF_PARAM_TIME_DECAY
} RcfParamField;

typedef struct RcfRng
{
	uint64_t	s[4];			/* xoshiro256** state */
} RcfRng;

/* a max-heap of weights, each with the point slot it stands for */
typedef struct RcfHeap
{
	int32_t		count;
	double	   *weight;
	int32_t    *slot;
} RcfHeap;

/* one tree's reservoir while training */
typedef struct RcfReservoir
{
	RcfHeap		heap;
	double		threshold;		/* u must exceed this (time_decay 0, full) */
	float	   *points;			/* sample_size * dims, by slot */
} RcfReservoir;

struct RcfSampler
{
	RcfParams	params;
	RcfAllocator allocator;
	RcfRng		rng;
	int64_t		seen;
	RcfReservoir *res;			/* num_trees */
};

/* the part of an internal node that the descent reads: 16 bytes */
typedef struct RcfNode
{
	int32_t		left;
	int32_t		right;
	int32_t		dim;
	float		cut;			/* x[dim] <= cut goes left */
} RcfNode;

typedef struct RcfLeaf
{
	int32_t		parent;
	int32_t		mass;			/* 0 when the slot is free */
} RcfLeaf;

typedef struct RcfTree
{
	RcfRng		rng;			/* cuts */
	int32_t		capacity;		/* leaves (and nodes) it has room for */
	int32_t		root;
	int32_t		mass;
	double		norm;			/* log2(mass + 1), the score normaliser */
	int32_t		free_node;
	int32_t		free_leaf;
	size_t		leaf_stride;	/* bytes per leaf record */
	RcfNode    *nodes;			/* internal nodes: children and cut */
	int32_t    *nparent;		/* their parents (free list when free) */
	int32_t    *nmass;			/* their masses */
	float	   *boxes;			/* their boxes: lo[dims] then hi[dims] */
	char	   *leaf_base;		/* leaf records: RcfLeaf, point[dims] */
	void	   *block;			/* the one allocation of the tree */
	RcfHeap		heap;			/* streaming reservoir: weight, leaf slot */
} RcfTree;

/* a byte reader that never reads past its end */
typedef struct RcfReader
{
	const uint8_t *p;
	size_t		left;
	bool		ok;
	const uint8_t *fault;		/* where a check failed; NULL: at p */
} RcfReader;

/* a source of points to encode: the count of tree t and its i-th point */
typedef struct RcfSource
{
	const void *ctx;
	int32_t		(*count) (const void *ctx, int32_t t);
	const float *(*point) (const void *ctx, int32_t t, int32_t i);
} RcfSource;

/*--- Functions shared between the core's files -----------------------------*/

/*
 * Hidden: they are internal to the shared library, so calls stay direct (no
 * PLT) and no symbol of the server can interpose them.
 */
#pragma GCC visibility push(hidden)

/* in rcf_utils.c */
extern void rcf_rng_seed(RcfRng *rng, uint64_t seed, uint64_t salt,
						 uint64_t index);
extern int	rcf_params_bad_field(const RcfParams *params);
extern void rcf_params_put(uint8_t **p, const RcfParams *params);
extern const char *rcf_params_get(RcfReader *r, RcfParams *params);

/* in rcf_tree.c */
extern void rcf_tree_init(RcfTree *t, const RcfParams *p,
						  const RcfAllocator *a, int32_t index,
						  int32_t capacity);
extern void rcf_tree_offer(RcfTree *t, const RcfParams *p, double w,
						   const float *q);
extern void rcf_tree_relayout(RcfTree *t, const RcfParams *p,
							  const RcfAllocator *a, int32_t index,
							  int32_t capacity);

/* in rcf_forest.c */
extern const RcfTree *rcf_forest_tree(const RcfForest *forest, int32_t t);
extern const RcfAllocator *rcf_forest_allocator(const RcfForest *forest);
extern void rcf_forest_query(const RcfForest *forest, const double *x,
							 float *q);

/* in rcf_model.c */
extern uint16_t rcf_half_from_double(double v);
extern double rcf_half_to_double(uint16_t h);
extern uint16_t rcf_half_encode(double x, int e);
extern size_t rcf_model_bytes(uint32_t version, int32_t num_trees,
							  int32_t dims, int64_t points);
extern void rcf_model_encode(const RcfModelInfo *head, const RcfSource *src,
							 uint8_t *buf);
extern const char *rcf_model_read_header(RcfReader *r, RcfModelInfo *info,
										 int16_t *exps);
extern const char *rcf_model_read_tree(RcfReader *r, const RcfModelInfo *info,
									   const int16_t *exps, int32_t *count,
									   float *out);
extern const char *rcf_model_parse(const uint8_t *buf, size_t len,
								   RcfModelInfo *info, int16_t *exps);

#pragma GCC visibility pop

/*--- Allocation -------------------------------------------------------------*/

/* rounds a size up to a multiple of 8 */
static inline size_t
align8(size_t n)
{
	return (n + 7) & ~(size_t) 7;
}

/*--- Random numbers ---------------------------------------------------------*/

/* rotates left */
static inline uint64_t
rotl64(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

/* next 64 random bits (xoshiro256**) */
static inline uint64_t
rng_next(RcfRng *rng)
{
	uint64_t   *s = rng->s;
	uint64_t	result = rotl64(s[1] * 5, 7) * 9;
	uint64_t	t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl64(s[3], 45);
	return result;
}

/* uniform in [0, 1) */
static inline double
rng_unit(RcfRng *rng)
{
	return (double) (rng_next(rng) >> 11) * 0x1.0p-53;
}

/* uniform in the open interval (0, 1) */
static inline double
rng_open(RcfRng *rng)
{
	return ((double) (rng_next(rng) >> 12) + 0.5) * 0x1.0p-52;
}

/*
 * Beyond this time decay the newest point always weighs least: the Gumbel
 * keys log(-log u) of rng_open's u lie within [-36.8, 3.7], less than 41
 * apart, so any decay above 41 orders the points by sequence alone.
 * Saturating there keeps decay * seq finite (at most 64 * 2^63) for every
 * finite decay, and changes no comparison.
 */
#define RCF_DECAY_SATURATION 64.0

/* reservoir weight of a point: Gumbel key minus the time decay */
static inline double
sample_weight(double u, double decay, int64_t seq)
{
	return log(-log(u)) - fmin(decay, RCF_DECAY_SATURATION) * (double) seq;
}

/*--- Little-endian bytes ----------------------------------------------------*/

/* writes a uint16 and advances */
static inline void
put_u16(uint8_t **p, uint16_t v)
{
	(*p)[0] = (uint8_t) v;
	(*p)[1] = (uint8_t) (v >> 8);
	*p += 2;
}

/* writes a uint32 and advances */
static inline void
put_u32(uint8_t **p, uint32_t v)
{
	put_u16(p, (uint16_t) v);
	put_u16(p, (uint16_t) (v >> 16));
}

/* writes a uint64 and advances */
static inline void
put_u64(uint8_t **p, uint64_t v)
{
	put_u32(p, (uint32_t) v);
	put_u32(p, (uint32_t) (v >> 32));
}

/* writes a double and advances */
static inline void
put_f64(uint8_t **p, double v)
{
	uint64_t	bits;

	memcpy(&bits, &v, sizeof(bits));
	put_u64(p, bits);
}

/* writes a float and advances */
static inline void
put_f32(uint8_t **p, float v)
{
	uint32_t	bits;

	memcpy(&bits, &v, sizeof(bits));
	put_u32(p, bits);
}

/* reads n bytes or marks the reader failed; NULL then */
static inline const uint8_t *
get_bytes(RcfReader *r, size_t n)
{
	const uint8_t *p = r->p;

	if (!r->ok || r->left < n)
	{
		r->ok = false;
		return NULL;
	}
	r->p += n;
	r->left -= n;
	return p;
}

/* reads a uint16 (0 after a failure) */
static inline uint16_t
get_u16(RcfReader *r)
{
	const uint8_t *p = get_bytes(r, 2);

	return p ? (uint16_t) (p[0] | (p[1] << 8)) : 0;
}

/* reads a uint32 (0 after a failure) */
static inline uint32_t
get_u32(RcfReader *r)
{
	uint32_t	lo = get_u16(r);

	return lo | ((uint32_t) get_u16(r) << 16);
}

/* reads a uint64 (0 after a failure) */
static inline uint64_t
get_u64(RcfReader *r)
{
	uint64_t	lo = get_u32(r);

	return lo | ((uint64_t) get_u32(r) << 32);
}

/* reads a double */
static inline double
get_f64(RcfReader *r)
{
	uint64_t	bits = get_u64(r);
	double		v;

	memcpy(&v, &bits, sizeof(v));
	return v;
}

/* reads a float */
static inline float
get_f32(RcfReader *r)
{
	uint32_t	bits = get_u32(r);
	float		v;

	memcpy(&v, &bits, sizeof(v));
	return v;
}

/*--- Half floats -----------------------------------------------------------*/

/* a stored half scaled back by 2^e; NaN for Inf/NaN halves */
static inline float
half_decode(uint16_t h, int e)
{
	if (((h >> 10) & 0x1f) == 0x1f)
		return NAN;
	return (float) ldexp(rcf_half_to_double(h), e);
}

/* a double as a finite float (clamped to the float range) */
static inline float
to_float(double x)
{
	if (x > FLT_MAX)
		return FLT_MAX;
	if (x < -FLT_MAX)
		return -FLT_MAX;
	return (float) x;
}

/* x rounded through the model encoding at exponent e, when representable */
static inline float
snap_value(double x, int e)
{
	double		v = ldexp(x, -e);

	if (!(fabs(v) < 65520.0))
		return to_float(x);
	return half_decode(rcf_half_encode(x, e), e);
}

/*--- Weight heap ------------------------------------------------------------*/

/* swaps two heap entries */
static inline void
heap_swap(RcfHeap *h, int32_t i, int32_t j)
{
	double		w = h->weight[i];
	int32_t		s = h->slot[i];

	h->weight[i] = h->weight[j];
	h->slot[i] = h->slot[j];
	h->weight[j] = w;
	h->slot[j] = s;
}

/* adds an entry (the caller checks the capacity) */
static inline void
heap_push(RcfHeap *h, double w, int32_t slot)
{
	int32_t		i = h->count++;

	h->weight[i] = w;
	h->slot[i] = slot;
	while (i > 0 && h->weight[(i - 1) / 2] < h->weight[i])
	{
		heap_swap(h, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

/* replaces the entry of largest weight and restores the heap */
static inline void
heap_replace_top(RcfHeap *h, double w, int32_t slot)
{
	int32_t		i = 0;

	h->weight[0] = w;
	h->slot[0] = slot;
	for (;;)
	{
		int32_t		l = 2 * i + 1;
		int32_t		big = i;

		if (l < h->count && h->weight[l] > h->weight[big])
			big = l;
		if (l + 1 < h->count && h->weight[l + 1] > h->weight[big])
			big = l + 1;
		if (big == i)
			break;
		heap_swap(h, i, big);
		i = big;
	}
}

/*--- Tree records -----------------------------------------------------------*/

/* an internal node record */
static inline RcfNode *
node_at(const RcfTree *t, int32_t node)
{
	return &t->nodes[node];
}

/* a leaf record */
static inline RcfLeaf *
leaf_at(const RcfTree *t, int32_t slot)
{
	return (RcfLeaf *) (t->leaf_base + (size_t) slot * t->leaf_stride);
}

/* lower corner of a node's box; the upper corner follows it */
static inline float *
node_lo(const RcfTree *t, int32_t node, int32_t dims)
{
	return t->boxes + (size_t) node * 2 * dims;
}

/* the point of a leaf slot */
static inline float *
leaf_point(const RcfTree *t, int32_t slot, int32_t dims)
{
	(void) dims;
	return (float *) (leaf_at(t, slot) + 1);
}

/* true when two points are equal in every dimension */
static inline bool
points_equal(const float *a, const float *b, int32_t dims)
{
	int32_t		d;

	for (d = 0; d < dims; d++)
		if (a[d] != b[d])
			return false;
	return true;
}

#endif							/* RCF_CORE_H */
