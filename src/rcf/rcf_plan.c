/*-------------------------------------------------------------------------
 *
 * rcf_plan.c
 *	  A parallel plan for scoring in the join form: the join path hook that
 *	  lets a parallel nested loop materialise its inner side.
 *
 * Users score with the model table in the FROM list:
 *
 *	   SELECT sum(rcf_score(m, p)) FROM t, m
 *
 * PostgreSQL 15 builds a partial nested loop (parallel scan of t outside, m
 * inside) only with a bare inner scan, which it costs as one rescan of m per
 * row of t.  The serial nested loop with a Materialize over m is then far
 * cheaper, and since a partial path must beat the cheapest serial one to be
 * kept, the whole join runs above a Gather: rcf_score runs in the leader
 * only.  PostgreSQL 16 adds the missing path; this hook adds the same one in
 * PostgreSQL 15: the cheapest partial outer path joined by a nested loop to
 * a Materialize over the inner rel's cheapest parallel-safe path, which each
 * process fills once.  The usual cost comparison then decides; the
 * partial aggregate above it runs the calls in the workers.
 *
 * Setting pg_infer.parallel_nestloop_materialize = off removes the path.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "executor/executor.h"
#include "optimizer/cost.h"
#include "optimizer/pathnode.h"
#include "optimizer/paths.h"
#include "utils/guc.h"

#include "pg_infer.h"

/*--- Private variables ------------------------------------------------------*/

static set_join_pathlist_hook_type prev_join_pathlist_hook = NULL;
static bool parallel_nestloop_materialize = true;

/*--- The hook ---------------------------------------------------------------*/

/* Whether the join can take a partial nested loop over a materialised inner */
static bool
CanMaterializeInner(RelOptInfo *joinrel, RelOptInfo *outerrel,
					RelOptInfo *innerrel, JoinType jointype)
{
	Path	   *inner = innerrel->cheapest_total_path;

	if (!parallel_nestloop_materialize || !enable_nestloop || !enable_material)
		return false;
	if (!joinrel->consider_parallel || outerrel->partial_pathlist == NIL ||
		!bms_is_empty(joinrel->lateral_relids))
		return false;
	/* the join types a nested loop runs as written (no unique-ification) */
	if (jointype != JOIN_INNER && jointype != JOIN_LEFT &&
		jointype != JOIN_SEMI && jointype != JOIN_ANTI)
		return false;
	return inner != NULL && inner->parallel_safe && inner->param_info == NULL &&
		!ExecMaterializesOutput(inner->pathtype);
}

/*
 * set_join_pathlist_hook: offers the partial nested loop of the cheapest
 * partial outer path over a Materialize of the inner rel's cheapest path.
 */
static void
RcfJoinPathlist(PlannerInfo *root, RelOptInfo *joinrel, RelOptInfo *outerrel,
				RelOptInfo *innerrel, JoinType jointype,
				JoinPathExtraData *extra)
{
	Path	   *outer;
	Path	   *inner;
	List	   *pathkeys;
	JoinCostWorkspace workspace;

	if (prev_join_pathlist_hook)
		prev_join_pathlist_hook(root, joinrel, outerrel, innerrel, jointype,
								extra);
	if (!CanMaterializeInner(joinrel, outerrel, innerrel, jointype))
		return;
	outer = (Path *) linitial(outerrel->partial_pathlist);
	inner = (Path *) create_material_path(innerrel,
										  innerrel->cheapest_total_path);
	pathkeys = build_join_pathkeys(root, joinrel, jointype, outer->pathkeys);
	initial_cost_nestloop(root, &workspace, jointype, outer, inner, extra);
	if (!add_partial_path_precheck(joinrel, workspace.total_cost, pathkeys))
		return;
	add_partial_path(joinrel, (Path *)
					 create_nestloop_path(root, joinrel, jointype, &workspace,
										  extra, outer, inner,
										  extra->restrictlist, pathkeys,
										  NULL));
}

/* Installs the join path hook and its setting */
void
RcfPlanInit(void)
{
	DefineCustomBoolVariable("pg_infer.parallel_nestloop_materialize",
							 "Lets a parallel nested loop materialise its inner side.",
							 "With it, SELECT sum(rcf_score(m, p)) FROM t, m "
							 "scores in the parallel workers.",
							 &parallel_nestloop_materialize, true,
							 PGC_USERSET, 0, NULL, NULL, NULL);
	prev_join_pathlist_hook = set_join_pathlist_hook;
	set_join_pathlist_hook = RcfJoinPathlist;
}
