/*-------------------------------------------------------------------------
 *
 * mysql_plan.c
 *	  Planning of federated_mysql's scans: what MySQL computes and what
 *	  stays here.  A foreign table's conditions go to MySQL when
 *	  mysql_deparse.c says MySQL answers them as PostgreSQL would; on top of
 *	  a table (or a join of tables of one server and user mapping), the
 *	  grouping with its aggregates and HAVING, the ORDER BY and the
 *	  LIMIT/OFFSET are offered to the planner as one remote query when every
 *	  part of it can run in MySQL, and left to PostgreSQL otherwise.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/sysattr.h"
#include "access/table.h"
#include "foreign/fdwapi.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "optimizer/cost.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "optimizer/paths.h"
#include "optimizer/planmain.h"
#include "optimizer/restrictinfo.h"
#include "optimizer/tlist.h"
#include "parser/parsetree.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/selfuncs.h"

#include "fdw/mysql/federated_mysql.h"

/* Column index of a field of a result by name, or -1 */
static int
FieldIndex(MYSQL_RES *res, const char *name)
{
	MYSQL_FIELD *fields = mysql_fetch_fields(res);

	for (unsigned int i = 0; i < mysql_num_fields(res); i++)
		if (strcmp(fields[i].name, name) == 0)
			return (int) i;
	return -1;
}

/*
 * MySQL's estimate of the rows a table or join query returns
 * (use_remote_estimate): EXPLAIN's rows of each table (times filtered / 100
 * where MySQL says it, as MySQL 8 does), multiplied over a join's tables
 */
double
MysqlRemoteRows(MysqlRelInfo *info, const char *sql)
{
	MysqlConn  *conn = MysqlGetConnection(GetUserMapping(info->userid, info->serverid));
	MYSQL_RES  *res = MysqlQueryAll(conn, psprintf("EXPLAIN %s", sql));
	int			rows_col = FieldIndex(res, "rows");
	int			filtered_col = FieldIndex(res, "filtered");
	double		total = 1;
	MYSQL_ROW	row;

	while ((row = mysql_fetch_row(res)) != NULL)
	{
		double		rows = rows_col >= 0 && row[rows_col] ? strtod(row[rows_col], NULL) : 1;
		double		filtered = filtered_col >= 0 && row[filtered_col] ?
			strtod(row[filtered_col], NULL) / 100 : 1;

		total *= Max(rows * filtered, 1);
	}
	return total;
}

/* MySQL's estimate of the rows of a table's scan with its pushed conditions */
static double
RemoteTableRows(PlannerInfo *root, RelOptInfo *baserel, MysqlRelInfo *info)
{
	Relation	rel = table_open(info->relid, NoLock);
	StringInfoData sql;
	List	   *retrieved_attrs;

	initStringInfo(&sql);
	MysqlDeparseSelect(&sql, root, baserel, rel, &info->opts, info->attrs_used,
					   info->remote_conds, &retrieved_attrs);
	table_close(rel, NoLock);
	return MysqlRemoteRows(info, sql.data);
}

/* Sizes a foreign table: which conditions go to MySQL, how many rows come */
void
MysqlGetForeignRelSize(PlannerInfo *root, RelOptInfo *baserel, Oid relid)
{
	MysqlRelInfo *info = palloc0(sizeof(MysqlRelInfo));
	RangeTblEntry *rte = planner_rt_fetch(baserel->relid, root);
	ListCell   *lc;
	Selectivity sel;

	baserel->fdw_private = info;
	info->relid = relid;
	info->serverid = GetForeignTable(relid)->serverid;
	info->userid = OidIsValid(rte->checkAsUser) ? rte->checkAsUser : GetUserId();
	info->scanrel = baserel;
	MysqlTableOptionsFor(relid, &info->opts);
	foreach(lc, baserel->baserestrictinfo)
	{
		RestrictInfo *ri = lfirst_node(RestrictInfo, lc);

		/* a query's columns have no remote names to filter on */
		if (info->opts.query == NULL &&
			MysqlIsPushableExpr(root, baserel, ri->clause))
			info->remote_conds = lappend(info->remote_conds, ri);
		else
			info->local_conds = lappend(info->local_conds, ri);
	}
	pull_varattnos((Node *) baserel->reltarget->exprs, baserel->relid,
				   &info->attrs_used);
	foreach(lc, info->local_conds)
		pull_varattnos((Node *) lfirst_node(RestrictInfo, lc)->clause,
					   baserel->relid, &info->attrs_used);

	/* never analyzed: guess as postgres_fdw does */
	if (baserel->tuples < 0)
		baserel->tuples = 1000;
	if (info->opts.use_remote_estimate && info->opts.query == NULL)
	{
		/* MySQL counts with its pushed conditions; the local ones here */
		sel = clauselist_selectivity(root, info->local_conds, baserel->relid,
									 JOIN_INNER, NULL);
		baserel->rows = clamp_row_est(RemoteTableRows(root, baserel, info) * sel);
		return;
	}
	sel = clauselist_selectivity(root, baserel->baserestrictinfo, 0,
								 JOIN_INNER, NULL);
	baserel->rows = clamp_row_est(baserel->tuples * sel);
}

/* Offers the one access path: a foreign scan */
void
MysqlGetForeignPaths(PlannerInfo *root, RelOptInfo *baserel, Oid relid)
{
	Cost		total = MYSQL_STARTUP_COST +
		baserel->tuples * MYSQL_ROW_COST + baserel->rows * cpu_tuple_cost;

	add_path(baserel, (Path *)
			 create_foreignscan_path(root, baserel, NULL, baserel->rows,
									 MYSQL_STARTUP_COST, total, NIL,
									 baserel->lateral_relids, NULL, NIL));
}

/* The plan of a scan of one foreign table */
static ForeignScan *
TablePlan(PlannerInfo *root, RelOptInfo *baserel, Oid relid, List *tlist,
		  List *scan_clauses, Plan *outer_plan)
{
	MysqlRelInfo *info = baserel->fdw_private;
	List	   *local_exprs = NIL;
	List	   *remote_exprs = NIL;
	List	   *retrieved_attrs;
	StringInfoData sql;
	Relation	rel;
	ListCell   *lc;

	foreach(lc, scan_clauses)
	{
		RestrictInfo *ri = lfirst_node(RestrictInfo, lc);

		if (ri->pseudoconstant)
			continue;
		if (list_member_ptr(info->remote_conds, ri))
			remote_exprs = lappend(remote_exprs, ri->clause);
		else
			local_exprs = lappend(local_exprs, ri->clause);
	}

	initStringInfo(&sql);
	rel = table_open(relid, NoLock);
	MysqlDeparseSelect(&sql, root, baserel, rel, &info->opts, info->attrs_used,
					   info->remote_conds, &retrieved_attrs);
	table_close(rel, NoLock);

	return make_foreignscan(tlist, local_exprs, baserel->relid,
							NIL,
							list_make2(makeString(sql.data), retrieved_attrs),
							NIL, remote_exprs, outer_plan);
}

/*
 * The columns a remote query without its own table returns (a join, or an
 * upper rel): a grouping's result, or the columns of the table or join
 * that the query needs above it (its reltarget: the plan's own target list
 * may be left out, to be replaced) and that local conditions use.
 */
static List *
RemoteTargetList(MysqlRelInfo *info)
{
	List	   *tlist;
	ListCell   *lc;

	if (info->grouped)
		return add_to_flat_tlist(NIL, info->grouped_exprs);
	tlist = add_to_flat_tlist(NIL, pull_var_clause((Node *) info->scanrel->reltarget->exprs,
												   PVC_RECURSE_PLACEHOLDERS));
	foreach(lc, info->local_conds)
		tlist = add_to_flat_tlist(tlist,
								  pull_var_clause((Node *) lfirst_node(RestrictInfo, lc)->clause,
												  PVC_RECURSE_PLACEHOLDERS));
	return tlist;
}

/*
 * Names the columns of a remote query's target list as the columns they
 * read (a conversion error names them), aggregates by their function
 */
static void
NameRemoteColumns(PlannerInfo *root, List *tlist)
{
	ListCell   *lc;

	foreach(lc, tlist)
	{
		TargetEntry *tle = lfirst_node(TargetEntry, lc);
		Var		   *var = (Var *) tle->expr;

		if (IsA(tle->expr, Aggref))
			tle->resname = get_func_name(((Aggref *) tle->expr)->aggfnoid);
		else if (IsA(var, Var) && var->varattno > 0)
			tle->resname = get_attname(planner_rt_fetch(var->varno, root)->relid,
									   var->varattno, false);
		else if (IsA(var, Var))
			tle->resname = get_rel_name(planner_rt_fetch(var->varno, root)->relid);
	}
}

/* The plan of a remote query over a join, a grouping, an ORDER BY or LIMIT */
static ForeignScan *
RemotePlan(PlannerInfo *root, RelOptInfo *foreignrel, ForeignPath *best_path,
		   List *tlist, Plan *outer_plan)
{
	MysqlRelInfo *info = foreignrel->fdw_private;
	List	   *scan_tlist = RemoteTargetList(info);
	List	   *local_exprs = extract_actual_clauses(info->local_conds, false);
	List	   *retrieved_attrs = NIL;
	StringInfoData sql;

	NameRemoteColumns(root, scan_tlist);
	initStringInfo(&sql);
	MysqlDeparseQuery(&sql, root, foreignrel, get_tlist_exprs(scan_tlist, false),
					  best_path->path.pathkeys);
	for (int i = 1; i <= list_length(scan_tlist); i++)
		retrieved_attrs = lappend_int(retrieved_attrs, i);
	/* a join's local join, for EvalPlanQual: it returns the same columns */
	if (outer_plan != NULL)
		outer_plan = change_plan_targetlist(outer_plan, scan_tlist,
											outer_plan->parallel_safe);
	/* no recheck quals: these rows are not one table's */
	return make_foreignscan(tlist, local_exprs, 0, NIL,
							list_make2(makeString(sql.data), retrieved_attrs),
							scan_tlist, NIL, outer_plan);
}

/* Builds the plan: the remote query, and the conditions checked locally */
ForeignScan *
MysqlGetForeignPlan(PlannerInfo *root, RelOptInfo *foreignrel, Oid relid,
					ForeignPath *best_path, List *tlist, List *scan_clauses,
					Plan *outer_plan)
{
	if (IS_SIMPLE_REL(foreignrel))
		return TablePlan(root, foreignrel, relid, tlist, scan_clauses, outer_plan);
	return RemotePlan(root, foreignrel, best_path, tlist, outer_plan);
}

/* True if a rel's rows can be grouped, sorted or limited in MySQL */
static bool
IsPushableInput(RelOptInfo *input_rel)
{
	MysqlRelInfo *info = input_rel->fdw_private;

	return info != NULL && info->opts.query == NULL &&
		info->local_conds == NIL && !info->limited;
}

/* A copy of a rel's info for the upper rel built on it */
static MysqlRelInfo *
UpperInfo(RelOptInfo *input_rel, RelOptInfo *output_rel)
{
	MysqlRelInfo *info = palloc(sizeof(MysqlRelInfo));

	*info = *(MysqlRelInfo *) input_rel->fdw_private;
	output_rel->fdw_private = info;
	return info;
}

/*
 * Lists the result of a grouped query MySQL can run: each grouping column
 * and aggregate of the target, and the positions of the grouping columns;
 * false if any part cannot be pushed.
 */
static bool
GroupedTarget(PlannerInfo *root, MysqlRelInfo *input, PathTarget *target,
			  List **exprs, List **group_positions)
{
	Query	   *query = root->parse;
	ListCell   *lc;
	int			i = 0;

	*exprs = NIL;
	*group_positions = NIL;
	foreach(lc, target->exprs)
	{
		Expr	   *expr = lfirst(lc);
		Index		sgref = get_pathtarget_sortgroupref(target, i++);

		if (sgref != 0 && get_sortgroupref_clause_noerr(sgref, query->groupClause))
		{
			if (!MysqlIsPushableGroupKey(expr, input->scanrel, input->opts.zero_date))
				return false;
			*group_positions = lappend_int(*group_positions, list_length(*exprs) + 1);
		}
		else if (!MysqlIsPushableGroupedExpr(expr, input->scanrel, input->opts.zero_date) ||
				 !IsA(expr, Aggref))
			return false;
		*exprs = lappend(*exprs, expr);
	}
	return true;
}

/*
 * Adds the aggregates of the HAVING conditions that the result does not
 * have yet to info->grouped_exprs, and lists the conditions in
 * info->having_conds; false if a condition cannot run in MySQL.
 */
static bool
GroupedHaving(PlannerInfo *root, MysqlRelInfo *info, List *having)
{
	ListCell   *lc;

	foreach(lc, having)
	{
		Expr	   *cond = lfirst(lc);
		List	   *aggs = pull_var_clause((Node *) cond, PVC_INCLUDE_AGGREGATES);
		ListCell   *lc2;

		foreach(lc2, aggs)
		{
			Expr	   *agg = lfirst(lc2);

			if (!IsA(agg, Aggref) || list_member(info->grouped_exprs, agg))
				continue;
			if (!MysqlIsPushableGroupedExpr(agg, info->scanrel, info->opts.zero_date))
				return false;
			info->grouped_exprs = lappend(info->grouped_exprs, agg);
		}
		if (!MysqlIsPushableHaving(root, info, cond))
			return false;
		info->having_conds = lappend(info->having_conds, cond);
	}
	return true;
}

/* Offers to run GROUP BY, the aggregates and HAVING in MySQL */
static void
AddGroupedPath(PlannerInfo *root, RelOptInfo *input_rel, RelOptInfo *output_rel,
			   GroupPathExtraData *extra)
{
	PathTarget *target = root->upper_targets[UPPERREL_GROUP_AGG];
	Query	   *query = root->parse;
	MysqlRelInfo *input = input_rel->fdw_private;
	MysqlRelInfo *info;
	List	   *exprs;
	List	   *positions;
	double		rows;

	if ((input_rel->reloptkind != RELOPT_BASEREL &&
		 input_rel->reloptkind != RELOPT_JOINREL) ||
		!IsPushableInput(input_rel) || query->groupingSets || !query->hasAggs ||
		!GroupedTarget(root, input, target, &exprs, &positions))
		return;
	info = UpperInfo(input_rel, output_rel);
	info->grouped = true;
	info->grouped_exprs = exprs;
	info->group_positions = positions;
	info->having_conds = NIL;
	if (!GroupedHaving(root, info, (List *) extra->havingQual))
	{
		output_rel->fdw_private = NULL;
		return;
	}
	rows = positions == NIL ? 1 :
		estimate_num_groups(root, get_sortgrouplist_exprs(query->groupClause,
														  query->targetList),
							input_rel->rows, NULL, NULL);
	if (info->having_conds != NIL)
		rows = clamp_row_est(rows * 0.5);
	add_path(output_rel, (Path *)
			 create_foreign_upper_path(root, output_rel, target, rows,
									   MYSQL_STARTUP_COST,
									   MYSQL_STARTUP_COST + input_rel->tuples * MYSQL_ROW_COST * 0.5 +
									   rows * cpu_tuple_cost,
									   NIL, NULL, NIL));
}

/* True if MySQL can sort the rel's rows by every key of the ORDER BY */
static bool
IsPushableOrder(PlannerInfo *root, MysqlRelInfo *info, List *pathkeys)
{
	ListCell   *lc;

	foreach(lc, pathkeys)
		if (MysqlSortKeyExpr(root, info, lfirst_node(PathKey, lc)) == NULL)
			return false;
	return pathkeys != NIL;
}

/* Our unparameterized path of a rel (the upper rels have no cheapest yet) */
static Path *
RemotePath(RelOptInfo *rel)
{
	ListCell   *lc;

	foreach(lc, rel->pathlist)
	{
		Path	   *path = lfirst(lc);

		if (IsA(path, ForeignPath) && path->param_info == NULL)
			return path;
	}
	return NULL;
}

/* Offers to run the ORDER BY in MySQL */
static void
AddOrderedPath(PlannerInfo *root, RelOptInfo *input_rel, RelOptInfo *output_rel)
{
	Query	   *query = root->parse;
	MysqlRelInfo *input = input_rel->fdw_private;
	Path	   *input_path = RemotePath(input_rel);
	Cost		total;

	/* FOR UPDATE rechecks rows by the table's own scan: none here */
	if (!IsPushableInput(input_rel) || input_path == NULL || query->hasTargetSRFs ||
		query->rowMarks != NIL ||
		!IsPushableOrder(root, input, root->sort_pathkeys))
		return;
	UpperInfo(input_rel, output_rel);
	/* MySQL sorts what it sends: the sort costs less there than here */
	total = input_path->total_cost + input_path->rows * cpu_operator_cost;
	add_path(output_rel, (Path *)
			 create_foreign_upper_path(root, output_rel,
									   root->upper_targets[UPPERREL_ORDERED],
									   input_path->rows, input_path->startup_cost,
									   total, root->sort_pathkeys, NULL, NIL));
}

/* True for a LIMIT or OFFSET MySQL can take: none, or a constant >= 0 */
static bool
IsPushableLimitValue(Node *node)
{
	Const	   *c = (Const *) node;

	if (node == NULL)
		return true;
	if (!IsA(node, Const) || c->consttype != INT8OID)
		return false;
	return c->constisnull || DatumGetInt64(c->constvalue) >= 0;
}

/*
 * Offers to run LIMIT/OFFSET in MySQL, when everything below it runs
 * there: the input is our table, join or grouping with no local
 * condition, and sorted there if the query has an ORDER BY.
 */
static void
AddFinalPath(PlannerInfo *root, RelOptInfo *input_rel, RelOptInfo *output_rel,
			 FinalPathExtraData *extra)
{
	Query	   *query = root->parse;
	Path	   *input_path = RemotePath(input_rel);
	MysqlRelInfo *info;
	double		rows;

	if (!extra->limit_needed || !IsPushableInput(input_rel) || input_path == NULL ||
		query->hasTargetSRFs || query->rowMarks != NIL ||
		query->limitOption == LIMIT_OPTION_WITH_TIES ||
		!IsPushableLimitValue(query->limitCount) ||
		!IsPushableLimitValue(query->limitOffset))
		return;
	/* sorted here, not in MySQL: the LIMIT stays here too */
	if (query->sortClause != NIL &&
		input_rel != fetch_upper_rel(root, UPPERREL_ORDERED, NULL))
		return;
	info = UpperInfo(input_rel, output_rel);
	info->limited = true;
	rows = input_path->rows;
	if (extra->count_est > 0)
		rows = Min(rows, extra->count_est);
	add_path(output_rel, (Path *)
			 create_foreign_upper_path(root, output_rel,
									   root->upper_targets[UPPERREL_FINAL],
									   rows, input_path->startup_cost,
									   input_path->startup_cost + rows * cpu_tuple_cost,
									   query->sortClause != NIL ? root->sort_pathkeys : NIL,
									   NULL, NIL));
}

/* Offers to run the grouping, ORDER BY and LIMIT in MySQL */
void
MysqlGetForeignUpperPaths(PlannerInfo *root, UpperRelationKind stage,
						  RelOptInfo *input_rel, RelOptInfo *output_rel,
						  void *extra)
{
	/* one path per upper rel */
	if (output_rel->fdw_private != NULL)
		return;
	switch (stage)
	{
		case UPPERREL_GROUP_AGG:
			AddGroupedPath(root, input_rel, output_rel, extra);
			break;
		case UPPERREL_ORDERED:
			AddOrderedPath(root, input_rel, output_rel);
			break;
		case UPPERREL_FINAL:
			AddFinalPath(root, input_rel, output_rel, extra);
			break;
		default:
			break;
	}
}
