/*-------------------------------------------------------------------------
 *
 * rcf_tree.c
 *	  Robust random cut trees of the Random Cut Forest core: insertion with
 *	  cuts drawn proportionally to the side lengths of the bounding box,
 *	  deletion, the streaming reservoir of a tree, and the depth-first
 *	  relayout of decoded trees.
 *
 * The layout of a tree is described in rcf_core.h.
 *
 * No PostgreSQL header is included here; see rcf_forest.h.
 *
 *-------------------------------------------------------------------------
 */
#include "rcf/rcf_core.h"

#include <math.h>
#include <string.h>

/*--- Tree structure ---------------------------------------------------------*/

/* allocates one tree for up to "capacity" points in one block */
void
rcf_tree_init(RcfTree *t, const RcfParams *p, const RcfAllocator *a,
			  int32_t index, int32_t capacity)
{
	size_t		n = (size_t) capacity;
	size_t		hb = align8(n * sizeof(double)) + align8(n * sizeof(int32_t));
	size_t		nb = n * sizeof(RcfNode);
	size_t		bb = align8(n * 2 * sizeof(float) * p->dims);
	char	   *base;
	int32_t		i;

	t->leaf_stride = align8(sizeof(RcfLeaf) + sizeof(float) * p->dims);
	t->block = pi_alloc(a, hb + 64 + nb + 8 * n + bb + n * t->leaf_stride);
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
	rcf_rng_seed(&t->rng, p->seed, SALT_TREE, (uint64_t) index);
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

void
rcf_tree_offer(RcfTree *t, const RcfParams *p, double w, const float *q)
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
void
rcf_tree_relayout(RcfTree *t, const RcfParams *p, const RcfAllocator *a,
				  int32_t index, int32_t capacity)
{
	int32_t		n = t->capacity;
	int32_t    *maps = pi_alloc(a, sizeof(int32_t) * 4 * (size_t) n);
	RcfTree		nt;
	int32_t		i,
				leaves = 0;

	for (i = 0; i < 2 * n; i++)
		maps[i] = RCF_NIL;
	tree_preorder(t, maps + 2 * n, maps, maps + n);
	rcf_tree_init(&nt, p, a, index, capacity);
	for (i = 0; i < n; i++)
		leaves += (maps[n + i] != RCF_NIL);
	tree_copy_mapped(&nt, t, p->dims, maps, maps + n);
	tree_rechain(&nt, capacity, leaves > 0 ? leaves - 1 : 0, leaves);
	nt.rng = t->rng;
	nt.root = ref_map(t->root, maps, maps + n);
	nt.mass = t->mass;
	nt.norm = t->norm;
	pi_free(a, t->block);
	pi_free(a, maps);
	*t = nt;
}
