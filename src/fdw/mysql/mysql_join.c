/*-------------------------------------------------------------------------
 *
 * mysql_join.c
 *	  Joins of foreign tables run in MySQL: INNER, LEFT and RIGHT joins of
 *	  tables of one server read as one user (so one connection), whose ON
 *	  conditions MySQL answers as PostgreSQL would, and SEMI and ANTI joins
 *	  (EXISTS, IN, NOT EXISTS) as [NOT] EXISTS subqueries.  FULL joins stay
 *	  local: MySQL has none.
 *
 *	  Under EvalPlanQual (a row of a local table changed while an UPDATE,
 *	  DELETE or FOR UPDATE waited for it) the join is redone locally, as
 *	  postgres_fdw does: the remote query also returns each table's whole
 *	  row, the tables' scans return those rows, and the local join path the
 *	  planner had chosen (fdw_outerpath) joins them again.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "executor/executor.h"
#include "foreign/fdwapi.h"
#include "optimizer/cost.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "optimizer/restrictinfo.h"

#include "fdw/mysql/federated_mysql.h"

/* True for a SEMI or ANTI join: sent as [NOT] EXISTS, not as a FROM item */
static bool
IsSemiOrAnti(JoinType jointype)
{
	return jointype == JOIN_SEMI || jointype == JOIN_ANTI;
}

/* True if two rels' rows can come from one MySQL query */
static bool
IsJoinableInput(MysqlRelInfo *outer, MysqlRelInfo *inner)
{
	return outer != NULL && inner != NULL &&
		!IsSemiOrAnti(outer->jointype) && !IsSemiOrAnti(inner->jointype) &&
		outer->opts.query == NULL && inner->opts.query == NULL &&
		outer->local_conds == NIL && inner->local_conds == NIL &&
		!outer->grouped && !inner->grouped &&
		!outer->limited && !inner->limited &&
		outer->serverid == inner->serverid && outer->userid == inner->userid &&
		outer->opts.zero_date == inner->opts.zero_date;
}

/*
 * Moves the inputs' pushed conditions into the join: to WHERE for an inner
 * join and an outer join's preserved side, to ON for its nullable side (a
 * filter of the nullable side before the join; for SEMI and ANTI joins, the
 * EXISTS subquery's WHERE), and notes which tables an outer join may
 * null-extend.
 */
static void
FoldInputConditions(MysqlRelInfo *info, RelOptInfo *outerrel, RelOptInfo *innerrel)
{
	MysqlRelInfo *outer = outerrel->fdw_private;
	MysqlRelInfo *inner = innerrel->fdw_private;

	info->nullable_relids = bms_union(outer->nullable_relids, inner->nullable_relids);
	switch (info->jointype)
	{
		case JOIN_LEFT:
		case JOIN_SEMI:
		case JOIN_ANTI:
			info->joinclauses = list_copy(inner->remote_conds);
			info->remote_conds = list_copy(outer->remote_conds);
			info->nullable_relids = bms_add_members(info->nullable_relids, innerrel->relids);
			break;
		case JOIN_RIGHT:
			info->joinclauses = list_copy(outer->remote_conds);
			info->remote_conds = list_copy(inner->remote_conds);
			info->nullable_relids = bms_add_members(info->nullable_relids, outerrel->relids);
			break;
		default:
			info->remote_conds = list_concat_copy(outer->remote_conds, inner->remote_conds);
			break;
	}
}

/*
 * Sorts the join's own conditions: ON conditions of an outer join, or the
 * EXISTS conditions of a SEMI or ANTI join (each must be pushable), and the
 * others, to ON (inner join) or WHERE (the other joins) when MySQL can
 * evaluate them, else evaluated here.  False if a join condition cannot go
 * to MySQL.
 */
static bool
SortJoinConditions(PlannerInfo *root, RelOptInfo *joinrel, MysqlRelInfo *info,
				   List *restrictlist)
{
	ListCell   *lc;

	foreach(lc, restrictlist)
	{
		RestrictInfo *ri = lfirst_node(RestrictInfo, lc);
		bool		pushable = MysqlIsPushableExpr(root, joinrel, ri->clause);
		bool		is_join_cond;

		/* what mentions a SEMI or ANTI join's inner side is in its EXISTS */
		if (IsSemiOrAnti(info->jointype))
			is_join_cond = bms_overlap(ri->clause_relids, info->innerrel->relids);
		else
			is_join_cond = IS_OUTER_JOIN(info->jointype) &&
				!RINFO_IS_PUSHED_DOWN(ri, joinrel->relids);
		if (is_join_cond)
		{
			if (!pushable)
				return false;
			info->joinclauses = lappend(info->joinclauses, ri);
		}
		else if (!pushable)
			info->local_conds = lappend(info->local_conds, ri);
		else if (info->jointype == JOIN_INNER)
			info->joinclauses = lappend(info->joinclauses, ri);
		else
			info->remote_conds = lappend(info->remote_conds, ri);
	}
	return true;
}

/*
 * True if MySQL can return every column the join needs: columns of the
 * tables (of a SEMI or ANTI join's outer side), and whole rows (for
 * EvalPlanQual) of tables no outer join of this join null-extends, whose
 * column types read back exactly.
 */
static bool
IsPushableJoinTarget(PlannerInfo *root, RelOptInfo *joinrel, MysqlRelInfo *info)
{
	ListCell   *lc;

	foreach(lc, joinrel->reltarget->exprs)
	{
		Var		   *var = lfirst(lc);

		/* a PlaceHolderVar is computed at the join: not in MySQL */
		if (!IsA(var, Var) || var->varattno < 0)
			return false;
		/* EXISTS returns no column (an ANTI join's inner ones are NULL) */
		if (IsSemiOrAnti(info->jointype) &&
			bms_is_member(var->varno, info->innerrel->relids))
			return false;
		if (var->varattno == 0 &&
			(bms_is_member(var->varno, info->nullable_relids) ||
			 !MysqlIsPushableWholeRow(root, var)))
			return false;
	}
	return true;
}

/* The join's info, or NULL if MySQL cannot run it */
static MysqlRelInfo *
JoinInfo(PlannerInfo *root, RelOptInfo *joinrel, RelOptInfo *outerrel,
		 RelOptInfo *innerrel, JoinType jointype, List *restrictlist)
{
	MysqlRelInfo *outer = outerrel->fdw_private;
	MysqlRelInfo *info;

	if (jointype != JOIN_INNER && jointype != JOIN_LEFT && jointype != JOIN_RIGHT &&
		!IsSemiOrAnti(jointype))
		return NULL;
	if (!IsJoinableInput(outer, innerrel->fdw_private))
		return NULL;
	info = palloc0(sizeof(MysqlRelInfo));
	info->opts = outer->opts;
	info->relid = outer->relid;
	info->serverid = outer->serverid;
	info->userid = outer->userid;
	info->scanrel = joinrel;
	info->jointype = jointype;
	info->outerrel = outerrel;
	info->innerrel = innerrel;
	FoldInputConditions(info, outerrel, innerrel);
	if (!SortJoinConditions(root, joinrel, info, restrictlist) ||
		!IsPushableJoinTarget(root, joinrel, info))
		return NULL;
	return info;
}

/*
 * MySQL's estimate of the rows of a join (use_remote_estimate on either
 * side), with the selectivity of the conditions left here
 */
static double
RemoteJoinRows(PlannerInfo *root, RelOptInfo *joinrel, MysqlRelInfo *info)
{
	StringInfoData sql;
	List	   *columns = pull_var_clause((Node *) joinrel->reltarget->exprs,
										  PVC_RECURSE_PLACEHOLDERS);
	Selectivity sel = clauselist_selectivity(root, info->local_conds, 0,
											 info->jointype, NULL);

	initStringInfo(&sql);
	MysqlDeparseQuery(&sql, root, joinrel, columns, NIL);
	return clamp_row_est(MysqlRemoteRows(info, sql.data) * sel);
}

/* Offers to run a join of two of our rels in MySQL */
void
MysqlGetForeignJoinPaths(PlannerInfo *root, RelOptInfo *joinrel,
						 RelOptInfo *outerrel, RelOptInfo *innerrel,
						 JoinType jointype, JoinPathExtraData *extra)
{
	MysqlRelInfo *info;
	Path	   *epq_path = NULL;
	Cost		total;

	/* considered already, for another order of the same tables */
	if (joinrel->fdw_private != NULL)
		return;
	info = JoinInfo(root, joinrel, outerrel, innerrel, jointype, extra->restrictlist);
	if (info == NULL)
		return;
	/*
	 * Rows rechecked by EvalPlanQual are joined again by a local join; a
	 * SEMI or ANTI join returns no row of its inner side to join them with.
	 */
	if (root->parse->commandType == CMD_UPDATE ||
		root->parse->commandType == CMD_DELETE || root->rowMarks != NIL)
	{
		if (IsSemiOrAnti(jointype))
			return;
		epq_path = GetExistingLocalJoinPath(joinrel);
		if (epq_path == NULL)
			return;
	}
	joinrel->fdw_private = info;
	if (info->opts.use_remote_estimate ||
		((MysqlRelInfo *) innerrel->fdw_private)->opts.use_remote_estimate)
		joinrel->rows = RemoteJoinRows(root, joinrel, info);
	/* one round trip; MySQL reads both inputs */
	total = MYSQL_STARTUP_COST +
		(outerrel->rows + innerrel->rows) * MYSQL_ROW_COST +
		joinrel->rows * cpu_tuple_cost;
	add_path(joinrel, (Path *)
			 create_foreign_join_path(root, joinrel, NULL, joinrel->rows,
									  MYSQL_STARTUP_COST, total, NIL,
									  joinrel->lateral_relids, epq_path, NIL));
}

/*
 * EvalPlanQual's recheck: a table's row needs no more than its recheck
 * conditions; a join's row is the local join of the tables' rows again.
 */
bool
MysqlRecheckForeignScan(ForeignScanState *node, TupleTableSlot *slot)
{
	PlanState  *outer = outerPlanState(node);
	TupleTableSlot *result;

	if (((ForeignScan *) node->ss.ps.plan)->scan.scanrelid > 0)
		return true;
	if (outer == NULL)
		elog(ERROR, "federated_mysql: no local join to recheck a remote join with");
	result = ExecProcNode(outer);
	if (TupIsNull(result))
		return false;
	ExecCopySlot(slot, result);
	return true;
}
