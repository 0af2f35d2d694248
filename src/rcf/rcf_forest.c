/*-------------------------------------------------------------------------
 *
 * rcf_forest.c
 *	  Random Cut Forest core: reservoir sampling, robust random cut trees,
 *	  scoring, attribution, streaming update and the serialised model.
 *
 * The behaviour follows the Random Cut Forest of Guha et al. (ICML 2016) as
 * shipped by the AWS randomcutforest library: time-decayed weighted
 * reservoirs, cuts drawn proportionally to the side lengths of the bounding
 * box, and the anomaly score as expected inverse depth with damping for
 * duplicates, normalised by log2(tree mass + 1).
 *
 * Layout.  A tree lives in one allocation: its internal nodes as 16-byte
 * records (children, cut dimension, cut value) read by the descent, their
 * parents, masses and float bounding boxes (lo then hi, dims each) in
 * parallel arrays read by the walk back up, and leaf records holding the
 * parent, the mass (duplicates share a leaf) and the point.  A child
 * reference is an internal node index (>= 0) or a leaf reference -(slot + 1);
 * RCF_NIL marks no node.  Free nodes and leaves are chained through their
 * parent field.  Decoded trees are renumbered depth-first for locality.
 *
 * Scoring is bound by memory latency (a forest of 100 x 256 points is about
 * 2 MB), so trees are descended SCORE_GROUP at a time, level by level, and
 * what the walk back up will read is prefetched.
 *
 * Model bytes.  "RCFM", uint16 version, uint16 flags (0), the parameters,
 * points seen, one int16 scale exponent e[d] per dimension, then per tree a
 * uint16 point count and its points as IEEE binary16 values of x / 2^e[d].
 * All integers are little-endian.  Trees are always built from the decoded
 * (half-rounded) points, in stored order, with a per-tree random stream, so
 * that decoding the same bytes twice gives identical trees.
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
 *	  weights as if they had just arrived;
 *	- rcf_model_from_json's message names a byte offset, so it is allocated
 *	  with the allocator rather than static (*len also gets the offset).
 *
 * No PostgreSQL header is included here; see rcf_forest.h.
 *
 *-------------------------------------------------------------------------
 */
#include "rcf/rcf_forest.h"

#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RCF_NIL			(-0x7fffffff)
#define IS_LEAF(ref)	((ref) < 0)
#define LEAF_REF(slot)	(-(slot) - 1)
#define LEAF_SLOT(ref)	(-(ref) - 1)

#define SAMPLER_MAGIC	"RCFS"
#define SAMPLER_VERSION 1
#define MODEL_MAGIC		"RCFM"
#define PARAMS_BYTES	28
#define MODEL_HEADER	(8 + PARAMS_BYTES + 8)
#define SAMPLER_HEADER	(8 + PARAMS_BYTES + 32 + 8)
#define HALF_MAX		65504.0
#define EXP_LIMIT		200
#define SCORE_GROUP		16		/* trees descended together when scoring */
#define PATH_RING		4		/* deepest path nodes prefetched per tree */

/* salts separating the random streams */
#define SALT_SAMPLER	UINT64_C(0x53414d504c455253)
#define SALT_TREE		UINT64_C(0x5452454543555453)

/*--- Private types ----------------------------------------------------------*/

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

struct RcfForest
{
	RcfParams	params;
	RcfAllocator allocator;
	RcfRng		rng;			/* reservoir weights */
	int64_t		seen;
	bool		snap;			/* round queries through the model encoding */
	int16_t    *exps;			/* dims scale exponents when snap */
	double	   *inv_depth;		/* 1 / (depth + 1) for depth < sample_size */
	RcfTree    *trees;
};

/* a byte reader that never reads past its end */
typedef struct RcfReader
{
	const uint8_t *p;
	size_t		left;
	bool		ok;
} RcfReader;

/* a source of points to encode: the count of tree t and its i-th point */
typedef struct RcfSource
{
	const void *ctx;
	int32_t		(*count) (const void *ctx, int32_t t);
	const float *(*point) (const void *ctx, int32_t t, int32_t i);
} RcfSource;

/*--- Allocation -------------------------------------------------------------*/

/* malloc that aborts when memory runs out */
static void *
malloc_alloc(void *ctx, size_t size)
{
	void	   *p = malloc(size ? size : 1);

	(void) ctx;
	if (p == NULL)
	{
		fprintf(stderr, "rcf_forest: out of memory\n");
		abort();
	}
	return p;
}

/* free for the malloc allocator */
static void
malloc_free(void *ctx, void *ptr)
{
	(void) ctx;
	free(ptr);
}

const RcfAllocator rcf_malloc_allocator = {malloc_alloc, malloc_free, NULL};

/* allocates with an allocator */
static void *
rcf_alloc(const RcfAllocator *a, size_t size)
{
	return a->alloc(a->ctx, size);
}

/* frees with an allocator; NULL is ignored */
static void
rcf_free(const RcfAllocator *a, void *ptr)
{
	if (ptr != NULL)
		a->free(a->ctx, ptr);
}

/* rounds a size up to a multiple of 8 */
static size_t
align8(size_t n)
{
	return (n + 7) & ~(size_t) 7;
}

/*--- Random numbers ---------------------------------------------------------*/

/* one step of splitmix64 */
static uint64_t
splitmix64(uint64_t *state)
{
	uint64_t	z = (*state += UINT64_C(0x9E3779B97F4A7C15));

	z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
	return z ^ (z >> 31);
}

/* seeds a generator from the user seed, a salt and a stream or tree index */
static void
rng_seed(RcfRng *rng, uint64_t seed, uint64_t salt, uint64_t index)
{
	uint64_t	mix = salt ^ (index * UINT64_C(0xD1B54A32D192ED03));
	uint64_t	state = seed ^ splitmix64(&mix);
	int			i;

	for (i = 0; i < 4; i++)
		rng->s[i] = splitmix64(&state);
}

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

/* reservoir weight of a point: Gumbel key minus the time decay */
static inline double
sample_weight(double u, double decay, int64_t seq)
{
	return log(-log(u)) - decay * (double) seq;
}

/*--- Little-endian bytes ----------------------------------------------------*/

/* writes a uint16 and advances */
static void
put_u16(uint8_t **p, uint16_t v)
{
	(*p)[0] = (uint8_t) v;
	(*p)[1] = (uint8_t) (v >> 8);
	*p += 2;
}

/* writes a uint32 and advances */
static void
put_u32(uint8_t **p, uint32_t v)
{
	put_u16(p, (uint16_t) v);
	put_u16(p, (uint16_t) (v >> 16));
}

/* writes a uint64 and advances */
static void
put_u64(uint8_t **p, uint64_t v)
{
	put_u32(p, (uint32_t) v);
	put_u32(p, (uint32_t) (v >> 32));
}

/* writes a double and advances */
static void
put_f64(uint8_t **p, double v)
{
	uint64_t	bits;

	memcpy(&bits, &v, sizeof(bits));
	put_u64(p, bits);
}

/* writes a float and advances */
static void
put_f32(uint8_t **p, float v)
{
	uint32_t	bits;

	memcpy(&bits, &v, sizeof(bits));
	put_u32(p, bits);
}

/* reads n bytes or marks the reader failed; NULL then */
static const uint8_t *
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
static uint16_t
get_u16(RcfReader *r)
{
	const uint8_t *p = get_bytes(r, 2);

	return p ? (uint16_t) (p[0] | (p[1] << 8)) : 0;
}

/* reads a uint32 (0 after a failure) */
static uint32_t
get_u32(RcfReader *r)
{
	uint32_t	lo = get_u16(r);

	return lo | ((uint32_t) get_u16(r) << 16);
}

/* reads a uint64 (0 after a failure) */
static uint64_t
get_u64(RcfReader *r)
{
	uint64_t	lo = get_u32(r);

	return lo | ((uint64_t) get_u32(r) << 32);
}

/* reads a double */
static double
get_f64(RcfReader *r)
{
	uint64_t	bits = get_u64(r);
	double		v;

	memcpy(&v, &bits, sizeof(v));
	return v;
}

/* reads a float */
static float
get_f32(RcfReader *r)
{
	uint32_t	bits = get_u32(r);
	float		v;

	memcpy(&v, &bits, sizeof(v));
	return v;
}

/* writes the parameters (PARAMS_BYTES) */
static void
put_params(uint8_t **p, const RcfParams *params)
{
	put_u32(p, (uint32_t) params->num_trees);
	put_u32(p, (uint32_t) params->sample_size);
	put_u32(p, (uint32_t) params->dims);
	put_f64(p, params->time_decay);
	put_u64(p, params->seed);
}

/* reads the parameters; NULL when usable, else why not */
static const char *
get_params(RcfReader *r, RcfParams *params)
{
	params->num_trees = (int32_t) get_u32(r);
	params->sample_size = (int32_t) get_u32(r);
	params->dims = (int32_t) get_u32(r);
	params->time_decay = get_f64(r);
	params->seed = get_u64(r);
	if (!r->ok)
		return "truncated header";
	return rcf_params_check(params);
}

/*--- Half floats and the per-dimension scale ---------------------------------*/

/* nearest binary16 of v (ties to even); |v| must stay below 65520 */
static uint16_t
half_from_double(double v)
{
	uint16_t	sign = signbit(v) ? 0x8000 : 0;
	double		a = fabs(v);
	double		mant;
	int			e;

	if (a < 0x1p-14)
		return sign | (uint16_t) nearbyint(a * 0x1p24);
	mant = nearbyint(frexp(a, &e) * 2048.0);	/* 1024..2048 */
	if (mant >= 2048.0)
	{
		mant = 1024.0;
		e++;
	}
	if (e + 14 >= 31)
		return sign | 0x7c00;
	return sign | (uint16_t) ((e + 14) << 10) | (uint16_t) (mant - 1024.0);
}

/* value of a binary16 that is not Inf or NaN */
static double
half_to_double(uint16_t h)
{
	int			e = (h >> 10) & 0x1f;
	double		v;

	if (e == 0)
		v = ldexp((double) (h & 0x3ff), -24);
	else
		v = ldexp((double) ((h & 0x3ff) | 0x400), e - 25);
	return (h & 0x8000) ? -v : v;
}

/* a stored half scaled back by 2^e; NaN for Inf/NaN halves */
static float
half_decode(uint16_t h, int e)
{
	if (((h >> 10) & 0x1f) == 0x1f)
		return NAN;
	return (float) ldexp(half_to_double(h), e);
}

/* the scale exponent mapping the largest |x| m to at most 65504 */
static int
scale_exponent(double m)
{
	int			k;

	if (!(m > 0))
		return 0;
	(void) frexp(m, &k);
	return ldexp(m, 16 - k) <= HALF_MAX ? k - 16 : k - 15;
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
static float
snap_value(double x, int e)
{
	double		v = ldexp(x, -e);

	if (!(fabs(v) < 65520.0))
		return to_float(x);
	return half_decode(half_from_double(v), e);
}

/*--- Parameters -------------------------------------------------------------*/

/* NULL when the parameters are usable, else a message naming the bad one */
const char *
rcf_params_check(const RcfParams *params)
{
	if (params->num_trees < 1 || params->num_trees > RCF_MAX_TREES)
		return "number of trees must be between 1 and 1000";
	if (params->sample_size < RCF_MIN_SAMPLE_SIZE ||
		params->sample_size > RCF_MAX_SAMPLE_SIZE)
		return "sample size must be between 2 and 8192";
	if (params->dims < 1 || params->dims > RCF_MAX_DIMS)
		return "number of dimensions must be between 1 and 1024";
	if (!isfinite(params->time_decay) || params->time_decay < 0)
		return "time decay must be a finite number >= 0";
	return NULL;
}

/* true when two parameter sets are the same */
bool
rcf_params_equal(const RcfParams *a, const RcfParams *b)
{
	return a->num_trees == b->num_trees &&
		a->sample_size == b->sample_size &&
		a->dims == b->dims &&
		a->time_decay == b->time_decay &&
		a->seed == b->seed;
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
static void
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
static void
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

/*--- Sampler ----------------------------------------------------------------*/

/* sets the acceptance threshold on u of a full reservoir (time_decay 0) */
static void
reservoir_refresh(RcfReservoir *res, int32_t sample_size)
{
	if (res->heap.count < sample_size)
		res->threshold = 0.0;
	else
		res->threshold = exp(-exp(res->heap.weight[0]));
}

/* allocates one tree's empty reservoir in a single block */
static void
reservoir_init(RcfReservoir *res, const RcfParams *params,
			   const RcfAllocator *a)
{
	size_t		n = (size_t) params->sample_size;
	size_t		wbytes = align8(n * sizeof(double));
	size_t		sbytes = align8(n * sizeof(int32_t));
	char	   *block = rcf_alloc(a, wbytes + sbytes + n * params->dims * sizeof(float));

	res->heap.count = 0;
	res->heap.weight = (double *) block;
	res->heap.slot = (int32_t *) (block + wbytes);
	res->points = (float *) (block + wbytes + sbytes);
	res->threshold = 0.0;
}

/* Creates an empty sampler with its own random stream */
RcfSampler *
rcf_sampler_create(const RcfParams *params, uint64_t stream,
				   const RcfAllocator *allocator)
{
	RcfSampler *s = rcf_alloc(allocator, sizeof(RcfSampler));
	int32_t		t;

	s->params = *params;
	s->allocator = *allocator;
	s->seen = 0;
	rng_seed(&s->rng, params->seed, SALT_SAMPLER, stream);
	s->res = rcf_alloc(allocator, sizeof(RcfReservoir) * params->num_trees);
	for (t = 0; t < params->num_trees; t++)
		reservoir_init(&s->res[t], params, allocator);
	return s;
}

/* Frees a sampler and its reservoirs */
void
rcf_sampler_free(RcfSampler *sampler)
{
	RcfAllocator a;
	int32_t		t;

	if (sampler == NULL)
		return;
	a = sampler->allocator;
	for (t = 0; t < sampler->params.num_trees; t++)
		rcf_free(&a, sampler->res[t].heap.weight);
	rcf_free(&a, sampler->res);
	rcf_free(&a, sampler);
}

/* The parameters of a sampler */
const RcfParams *
rcf_sampler_params(const RcfSampler *sampler)
{
	return &sampler->params;
}

/* Points offered to a sampler so far (merged samplers add up) */
int64_t
rcf_sampler_seen(const RcfSampler *sampler)
{
	return sampler->seen;
}

/* offers a weighted float point to one reservoir; true if kept */
static bool
reservoir_offer(RcfReservoir *res, int32_t sample_size, int32_t dims,
				double w, const float *point)
{
	int32_t		slot;

	if (res->heap.count < sample_size)
	{
		slot = res->heap.count;
		heap_push(&res->heap, w, slot);
	}
	else if (w < res->heap.weight[0])
	{
		slot = res->heap.slot[0];
		heap_replace_top(&res->heap, w, slot);
	}
	else
		return false;
	memcpy(res->points + (size_t) slot * dims, point, sizeof(float) * dims);
	return true;
}

/* Offers one point to every tree's reservoir */
void
rcf_sampler_add(RcfSampler *sampler, const double *point)
{
	const RcfParams *p = &sampler->params;
	float		fp[RCF_MAX_DIMS];
	int64_t		seq = sampler->seen++;
	int32_t		t,
				d;

	for (d = 0; d < p->dims; d++)
		fp[d] = to_float(point[d]);
	for (t = 0; t < p->num_trees; t++)
	{
		RcfReservoir *res = &sampler->res[t];
		double		u = rng_open(&sampler->rng);

		/* fast rejection: log(-log u) < max  <=>  u > exp(-exp(max)) */
		if (p->time_decay == 0 && res->heap.count == p->sample_size &&
			u <= res->threshold)
			continue;
		if (reservoir_offer(res, p->sample_size, p->dims,
							sample_weight(u, p->time_decay, seq), fp) &&
			p->time_decay == 0)
			reservoir_refresh(res, p->sample_size);
	}
}

/* Merges "from" into "into": each tree keeps the smallest weights of both */
void
rcf_sampler_merge(RcfSampler *into, const RcfSampler *from)
{
	const RcfParams *p = &into->params;
	int32_t		t,
				i;

	for (t = 0; t < p->num_trees; t++)
	{
		const RcfReservoir *src = &from->res[t];
		RcfReservoir *dst = &into->res[t];

		for (i = 0; i < src->heap.count; i++)
			reservoir_offer(dst, p->sample_size, p->dims, src->heap.weight[i],
							src->points + (size_t) src->heap.slot[i] * p->dims);
		reservoir_refresh(dst, p->sample_size);
	}
	into->seen += from->seen;
}

/* Bytes of the serialised sampler */
size_t
rcf_sampler_serialized_size(const RcfSampler *sampler)
{
	const RcfParams *p = &sampler->params;
	size_t		size = SAMPLER_HEADER;
	int32_t		t;

	for (t = 0; t < p->num_trees; t++)
		size += 4 + (size_t) sampler->res[t].heap.count *
			(8 + 4 * (size_t) p->dims);
	return size;
}

/* Writes the sampler state: header, random state, then weights and points */
void
rcf_sampler_serialize(const RcfSampler *sampler, uint8_t *buf)
{
	const RcfParams *p = &sampler->params;
	int32_t		t,
				i,
				d;

	memcpy(buf, SAMPLER_MAGIC, 4);
	buf += 4;
	put_u16(&buf, SAMPLER_VERSION);
	put_u16(&buf, 0);
	put_params(&buf, p);
	for (i = 0; i < 4; i++)
		put_u64(&buf, sampler->rng.s[i]);
	put_u64(&buf, (uint64_t) sampler->seen);
	for (t = 0; t < p->num_trees; t++)
	{
		const RcfReservoir *res = &sampler->res[t];

		put_u32(&buf, (uint32_t) res->heap.count);
		for (i = 0; i < res->heap.count; i++)
		{
			const float *pt = res->points + (size_t) res->heap.slot[i] * p->dims;

			put_f64(&buf, res->heap.weight[i]);
			for (d = 0; d < p->dims; d++)
				put_f32(&buf, pt[d]);
		}
	}
}

/* reads the sampler header into s; NULL when valid, else why not */
static const char *
sampler_read_header(RcfReader *r, RcfSampler *s)
{
	const uint8_t *magic = get_bytes(r, 4);
	const char *err;
	int			i;

	if (magic == NULL)
		return "truncated sampler state";
	if (memcmp(magic, SAMPLER_MAGIC, 4) != 0)
		return "not an rcf sampler state";
	if (get_u16(r) != SAMPLER_VERSION || get_u16(r) != 0)
		return r->ok ? "unsupported sampler state version" : "truncated sampler state";
	if ((err = get_params(r, &s->params)) != NULL)
		return err;
	for (i = 0; i < 4; i++)
		s->rng.s[i] = get_u64(r);
	s->seen = (int64_t) get_u64(r);
	if (!r->ok)
		return "truncated sampler state";
	if (s->seen < 0)
		return "corrupt sampler state: negative count";
	if ((s->rng.s[0] | s->rng.s[1] | s->rng.s[2] | s->rng.s[3]) == 0)
		return "corrupt sampler state: random state";
	return NULL;
}

/* reads one reservoir into res (or only checks it if res is NULL) */
static const char *
sampler_read_tree(RcfReader *r, const RcfSampler *s, RcfReservoir *res)
{
	uint32_t	count = get_u32(r);
	int32_t		dims = s->params.dims;
	float		pt[RCF_MAX_DIMS];
	uint32_t	i;
	int32_t		d;

	if (!r->ok)
		return "truncated sampler state";
	if (count > (uint32_t) s->params.sample_size || count > (uint64_t) s->seen)
		return "corrupt sampler state: too many points in a reservoir";
	if (r->left / (8 + 4 * (size_t) dims) < count)
		return "truncated sampler state";
	for (i = 0; i < count; i++)
	{
		double		w = get_f64(r);

		for (d = 0; d < dims; d++)
			if (!isfinite(pt[d] = get_f32(r)))
				return "corrupt sampler state: non-finite value";
		if (!isfinite(w))
			return "corrupt sampler state: non-finite weight";
		if (res != NULL)
			reservoir_offer(res, s->params.sample_size, dims, w, pt);
	}
	if (res != NULL)
		reservoir_refresh(res, s->params.sample_size);
	return NULL;
}

/* checks the serialised state fully, or reads it into s when s has trees */
static const char *
sampler_read(const uint8_t *buf, size_t len, RcfSampler *s)
{
	RcfReader	r = {buf, len, true};
	const char *err = sampler_read_header(&r, s);
	int32_t		t;

	for (t = 0; err == NULL && t < s->params.num_trees; t++)
		err = sampler_read_tree(&r, s, s->res ? &s->res[t] : NULL);
	if (err == NULL && r.left != 0)
		err = "corrupt sampler state: trailing bytes";
	return err;
}

/* Rebuilds a sampler from its serialised state; NULL and *err if invalid */
RcfSampler *
rcf_sampler_deserialize(const uint8_t *buf, size_t len,
						const RcfAllocator *allocator, const char **err)
{
	RcfSampler	head;
	RcfSampler *s;

	head.res = NULL;
	if ((*err = sampler_read(buf, len, &head)) != NULL)
		return NULL;
	s = rcf_sampler_create(&head.params, 0, allocator);
	*err = sampler_read(buf, len, s);	/* validated above: cannot fail */
	return s;
}

/*--- Tree structure ---------------------------------------------------------*/

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

/* allocates one tree for up to "capacity" points in one block */
static void
tree_init(RcfTree *t, const RcfParams *p, const RcfAllocator *a, int32_t index,
		  int32_t capacity)
{
	size_t		n = (size_t) capacity;
	size_t		hb = align8(n * sizeof(double)) + align8(n * sizeof(int32_t));
	size_t		nb = n * sizeof(RcfNode);
	size_t		bb = align8(n * 2 * sizeof(float) * p->dims);
	char	   *base;
	int32_t		i;

	t->leaf_stride = align8(sizeof(RcfLeaf) + sizeof(float) * p->dims);
	t->block = rcf_alloc(a, hb + 64 + nb + 8 * n + bb + n * t->leaf_stride);
	t->heap.weight = (double *) t->block;
	t->heap.slot = (int32_t *) ((char *) t->block + align8(n * sizeof(double)));
	t->heap.count = 0;
	base = (char *) t->block + hb;
	t->nodes = (RcfNode *) (base + ((64 - ((uintptr_t) base & 63)) & 63));
	t->leaf_base = (char *) t->nodes + nb;
	t->boxes = (float *) (t->leaf_base + n * t->leaf_stride);
	t->nparent = (int32_t *) ((char *) t->boxes + bb);
	t->nmass = t->nparent + n;
	t->capacity = capacity;
	t->root = RCF_NIL;
	t->mass = 0;
	t->norm = 0.0;
	t->free_node = 0;
	t->free_leaf = 0;
	for (i = 0; i < (int32_t) n; i++)
	{
		t->nparent[i] = (i + 1 < (int32_t) n) ? i + 1 : RCF_NIL;
		leaf_at(t, i)->parent = (i + 1 < (int32_t) n) ? i + 1 : RCF_NIL;
		leaf_at(t, i)->mass = 0;
	}
	rng_seed(&t->rng, p->seed, SALT_TREE, (uint64_t) index);
}

/* mass of a child reference */
static inline int32_t
ref_mass(const RcfTree *t, int32_t ref)
{
	return IS_LEAF(ref) ? leaf_at(t, LEAF_SLOT(ref))->mass : t->nmass[ref];
}

/* box of a child reference: a node's lo/hi, or a leaf's point twice */
static inline void
ref_box(const RcfTree *t, int32_t ref, int32_t dims,
		const float **lo, const float **hi)
{
	if (IS_LEAF(ref))
	{
		*lo = *hi = leaf_point(t, LEAF_SLOT(ref), dims);
		return;
	}
	*lo = node_lo(t, ref, dims);
	*hi = *lo + dims;
}

/* sets the parent of a child reference */
static inline void
ref_set_parent(RcfTree *t, int32_t ref, int32_t parent)
{
	if (IS_LEAF(ref))
		leaf_at(t, LEAF_SLOT(ref))->parent = parent;
	else
		t->nparent[ref] = parent;
}

/* parent of a child reference */
static inline int32_t
ref_parent(const RcfTree *t, int32_t ref)
{
	return IS_LEAF(ref) ? leaf_at(t, LEAF_SLOT(ref))->parent : t->nparent[ref];
}

/* in parent (or at the root), replaces child reference "old" by "new" */
static void
replace_child(RcfTree *t, int32_t parent, int32_t old, int32_t new)
{
	if (parent == RCF_NIL)
		t->root = new;
	else if (node_at(t, parent)->left == old)
		node_at(t, parent)->left = new;
	else
		node_at(t, parent)->right = new;
	ref_set_parent(t, new, parent);
}

/* takes a free leaf slot and stores the point in it */
static int32_t
leaf_new(RcfTree *t, const float *p, int32_t dims, int32_t parent)
{
	int32_t		slot = t->free_leaf;

	t->free_leaf = leaf_at(t, slot)->parent;
	leaf_at(t, slot)->parent = parent;
	leaf_at(t, slot)->mass = 1;
	memcpy(leaf_point(t, slot, dims), p, sizeof(float) * dims);
	return slot;
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

/* true when p lies inside the box */
static inline bool
box_contains(const float *lo, const float *hi, const float *p, int32_t dims)
{
	int32_t		d;

	for (d = 0; d < dims; d++)
		if (p[d] < lo[d] || p[d] > hi[d])
			return false;
	return true;
}

/*--- Tree insertion and deletion ---------------------------------------------*/

/*
 * Draws a cut of the box merged with p, proportionally to its side lengths.
 * True (and *dim, *cut set) when the cut separates p from the box.
 */
static bool
draw_cut(RcfRng *rng, const float *lo, const float *hi, const float *p,
		 int32_t dims, int32_t *dim, float *cut)
{
	double		total = 0.0;
	double		r;
	int32_t		d,
				last = 0;
	float		c;

	for (d = 0; d < dims; d++)
		total += (double) fmaxf(hi[d], p[d]) - (double) fminf(lo[d], p[d]);
	r = rng_unit(rng) * total;
	for (d = 0; d < dims; d++)
	{
		double		low = fminf(lo[d], p[d]);
		double		range = (double) fmaxf(hi[d], p[d]) - low;

		if (range <= 0)
			continue;
		last = d;
		if (r < range)
			break;
		r -= range;
	}
	if (d == dims)				/* rounding ran past the end */
	{
		d = last;
		r = 0.0;
	}
	c = (float) ((double) fminf(lo[d], p[d]) + r);
	*dim = d;
	*cut = c;
	return (p[d] <= c && c < lo[d]) || (hi[d] <= c && c < p[d]);
}

/* a cut separating two different points; used when draws keep failing */
static void
fallback_cut(const float *a, const float *b, int32_t dims, int32_t *dim, float *cut)
{
	int32_t		d = 0;

	while (d < dims - 1 && a[d] == b[d])
		d++;
	*dim = d;
	*cut = fminf(a[d], b[d]);
}

/* puts a new internal node above "ref" with a new leaf for p; the leaf slot */
static int32_t
split_above(RcfTree *t, int32_t ref, const float *p, int32_t dims,
			int32_t dim, float cut)
{
	int32_t		parent = ref_parent(t, ref);
	int32_t		node = t->free_node;
	RcfNode    *n = node_at(t, node);
	float	   *lo = node_lo(t, node, dims);
	const float *blo,
			   *bhi;
	int32_t		slot,
				d;

	t->free_node = t->nparent[node];
	slot = leaf_new(t, p, dims, node);
	ref_box(t, ref, dims, &blo, &bhi);
	for (d = 0; d < dims; d++)
	{
		lo[d] = fminf(blo[d], p[d]);
		lo[dims + d] = fmaxf(bhi[d], p[d]);
	}
	n->dim = dim;
	n->cut = cut;
	t->nmass[node] = ref_mass(t, ref) + 1;
	n->left = (p[dim] <= cut) ? LEAF_REF(slot) : ref;
	n->right = (p[dim] <= cut) ? ref : LEAF_REF(slot);
	replace_child(t, parent, ref, node);
	ref_set_parent(t, ref, node);
	return slot;
}

/* widens a node's box to hold p */
static void
box_extend(float *lo, const float *p, int32_t dims)
{
	int32_t		d;

	for (d = 0; d < dims; d++)
	{
		lo[d] = fminf(lo[d], p[d]);
		lo[dims + d] = fmaxf(lo[dims + d], p[d]);
	}
}

/* inserts p at a leaf reached by descent: duplicate or split; the slot */
static int32_t
insert_at_leaf(RcfTree *t, int32_t ref, const float *p, int32_t dims)
{
	int32_t		slot = LEAF_SLOT(ref);
	const float *q = leaf_point(t, slot, dims);
	int32_t		dim,
				tries;
	float		cut;

	if (points_equal(p, q, dims))
	{
		leaf_at(t, slot)->mass++;
		return slot;
	}
	for (tries = 0; tries < 8; tries++)
		if (draw_cut(&t->rng, q, q, p, dims, &dim, &cut))
			return split_above(t, ref, p, dims, dim, cut);
	fallback_cut(p, q, dims, &dim, &cut);
	return split_above(t, ref, p, dims, dim, cut);
}

/* Inserts a point into a tree (top-down random cuts); returns its leaf slot */
static int32_t
tree_insert(RcfTree *t, const float *p, int32_t dims)
{
	int32_t		ref = t->root;

	t->mass++;
	t->norm = log2(t->mass + 1.0);
	if (ref == RCF_NIL)
	{
		int32_t		slot = leaf_new(t, p, dims, RCF_NIL);

		t->root = LEAF_REF(slot);
		return slot;
	}
	while (!IS_LEAF(ref))
	{
		RcfNode    *n = node_at(t, ref);
		float	   *lo = node_lo(t, ref, dims);
		int32_t		dim;
		float		cut;

		if (!box_contains(lo, lo + dims, p, dims))
		{
			if (draw_cut(&t->rng, lo, lo + dims, p, dims, &dim, &cut))
				return split_above(t, ref, p, dims, dim, cut);
			box_extend(lo, p, dims);
		}
		t->nmass[ref]++;
		ref = (p[n->dim] <= n->cut) ? n->left : n->right;
	}
	return insert_at_leaf(t, ref, p, dims);
}

/* recomputes a node's box from its children; true if it changed */
static bool
box_refresh(RcfTree *t, int32_t node, int32_t dims)
{
	float	   *lo = node_lo(t, node, dims);
	const float *alo,
			   *ahi,
			   *blo,
			   *bhi;
	bool		changed = false;
	int32_t		d;

	ref_box(t, node_at(t, node)->left, dims, &alo, &ahi);
	ref_box(t, node_at(t, node)->right, dims, &blo, &bhi);
	for (d = 0; d < dims; d++)
	{
		float		l = fminf(alo[d], blo[d]);
		float		h = fmaxf(ahi[d], bhi[d]);

		changed |= (l != lo[d] || h != lo[dims + d]);
		lo[d] = l;
		lo[dims + d] = h;
	}
	return changed;
}

/* Removes one copy of the point in a leaf slot, fixing masses and boxes */
static void
tree_delete(RcfTree *t, int32_t slot, int32_t dims)
{
	RcfLeaf    *leaf = leaf_at(t, slot);
	int32_t		node = leaf->parent;
	bool		boxes = false;

	t->mass--;
	t->norm = log2(t->mass + 1.0);
	if (--leaf->mass == 0)
	{
		int32_t		ref = LEAF_REF(slot);

		leaf->parent = t->free_leaf;
		t->free_leaf = slot;
		if (node == RCF_NIL)
		{
			t->root = RCF_NIL;
			return;
		}
		replace_child(t, t->nparent[node],
					  node, node_at(t, node)->left == ref ?
					  node_at(t, node)->right : node_at(t, node)->left);
		ref = node;
		node = t->nparent[node];
		t->nparent[ref] = t->free_node;
		t->free_node = ref;
		boxes = true;
	}
	for (; node != RCF_NIL; node = t->nparent[node])
	{
		t->nmass[node]--;
		if (boxes)
			boxes = box_refresh(t, node, dims);
	}
}

/* numbers the nodes and leaves under the root in depth-first order */
static void
tree_preorder(const RcfTree *t, int32_t *stack, int32_t *node_map,
			  int32_t *leaf_map)
{
	int32_t		top = 0,
				nodes = 0,
				leaves = 0;

	if (t->root != RCF_NIL)
		stack[top++] = t->root;
	while (top > 0)
	{
		int32_t		ref = stack[--top];

		if (IS_LEAF(ref))
		{
			leaf_map[LEAF_SLOT(ref)] = leaves++;
			continue;
		}
		node_map[ref] = nodes++;
		stack[top++] = node_at(t, ref)->right;
		stack[top++] = node_at(t, ref)->left;
	}
}

/* a child reference renumbered through the maps */
static inline int32_t
ref_map(int32_t ref, const int32_t *node_map, const int32_t *leaf_map)
{
	if (ref == RCF_NIL)
		return RCF_NIL;
	return IS_LEAF(ref) ? LEAF_REF(leaf_map[LEAF_SLOT(ref)]) : node_map[ref];
}

/* copies the used nodes and leaves of "from" into the empty tree "to" */
static void
tree_copy_mapped(RcfTree *to, const RcfTree *from, int32_t dims,
				 const int32_t *node_map, const int32_t *leaf_map)
{
	int32_t		i,
				n = (from->mass > 0) ? from->heap.count : 0;

	for (i = 0; i < n; i++)		/* every used leaf is in the reservoir */
	{
		int32_t		old = from->heap.slot[i];
		RcfLeaf    *dst = leaf_at(to, leaf_map[old]);

		if (dst->mass == 0)
		{
			memcpy(dst, leaf_at(from, old), sizeof(RcfLeaf) + sizeof(float) * dims);
			dst->parent = ref_map(dst->parent, node_map, leaf_map);
		}
		heap_push(&to->heap, from->heap.weight[i], leaf_map[old]);
	}
	for (i = 0; i < n; i++)
	{
		int32_t		old = leaf_at(from, from->heap.slot[i])->parent;

		for (; old != RCF_NIL; old = from->nparent[old])
		{
			int32_t		nw = node_map[old];

			to->nodes[nw].left = ref_map(from->nodes[old].left, node_map, leaf_map);
			to->nodes[nw].right = ref_map(from->nodes[old].right, node_map, leaf_map);
			to->nodes[nw].dim = from->nodes[old].dim;
			to->nodes[nw].cut = from->nodes[old].cut;
			to->nparent[nw] = ref_map(from->nparent[old], node_map, leaf_map);
			to->nmass[nw] = from->nmass[old];
			memcpy(node_lo(to, nw, dims), node_lo(from, old, dims),
				   sizeof(float) * 2 * dims);
		}
	}
}

/* chains the unused nodes and leaves after the first used ones */
static void
tree_rechain(RcfTree *t, int32_t n, int32_t nodes, int32_t leaves)
{
	int32_t		i;

	t->free_node = (nodes < n) ? nodes : RCF_NIL;
	for (i = nodes; i < n; i++)
		t->nparent[i] = (i + 1 < n) ? i + 1 : RCF_NIL;
	t->free_leaf = (leaves < n) ? leaves : RCF_NIL;
	for (i = leaves; i < n; i++)
	{
		leaf_at(t, i)->parent = (i + 1 < n) ? i + 1 : RCF_NIL;
		leaf_at(t, i)->mass = 0;
	}
}

/*
 * Rebuilds a tree with room for "capacity" points and its nodes and leaves
 * in depth-first order, so that a descent and the walk back up touch fewer
 * cache lines.  The shape, cuts, boxes, masses and reservoir stay the same.
 */
static void
tree_relayout(RcfTree *t, const RcfParams *p, const RcfAllocator *a,
			  int32_t index, int32_t capacity)
{
	int32_t		n = t->capacity;
	int32_t    *maps = rcf_alloc(a, sizeof(int32_t) * 4 * (size_t) n);
	RcfTree		nt;
	int32_t		i,
				leaves = 0;

	for (i = 0; i < 2 * n; i++)
		maps[i] = RCF_NIL;
	tree_preorder(t, maps + 2 * n, maps, maps + n);
	tree_init(&nt, p, a, index, capacity);
	for (i = 0; i < n; i++)
		leaves += (maps[n + i] != RCF_NIL);
	tree_copy_mapped(&nt, t, p->dims, maps, maps + n);
	tree_rechain(&nt, capacity, leaves > 0 ? leaves - 1 : 0, leaves);
	nt.rng = t->rng;
	nt.root = ref_map(t->root, maps, maps + n);
	nt.mass = t->mass;
	nt.norm = t->norm;
	rcf_free(a, t->block);
	rcf_free(a, maps);
	*t = nt;
}

/*--- Model bytes ------------------------------------------------------------*/

/* Bytes the model of n trees with "points" points over "dims" takes */
static size_t
model_bytes(int32_t num_trees, int32_t dims, int64_t points)
{
	return MODEL_HEADER + 2 * (size_t) dims + 2 * (size_t) num_trees +
		2 * (size_t) dims * (size_t) points;
}

/* the scale exponent of each dimension: from the largest |x| stored */
static void
model_exponents(const RcfParams *p, const RcfSource *src, int16_t *exps)
{
	double		m[RCF_MAX_DIMS];
	int32_t		t,
				i,
				d;

	for (d = 0; d < p->dims; d++)
		m[d] = 0.0;
	for (t = 0; t < p->num_trees; t++)
	{
		int32_t		n = src->count(src->ctx, t);

		for (i = 0; i < n; i++)
		{
			const float *pt = src->point(src->ctx, t, i);

			for (d = 0; d < p->dims; d++)
				m[d] = fmax(m[d], fabs((double) pt[d]));
		}
	}
	for (d = 0; d < p->dims; d++)
		exps[d] = (int16_t) scale_exponent(m[d]);
}

/* writes a model: header, exponents, then each tree's points as halves */
static void
model_encode(const RcfParams *p, int64_t seen, const RcfSource *src,
			 uint8_t *buf)
{
	int16_t		exps[RCF_MAX_DIMS];
	int32_t		t,
				i,
				d;

	model_exponents(p, src, exps);
	memcpy(buf, MODEL_MAGIC, 4);
	buf += 4;
	put_u16(&buf, RCF_MODEL_VERSION);
	put_u16(&buf, 0);
	put_params(&buf, p);
	put_u64(&buf, (uint64_t) seen);
	for (d = 0; d < p->dims; d++)
		put_u16(&buf, (uint16_t) exps[d]);
	for (t = 0; t < p->num_trees; t++)
	{
		int32_t		n = src->count(src->ctx, t);

		put_u16(&buf, (uint16_t) n);
		for (i = 0; i < n; i++)
		{
			const float *pt = src->point(src->ctx, t, i);

			for (d = 0; d < p->dims; d++)
				put_u16(&buf, half_from_double(ldexp(pt[d], -exps[d])));
		}
	}
}

/* point count of a sampler's tree */
static int32_t
sampler_count(const void *ctx, int32_t t)
{
	return ((const RcfSampler *) ctx)->res[t].heap.count;
}

/* i-th point of a sampler's tree, in heap order */
static const float *
sampler_point(const void *ctx, int32_t t, int32_t i)
{
	const RcfSampler *s = ctx;
	const RcfReservoir *res = &s->res[t];

	return res->points + (size_t) res->heap.slot[i] * s->params.dims;
}

/* Bytes the model of this sampler takes */
size_t
rcf_model_size(const RcfSampler *sampler)
{
	int64_t		points = 0;
	int32_t		t;

	for (t = 0; t < sampler->params.num_trees; t++)
		points += sampler->res[t].heap.count;
	return model_bytes(sampler->params.num_trees, sampler->params.dims, points);
}

/* Writes the model of this sampler into buf (rcf_model_size bytes) */
void
rcf_model_write(const RcfSampler *sampler, uint8_t *buf)
{
	RcfSource	src = {sampler, sampler_count, sampler_point};

	model_encode(&sampler->params, sampler->seen, &src, buf);
}

/* reads the model header and exponents; NULL when valid, else why not */
static const char *
model_read_header(RcfReader *r, RcfModelInfo *info, int16_t *exps)
{
	const uint8_t *magic = get_bytes(r, 4);
	const char *err;
	int32_t		d;

	if (magic == NULL)
		return "truncated rcf model";
	if (memcmp(magic, MODEL_MAGIC, 4) != 0)
		return "not an rcf model";
	info->version = get_u16(r);
	if (r->ok && info->version != RCF_MODEL_VERSION)
		return "unsupported rcf model version";
	if (get_u16(r) != 0)
		return "corrupt rcf model: unknown flags";
	if ((err = get_params(r, &info->params)) != NULL)
		return err;
	info->points_seen = (int64_t) get_u64(r);
	for (d = 0; d < info->params.dims; d++)
		exps[d] = (int16_t) get_u16(r);
	if (!r->ok)
		return "truncated rcf model";
	if (info->points_seen < 0)
		return "corrupt rcf model: negative points seen";
	for (d = 0; d < info->params.dims; d++)
		if (exps[d] < -EXP_LIMIT || exps[d] > EXP_LIMIT)
			return "corrupt rcf model: scale exponent out of range";
	return NULL;
}

/* checks one tree's points (and decodes them into out when not NULL) */
static const char *
model_read_tree(RcfReader *r, const RcfModelInfo *info, const int16_t *exps,
				int32_t *count, float *out)
{
	int32_t		dims = info->params.dims;
	int32_t		n = get_u16(r);
	int32_t		i,
				d;

	if (!r->ok)
		return "truncated rcf model";
	if (n > info->params.sample_size || n > info->points_seen)
		return "corrupt rcf model: too many points in a tree";
	if (r->left / (2 * (size_t) dims) < (size_t) n)
		return "truncated rcf model";
	for (i = 0; i < n; i++)
		for (d = 0; d < dims; d++)
		{
			float		v = half_decode(get_u16(r), exps[d]);

			if (!isfinite(v))
				return "corrupt rcf model: non-finite value";
			if (out != NULL)
				out[(size_t) i * dims + d] = v;
		}
	*count = n;
	return NULL;
}

/* Validates model bytes fully and fills *info; NULL on success, else why not */
static const char *
model_parse(const uint8_t *buf, size_t len, RcfModelInfo *info, int16_t *exps)
{
	RcfReader	r = {buf, len, true};
	const char *err = model_read_header(&r, info, exps);
	int32_t		t,
				n;

	info->samples = 0;
	for (t = 0; err == NULL && t < info->params.num_trees; t++)
	{
		err = model_read_tree(&r, info, exps, &n, NULL);
		info->samples += n;
	}
	if (err == NULL && r.left != 0)
		err = "corrupt rcf model: trailing bytes";
	return err;
}

/* Validates the bytes fully and fills *info; NULL on success, else why not */
const char *
rcf_model_info(const uint8_t *buf, size_t len, RcfModelInfo *info)
{
	int16_t		exps[RCF_MAX_DIMS];

	if (buf == NULL)
		return "truncated rcf model";
	return model_parse(buf, len, info, exps);
}

/*--- Forest -----------------------------------------------------------------*/

/* allocates a forest; its trees are made empty and full-size if "trees" */
static RcfForest *
forest_alloc(const RcfParams *params, const RcfAllocator *allocator,
			 bool trees)
{
	RcfForest  *f = rcf_alloc(allocator, sizeof(RcfForest));
	int32_t		t;

	f->params = *params;
	f->allocator = *allocator;
	f->seen = 0;
	f->snap = false;
	f->exps = rcf_alloc(allocator, sizeof(int16_t) * params->dims);
	memset(f->exps, 0, sizeof(int16_t) * params->dims);
	rng_seed(&f->rng, params->seed, SALT_SAMPLER, 0);
	f->inv_depth = rcf_alloc(allocator, sizeof(double) * params->sample_size);
	for (t = 0; t < params->sample_size; t++)
		f->inv_depth[t] = 1.0 / (t + 1);
	f->trees = rcf_alloc(allocator, sizeof(RcfTree) * params->num_trees);
	for (t = 0; trees && t < params->num_trees; t++)
		tree_init(&f->trees[t], params, allocator, t, params->sample_size);
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
		rcf_free(&a, forest->trees[t].block);
	rcf_free(&a, forest->trees);
	rcf_free(&a, forest->exps);
	rcf_free(&a, forest->inv_depth);
	rcf_free(&a, forest);
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

/* inserts a query-form point into one tree and its reservoir with weight w */
static void
tree_offer(RcfTree *t, const RcfParams *p, double w, const float *q)
{
	if (t->heap.count < t->capacity)
		heap_push(&t->heap, w, tree_insert(t, q, p->dims));
	else if (w < t->heap.weight[0])
	{
		tree_delete(t, t->heap.slot[0], p->dims);
		heap_replace_top(&t->heap, w, tree_insert(t, q, p->dims));
	}
}

/* Streaming: offers a point to each tree's time-decayed reservoir */
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
			tree_relayout(tree, p, &forest->allocator, t, p->sample_size);
		tree_offer(tree, p,
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
	RcfReader	r = {buf, len, true};
	float	   *pts;
	int32_t		t,
				i,
				n;

	if (buf == NULL)
		*err = "truncated rcf model";
	else
		*err = model_parse(buf, len, &info, exps);
	if (*err != NULL)
		return NULL;
	f = forest_alloc(&info.params, allocator, false);
	f->snap = true;
	f->seen = info.points_seen;
	memcpy(f->exps, exps, sizeof(int16_t) * info.params.dims);
	pts = rcf_alloc(allocator, sizeof(float) * info.params.sample_size *
					(size_t) info.params.dims);
	(void) model_read_header(&r, &info, exps);
	for (t = 0; t < info.params.num_trees; t++)
	{
		(void) model_read_tree(&r, &info, exps, &n, pts);
		tree_init(&f->trees[t], &info.params, allocator, t, n > 0 ? n : 1);
		for (i = 0; i < n; i++)
			tree_offer(&f->trees[t], &info.params,
					   sample_weight(rng_open(&f->rng), info.params.time_decay,
									 info.points_seen),
					   pts + (size_t) i * info.params.dims);
		tree_relayout(&f->trees[t], &info.params, allocator, t, n > 0 ? n : 1);
	}
	rcf_free(allocator, pts);
	return f;
}

/*--- Score and attribution --------------------------------------------------*/

/*
 * Distance from q to a box summed over dimensions; *span gets the side sum
 * of the box merged with q, which is the box's side sum plus that distance.
 * Branch-free (max(a, 0) is (a + |a|) / 2, exactly): the comparisons are
 * unpredictable and this is the hot loop of scoring.
 */
static inline double
box_gap(const float *lo, const float *hi, const float *q, int32_t dims,
		double *span)
{
	double		gap = 0.0;
	double		sides = 0.0;
	int32_t		d;

	for (d = 0; d < dims; d++)
	{
		double		below = (double) lo[d] - q[d];
		double		above = (double) q[d] - hi[d];

		gap += (below + fabs(below)) + (above + fabs(above));
		sides += (double) hi[d] - lo[d];
	}
	gap *= 0.5;
	*span = sides + gap;
	return gap;
}

/*
 * Probability that a random cut of the box merged with q separates q: the
 * distance from q to the box over the side lengths of the merged box.
 */
static inline double
separation(const float *lo, const float *hi, const float *q, int32_t dims)
{
	double		span;
	double		gap = box_gap(lo, hi, q, dims, &span);

	return gap > 0 ? gap / span : 0.0;
}

/* descends to the leaf where q goes; returns the leaf slot, sets *depth */
static inline int32_t
tree_descend(const RcfTree *t, const float *q, int32_t *depth)
{
	int32_t		ref = t->root;
	int32_t		k = 0;

	while (!IS_LEAF(ref))
	{
		const RcfNode *n = node_at(t, ref);

		ref = (q[n->dim] <= n->cut) ? n->left : n->right;
		k++;
	}
	*depth = k;
	return LEAF_SLOT(ref);
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

/*
 * Spreads "amount" over high/low in proportion to how far q lies above or
 * below the box in each dimension (gap is the total distance, > 0).
 */
static void
spread_gap(const float *lo, const float *hi, const float *q, int32_t dims,
		   double amount, double gap, double *high, double *low)
{
	double		scale = amount / gap;
	int32_t		d;

	for (d = 0; d < dims; d++)
	{
		if (q[d] > hi[d])
			high[d] += ((double) q[d] - hi[d]) * scale;
		else if (q[d] < lo[d])
			low[d] += ((double) lo[d] - q[d]) * scale;
	}
}

/* scales both vectors by f */
static void
scale_vectors(double *high, double *low, int32_t dims, double f)
{
	int32_t		d;

	for (d = 0; d < dims; d++)
	{
		high[d] *= f;
		low[d] *= f;
	}
}

/*
 * Attribution of one non-empty tree, added into high/low (scratch vectors
 * hv/lv of dims each).  A seen point splits its leaf score evenly over all
 * 2 * dims parts; an unseen one splits the leaf term by its distance to the
 * leaf point per dimension and direction; each internal node mixes like the
 * scalar score.
 */
static void
tree_attribution(const RcfTree *t, const float *q, int32_t dims,
				 const double *inv, double *hv, double *lv, double *high,
				 double *low)
{
	int32_t		depth;
	int32_t		slot = tree_descend(t, q, &depth);
	const float *pt = leaf_point(t, slot, dims);
	int32_t		node = leaf_at(t, slot)->parent;
	double		norm = t->norm;
	double		span;
	int32_t		d;

	memset(hv, 0, sizeof(double) * dims);
	memset(lv, 0, sizeof(double) * dims);
	if (points_equal(q, pt, dims))
	{
		double		part = score_seen(t, depth, leaf_at(t, slot)->mass) / (2.0 * dims);

		for (d = 0; d < dims; d++)
			hv[d] = lv[d] = part;
		node = RCF_NIL;
	}
	else
		spread_gap(pt, pt, q, dims, inv[depth],
				   box_gap(pt, pt, q, dims, &span), hv, lv);
	for (; node != RCF_NIL; node = t->nparent[node])
	{
		const float *lo = node_lo(t, node, dims);
		double		gap = box_gap(lo, lo + dims, q, dims, &span);

		depth--;
		if (gap == 0.0)
			break;
		scale_vectors(hv, lv, dims, 1.0 - gap / span);
		spread_gap(lo, lo + dims, q, dims, (gap / span) * inv[depth], gap, hv, lv);
	}
	for (d = 0; d < dims; d++)
	{
		high[d] += hv[d] * norm;
		low[d] += lv[d] * norm;
	}
}

/* Per-dimension attribution: sum(high) + sum(low) equals the score */
void
rcf_forest_attribution(const RcfForest *forest, const double *point,
					   double *high, double *low)
{
	const RcfParams *p = &forest->params;
	float		q[RCF_MAX_DIMS];
	double		hv[RCF_MAX_DIMS];
	double		lv[RCF_MAX_DIMS];
	int32_t		t;

	forest_query(forest, point, q);
	memset(high, 0, sizeof(double) * p->dims);
	memset(low, 0, sizeof(double) * p->dims);
	for (t = 0; t < p->num_trees; t++)
		if (forest->trees[t].root != RCF_NIL)
			tree_attribution(&forest->trees[t], q, p->dims, forest->inv_depth,
							 hv, lv, high, low);
	scale_vectors(high, low, p->dims, 1.0 / p->num_trees);
}

/*--- JSON form --------------------------------------------------------------*/

/* output buffer of the JSON writer (sized in advance) */
typedef struct JsonOut
{
	char	   *buf;
	size_t		pos;
	size_t		cap;
} JsonOut;

/* appends formatted text (the buffer is sized so that it always fits) */
static void json_put(JsonOut *o, const char *fmt,...) __attribute__((format(printf, 2, 3)));

/* appends formatted text */
static void
json_put(JsonOut *o, const char *fmt,...)
{
	va_list		ap;
	int			n;

	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->pos, o->cap - o->pos, fmt, ap);
	va_end(ap);
	if (n > 0)
		o->pos = (o->pos + n < o->cap) ? o->pos + n : o->cap - 1;
}

/* writes the "samples" array of trees of points */
static void
json_put_samples(JsonOut *o, RcfReader *r, const RcfModelInfo *info,
				 const int16_t *exps, float *pts)
{
	int32_t		dims = info->params.dims;
	int32_t		t,
				i,
				d,
				n;

	json_put(o, "\"samples\":[");
	for (t = 0; t < info->params.num_trees; t++)
	{
		(void) model_read_tree(r, info, exps, &n, pts);
		json_put(o, t ? ",[" : "[");
		for (i = 0; i < n; i++)
		{
			json_put(o, i ? ",[" : "[");
			for (d = 0; d < dims; d++)
				json_put(o, d ? ",%.9g" : "%.9g", (double) pts[(size_t) i * dims + d]);
			json_put(o, "]");
		}
		json_put(o, "]");
	}
	json_put(o, "]}");
}

/* Readable JSON form of a model; NULL if the bytes are not a valid model */
char *
rcf_model_to_json(const uint8_t *buf, size_t len, const RcfAllocator *allocator)
{
	RcfModelInfo info;
	int16_t		exps[RCF_MAX_DIMS];
	RcfReader	r = {buf, len, true};
	JsonOut		o;
	float	   *pts;

	if (buf == NULL || model_parse(buf, len, &info, exps) != NULL)
		return NULL;
	o.cap = 512 + 4 * (size_t) info.params.num_trees +
		(size_t) info.samples * (3 + 17 * (size_t) info.params.dims);
	o.buf = rcf_alloc(allocator, o.cap);
	o.pos = 0;
	pts = rcf_alloc(allocator, sizeof(float) * info.params.sample_size *
					(size_t) info.params.dims);
	json_put(&o, "{\"version\":%u,\"trees\":%d,\"sample_size\":%d,\"dims\":%d,"
			 "\"time_decay\":%.17g,\"seed\":%" PRIu64 ",\"points_seen\":%" PRId64 ",",
			 (unsigned) info.version, info.params.num_trees,
			 info.params.sample_size, info.params.dims,
			 info.params.time_decay, info.params.seed, info.points_seen);
	(void) model_read_header(&r, &info, exps);
	json_put_samples(&o, &r, &info, exps, pts);
	rcf_free(allocator, pts);
	return o.buf;
}

/* keys of the JSON form */
enum
{
	JK_VERSION, JK_TREES, JK_SAMPLE_SIZE, JK_DIMS, JK_TIME_DECAY, JK_SEED,
	JK_POINTS_SEEN, JK_SAMPLES, JK_COUNT
};

static const char *const json_keys[JK_COUNT] = {
	"version", "trees", "sample_size", "dims", "time_decay", "seed",
	"points_seen", "samples"
};

/* state of the strict JSON parser */
typedef struct JsonParser
{
	const char *s;
	size_t		pos;
	const char *err;			/* first error, at err_pos */
	size_t		err_pos;
	const RcfAllocator *a;
	bool		have[JK_COUNT];
	size_t		key_pos[JK_COUNT];	/* where each key's value starts */
	int64_t		ints[JK_COUNT];
	uint64_t	seed;
	double		time_decay;
	float	   *values;			/* all points of all trees */
	size_t		nvalues;
	size_t		cap_values;
	int32_t		tree_count[RCF_MAX_TREES];
	int32_t		tree_start[RCF_MAX_TREES];	/* in points */
	int32_t		ntrees;
	int32_t		npoints;
	int32_t		point_len;		/* values per point, -1 until known */
} JsonParser;

/* records the first error at the current position; false for chaining */
static bool
json_fail(JsonParser *jp, const char *what)
{
	if (jp->err == NULL)
	{
		jp->err = what;
		jp->err_pos = jp->pos;
	}
	return false;
}

/* skips JSON white space */
static void
json_ws(JsonParser *jp)
{
	while (jp->s[jp->pos] == ' ' || jp->s[jp->pos] == '\t' ||
		   jp->s[jp->pos] == '\n' || jp->s[jp->pos] == '\r')
		jp->pos++;
}

/* consumes character c (after white space) or fails */
static bool
json_expect(JsonParser *jp, char c)
{
	json_ws(jp);
	if (jp->s[jp->pos] != c)
		return json_fail(jp, "unexpected character");
	jp->pos++;
	return true;
}

/* consumes digits; returns how many */
static size_t
json_digits(JsonParser *jp)
{
	size_t		start = jp->pos;

	while (jp->s[jp->pos] >= '0' && jp->s[jp->pos] <= '9')
		jp->pos++;
	return jp->pos - start;
}

/* scans a JSON number; *integral tells whether it has no fraction/exponent */
static bool
json_scan_number(JsonParser *jp, bool *integral)
{
	const char *s = jp->s;

	*integral = true;
	if (s[jp->pos] == '-')
		jp->pos++;
	if (s[jp->pos] == '0')
		jp->pos++;
	else if (json_digits(jp) == 0)
		return json_fail(jp, "invalid number");
	if (s[jp->pos] == '.')
	{
		jp->pos++;
		*integral = false;
		if (json_digits(jp) == 0)
			return json_fail(jp, "invalid number");
	}
	if (s[jp->pos] == 'e' || s[jp->pos] == 'E')
	{
		jp->pos++;
		*integral = false;
		if (s[jp->pos] == '+' || s[jp->pos] == '-')
			jp->pos++;
		if (json_digits(jp) == 0)
			return json_fail(jp, "invalid number");
	}
	return true;
}

/* parses a number as a double */
static bool
json_double(JsonParser *jp, double *v)
{
	size_t		start;
	bool		integral;
	char	   *end;

	json_ws(jp);
	start = jp->pos;
	if (!json_scan_number(jp, &integral))
		return false;
	*v = strtod(jp->s + start, &end);
	if (end != jp->s + jp->pos)
	{
		jp->pos = start;
		return json_fail(jp, "invalid number");
	}
	return true;
}

/* parses a non-negative integer that fits in a uint64 */
static bool
json_uint(JsonParser *jp, uint64_t *v)
{
	size_t		start;

	json_ws(jp);
	start = jp->pos;
	*v = 0;
	if (jp->s[jp->pos] < '0' || jp->s[jp->pos] > '9')
		return json_fail(jp, "expected a non-negative integer");
	while (jp->s[jp->pos] >= '0' && jp->s[jp->pos] <= '9')
	{
		uint64_t	digit = (uint64_t) (jp->s[jp->pos] - '0');

		if (*v > (UINT64_MAX - digit) / 10 ||
			(jp->pos > start && *v == 0))
		{
			jp->pos = start;
			return json_fail(jp, (*v == 0) ? "invalid number" : "number out of range");
		}
		*v = *v * 10 + digit;
		jp->pos++;
	}
	if (strchr(".eE", jp->s[jp->pos]) != NULL && jp->s[jp->pos] != '\0')
		return json_fail(jp, "expected an integer");
	return true;
}

/* appends one value, growing the array */
static void
json_push_value(JsonParser *jp, float v)
{
	if (jp->nvalues == jp->cap_values)
	{
		size_t		cap = jp->cap_values ? 2 * jp->cap_values : 1024;
		float	   *grown = rcf_alloc(jp->a, cap * sizeof(float));

		if (jp->nvalues > 0)
			memcpy(grown, jp->values, jp->nvalues * sizeof(float));
		rcf_free(jp->a, jp->values);
		jp->values = grown;
		jp->cap_values = cap;
	}
	jp->values[jp->nvalues++] = v;
}

/* parses one point: an array of numbers, all points of the same length */
static bool
json_point(JsonParser *jp)
{
	int32_t		n = 0;
	double		v;
	size_t		start;

	if (!json_expect(jp, '['))
		return false;
	start = jp->pos - 1;
	do
	{
		if (!json_double(jp, &v))
			return false;
		if (!(fabs(v) <= FLT_MAX))
			return json_fail(jp, "value out of range");
		if (++n > RCF_MAX_DIMS)
			return json_fail(jp, "too many values in a point");
		json_push_value(jp, (float) v);
		json_ws(jp);
	} while (jp->s[jp->pos] == ',' && ++jp->pos);
	if (!json_expect(jp, ']'))
		return false;
	if (jp->point_len >= 0 && n != jp->point_len)
	{
		jp->pos = start;
		return json_fail(jp, "points of different lengths");
	}
	jp->point_len = n;
	jp->npoints++;
	return true;
}

/* parses one tree: an array of points */
static bool
json_tree(JsonParser *jp)
{
	int32_t		t = jp->ntrees;

	if (t >= RCF_MAX_TREES)
		return json_fail(jp, "too many trees");
	if (!json_expect(jp, '['))
		return false;
	jp->tree_start[t] = jp->npoints;
	jp->tree_count[t] = 0;
	jp->ntrees++;
	json_ws(jp);
	if (jp->s[jp->pos] == ']')
		return json_expect(jp, ']');
	do
	{
		if (jp->tree_count[t] >= RCF_MAX_SAMPLE_SIZE)
			return json_fail(jp, "too many points in a tree");
		if (!json_point(jp))
			return false;
		jp->tree_count[t]++;
		json_ws(jp);
	} while (jp->s[jp->pos] == ',' && ++jp->pos);
	return json_expect(jp, ']');
}

/* parses the "samples" value: an array of trees */
static bool
json_samples(JsonParser *jp)
{
	if (!json_expect(jp, '['))
		return false;
	json_ws(jp);
	if (jp->s[jp->pos] == ']')
		return json_expect(jp, ']');
	do
	{
		if (!json_tree(jp))
			return false;
		json_ws(jp);
	} while (jp->s[jp->pos] == ',' && ++jp->pos);
	return json_expect(jp, ']');
}

/* parses a key string; returns its index or -1 */
static int
json_key(JsonParser *jp)
{
	size_t		start;
	int			k;

	if (!json_expect(jp, '"'))
		return -1;
	start = jp->pos;
	while ((jp->s[jp->pos] >= 'a' && jp->s[jp->pos] <= 'z') ||
		   jp->s[jp->pos] == '_')
		jp->pos++;
	for (k = 0; k < JK_COUNT; k++)
		if (strlen(json_keys[k]) == jp->pos - start &&
			memcmp(json_keys[k], jp->s + start, jp->pos - start) == 0)
			break;
	if (jp->s[jp->pos] != '"')
		return json_fail(jp, "unexpected character"), -1;
	jp->pos = start - 1;
	if (k == JK_COUNT)
		return json_fail(jp, "unknown key"), -1;
	if (jp->have[k])
		return json_fail(jp, "duplicate key"), -1;
	jp->pos = start + strlen(json_keys[k]) + 1;
	jp->have[k] = true;
	jp->key_pos[k] = start - 1;
	return k;
}

/* parses the value of key k */
static bool
json_value(JsonParser *jp, int k)
{
	uint64_t	u;

	jp->ints[k] = 0;
	if (k == JK_SAMPLES)
		return json_samples(jp);
	if (k == JK_TIME_DECAY)
		return json_double(jp, &jp->time_decay);
	if (!json_uint(jp, &u))
		return false;
	if (k == JK_SEED)
		jp->seed = u;
	else if (u > (uint64_t) INT64_MAX ||
			 (k != JK_POINTS_SEEN && u > (uint64_t) INT32_MAX))
		return json_fail(jp, "number out of range");
	jp->ints[k] = (int64_t) u;
	return true;
}

/* parses the whole object: the fixed keys in any order, each once */
static bool
json_object(JsonParser *jp)
{
	int			k;

	if (!json_expect(jp, '{'))
		return false;
	do
	{
		if ((k = json_key(jp)) < 0 || !json_expect(jp, ':') ||
			!json_value(jp, k))
			return false;
		json_ws(jp);
	} while (jp->s[jp->pos] == ',' && ++jp->pos);
	if (!json_expect(jp, '}'))
		return false;
	json_ws(jp);
	if (jp->s[jp->pos] != '\0')
		return json_fail(jp, "unexpected character");
	for (k = 0; k < JK_COUNT; k++)
		if (!jp->have[k])
			return json_fail(jp, "missing key");
	return true;
}

/* point count of a parsed tree */
static int32_t
json_count(const void *ctx, int32_t t)
{
	return ((const JsonParser *) ctx)->tree_count[t];
}

/* i-th point of a parsed tree */
static const float *
json_point_at(const void *ctx, int32_t t, int32_t i)
{
	const JsonParser *jp = ctx;

	return jp->values + ((size_t) jp->tree_start[t] + i) * jp->point_len;
}

/* the key whose value rcf_params_check rejects (same order of checks) */
static int
json_bad_param(const RcfParams *params)
{
	RcfParams	p = *params;

	p.sample_size = RCF_MIN_SAMPLE_SIZE;
	p.dims = 1;
	p.time_decay = 0;
	if (rcf_params_check(&p) != NULL)
		return JK_TREES;
	p.sample_size = params->sample_size;
	if (rcf_params_check(&p) != NULL)
		return JK_SAMPLE_SIZE;
	p.dims = params->dims;
	return (rcf_params_check(&p) != NULL) ? JK_DIMS : JK_TIME_DECAY;
}

/* checks the parsed values against each other; NULL when consistent */
static const char *
json_check(JsonParser *jp, RcfParams *params, int *key)
{
	const char *err;
	int32_t		t;

	params->num_trees = (int32_t) jp->ints[JK_TREES];
	params->sample_size = (int32_t) jp->ints[JK_SAMPLE_SIZE];
	params->dims = (int32_t) jp->ints[JK_DIMS];
	params->time_decay = jp->time_decay;
	params->seed = jp->seed;
	*key = JK_VERSION;
	if (jp->ints[JK_VERSION] != RCF_MODEL_VERSION)
		return "unsupported rcf model version";
	if ((err = rcf_params_check(params)) != NULL)
	{
		*key = json_bad_param(params);
		return err;
	}
	*key = JK_SAMPLES;
	if (jp->ntrees != params->num_trees)
		return "number of sample arrays differs from \"trees\"";
	if (jp->npoints > 0 && jp->point_len != params->dims)
		return "point length differs from \"dims\"";
	for (t = 0; t < jp->ntrees; t++)
		if (jp->tree_count[t] > params->sample_size ||
			jp->tree_count[t] > jp->ints[JK_POINTS_SEEN])
			return "too many points in a tree";
	return NULL;
}

/* formats "what at byte N" with the allocator */
static const char *
json_error(const RcfAllocator *a, const char *what, size_t pos)
{
	size_t		len = strlen(what) + 40;
	char	   *msg = rcf_alloc(a, len);

	snprintf(msg, len, "%s at byte %zu", what, pos);
	return msg;
}

/*
 * Model bytes from the JSON form.  On error returns NULL and sets *err to a
 * message naming the byte offset; that message is allocated with the
 * allocator (a palloc'd string in the backend), and *len is set to the
 * offset.
 */
uint8_t *
rcf_model_from_json(const char *json, size_t *len,
					const RcfAllocator *allocator, const char **err)
{
	JsonParser *jp = rcf_alloc(allocator, sizeof(JsonParser));
	RcfParams	params;
	RcfSource	src = {jp, json_count, json_point_at};
	uint8_t    *buf = NULL;
	const char *what;
	int			key;

	memset(jp, 0, sizeof(JsonParser));
	jp->s = json;
	jp->a = allocator;
	jp->point_len = -1;
	*err = NULL;
	if (!json_object(jp))
		*err = json_error(allocator, jp->err, *len = jp->err_pos);
	else if ((what = json_check(jp, &params, &key)) != NULL)
		*err = json_error(allocator, what, *len = jp->key_pos[key]);
	else
	{
		*len = model_bytes(params.num_trees, params.dims, jp->npoints);
		buf = rcf_alloc(allocator, *len);
		model_encode(&params, jp->ints[JK_POINTS_SEEN], &src, buf);
	}
	rcf_free(allocator, jp->values);
	rcf_free(allocator, jp);
	return buf;
}
