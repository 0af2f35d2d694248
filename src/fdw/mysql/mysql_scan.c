/*-------------------------------------------------------------------------
 *
 * mysql_scan.c
 *	  Planning and execution of federated_mysql's scans of one table: the
 *	  conditions MySQL can evaluate go into the remote query, the rows
 *	  stream in as the executor asks for them, and only the columns the
 *	  query uses are fetched and converted.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/sysattr.h"
#include "access/table.h"
#include "commands/explain.h"
#include "executor/executor.h"
#include "foreign/fdwapi.h"
#include "miscadmin.h"
#include "optimizer/cost.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "optimizer/planmain.h"
#include "optimizer/restrictinfo.h"
#include "optimizer/tlist.h"
#include "parser/parsetree.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/selfuncs.h"

#include "fdw/mysql/federated_mysql.h"

/* Planner estimates: a round trip, and the cost of a row from MySQL */
#define MYSQL_STARTUP_COST 100.0
#define MYSQL_ROW_COST 0.01

/*
 * What the planner knows about a foreign table (baserel->fdw_private), or
 * about an aggregation of one done in MySQL (the upper rel's).
 */
typedef struct MysqlRelInfo
{
	MysqlTableOptions opts;
	Oid			relid;			/* the foreign table */
	RelOptInfo *scanrel;		/* the table's base rel */
	List	   *remote_conds;	/* RestrictInfos MySQL evaluates */
	List	   *local_conds;	/* RestrictInfos evaluated here */
	Bitmapset  *attrs_used;		/* columns the query needs */
	bool		grouped;		/* an upper rel: GROUP BY runs in MySQL */
	List	   *grouped_exprs;	/* its result: grouping columns, aggregates */
	List	   *group_positions;	/* 1-based positions of grouping columns */
} MysqlRelInfo;

/* Indexes of the fdw_private list of a ForeignScan plan */
enum
{
	MYSQL_PRIVATE_SQL,			/* the remote query (String) */
	MYSQL_PRIVATE_ATTRS			/* attribute numbers it returns (IntList) */
};

/* Execution state of a scan */
typedef struct MysqlScanState
{
	MysqlConn  *conn;
	char	   *sql;
	List	   *retrieved_attrs;
	MysqlTableOptions opts;
	MysqlColumnConverter *converters;	/* one per retrieved column */
	MysqlStream *stream;		/* NULL until the first row is asked for */
	MemoryContext row_cxt;		/* reset for every row */
	const char *relname;		/* for messages */
	int			current;		/* column being converted, for messages */
} MysqlScanState;

static ForeignScan *GroupedPlan(PlannerInfo *root, MysqlRelInfo *info,
								List *tlist, Plan *outer_plan);

/* Sizes a foreign table: which conditions go to MySQL, how many rows come */
void
MysqlGetForeignRelSize(PlannerInfo *root, RelOptInfo *baserel, Oid relid)
{
	MysqlRelInfo *info = palloc0(sizeof(MysqlRelInfo));
	ListCell   *lc;
	Selectivity sel;

	baserel->fdw_private = info;
	info->relid = relid;
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

/* Builds the plan: the remote query, and the conditions checked locally */
ForeignScan *
MysqlGetForeignPlan(PlannerInfo *root, RelOptInfo *baserel, Oid relid,
					ForeignPath *best_path, List *tlist, List *scan_clauses,
					Plan *outer_plan)
{
	MysqlRelInfo *info = baserel->fdw_private;
	List	   *local_exprs = NIL;
	List	   *remote_exprs = NIL;
	List	   *retrieved_attrs;
	StringInfoData sql;
	Relation	rel;
	ListCell   *lc;

	if (info->grouped)
		return GroupedPlan(root, info, tlist, outer_plan);
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

/* The plan of an aggregation done in MySQL */
static ForeignScan *
GroupedPlan(PlannerInfo *root, MysqlRelInfo *info, List *tlist, Plan *outer_plan)
{
	StringInfoData sql;
	List	   *retrieved_attrs = NIL;

	initStringInfo(&sql);
	MysqlDeparseGroupedSelect(&sql, root, info->scanrel, info->relid, &info->opts,
							  info->grouped_exprs, info->remote_conds,
							  info->group_positions);
	for (int i = 1; i <= list_length(info->grouped_exprs); i++)
		retrieved_attrs = lappend_int(retrieved_attrs, i);
	/* no recheck quals: an aggregate's rows are not the table's */
	return make_foreignscan(tlist, NIL, 0, NIL,
							list_make2(makeString(sql.data), retrieved_attrs),
							add_to_flat_tlist(NIL, info->grouped_exprs),
							NIL, outer_plan);
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

/* Offers to run GROUP BY and aggregates in MySQL */
void
MysqlGetForeignUpperPaths(PlannerInfo *root, UpperRelationKind stage,
						  RelOptInfo *input_rel, RelOptInfo *output_rel,
						  void *extra)
{
	MysqlRelInfo *input = input_rel->fdw_private;
	PathTarget *target = root->upper_targets[UPPERREL_GROUP_AGG];
	Query	   *query = root->parse;
	MysqlRelInfo *info;
	List	   *exprs;
	List	   *positions;
	double		rows;

	if (stage != UPPERREL_GROUP_AGG || input == NULL || input->grouped ||
		output_rel->fdw_private != NULL ||
		input_rel->reloptkind != RELOPT_BASEREL || input->opts.query != NULL ||
		input->local_conds != NIL || query->groupingSets || query->havingQual ||
		!query->hasAggs ||
		!GroupedTarget(root, input, target, &exprs, &positions))
		return;

	info = palloc0(sizeof(MysqlRelInfo));
	*info = *input;
	info->grouped = true;
	info->grouped_exprs = exprs;
	info->group_positions = positions;
	output_rel->fdw_private = info;
	rows = positions == NIL ? 1 :
		estimate_num_groups(root, get_sortgrouplist_exprs(query->groupClause,
														  query->targetList),
							input_rel->rows, NULL, NULL);
	add_path(output_rel, (Path *)
			 create_foreign_upper_path(root, output_rel, target, rows,
									   MYSQL_STARTUP_COST,
									   MYSQL_STARTUP_COST + input_rel->tuples * MYSQL_ROW_COST * 0.5 +
									   rows * cpu_tuple_cost,
									   NIL, NULL, NIL));
}

/* The connection of the user a table is accessed as (checkAsUser) */
static MysqlConn *
MysqlConnectionForScan(EState *estate, Index rtindex, Oid relid)
{
	RangeTblEntry *rte = exec_rt_fetch(rtindex, estate);
	Oid			userid = rte->checkAsUser ? rte->checkAsUser : GetUserId();

	return MysqlGetConnection(GetUserMapping(userid,
											 GetForeignTable(relid)->serverid));
}

/* Names the column being converted when a conversion fails */
static void
ConversionErrorContext(void *arg)
{
	MysqlScanState *state = arg;

	if (state->current >= 0)
		errcontext("column \"%s\" of foreign table \"%s\"",
				   state->converters[state->current].name, state->relname);
}

/* Prepares a scan; the remote query runs at the first row */
void
MysqlBeginForeignScan(ForeignScanState *node, int eflags)
{
	ForeignScan *plan = (ForeignScan *) node->ss.ps.plan;
	TupleDesc	tupdesc = node->ss.ss_ScanTupleSlot->tts_tupleDescriptor;
	MysqlScanState *state = palloc0(sizeof(MysqlScanState));
	Index		rtindex = plan->scan.scanrelid > 0 ? plan->scan.scanrelid :
		bms_next_member(plan->fs_relids, -1);
	Oid			relid = exec_rt_fetch(rtindex, node->ss.ps.state)->relid;

	node->fdw_state = state;
	state->sql = strVal(list_nth(plan->fdw_private, MYSQL_PRIVATE_SQL));
	state->retrieved_attrs = list_nth(plan->fdw_private, MYSQL_PRIVATE_ATTRS);
	state->relname = get_rel_name(relid);
	state->current = -1;
	if (eflags & EXEC_FLAG_EXPLAIN_ONLY)
		return;

	MysqlTableOptionsFor(relid, &state->opts);
	state->conn = MysqlConnectionForScan(node->ss.ps.state, rtindex, relid);
	state->converters = MysqlConvertersFor(tupdesc, state->retrieved_attrs);
	state->row_cxt = AllocSetContextCreate(node->ss.ps.state->es_query_cxt,
										   "federated_mysql row",
										   ALLOCSET_SMALL_SIZES);
}

/* One converter per retrieved attribute of a tuple descriptor */
MysqlColumnConverter *
MysqlConvertersFor(TupleDesc tupdesc, List *attrs)
{
	MysqlColumnConverter *converters =
		palloc0(sizeof(MysqlColumnConverter) * Max(list_length(attrs), 1));
	ListCell   *lc;
	int			i = 0;

	foreach(lc, attrs)
	{
		Form_pg_attribute att = TupleDescAttr(tupdesc, lfirst_int(lc) - 1);

		MysqlConverterInit(&converters[i++], att->atttypid, att->atttypmod,
						   pstrdup(NameStr(att->attname)));
	}
	return converters;
}

/* Binds converters to the fields of a result, which must match in number */
void
MysqlConvertersBind(MysqlColumnConverter *converters, MysqlStream *stream,
					int expected, const char *relname)
{
	int			nfields;
	MYSQL_FIELD *fields = MysqlStreamFields(stream, &nfields);

	/* no column needed: the query selects NULL */
	if (expected == 0 && nfields == 1)
		nfields = 0;
	if (nfields != expected)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_COLUMN_NUMBER),
				 errmsg("remote query of foreign table \"%s\" returned %d columns, %d expected",
						relname, nfields, expected)));
	for (int i = 0; i < expected; i++)
		MysqlConverterBindField(&converters[i], &fields[i]);
}

/* Converts a remote row into the slot */
static void
StoreRow(MysqlScanState *state, TupleTableSlot *slot, MYSQL_ROW row,
		 unsigned long *lengths)
{
	ErrorContextCallback errcallback;
	ListCell   *lc;
	int			i = 0;

	errcallback.callback = ConversionErrorContext;
	errcallback.arg = state;
	errcallback.previous = error_context_stack;
	error_context_stack = &errcallback;

	memset(slot->tts_isnull, true, sizeof(bool) * slot->tts_tupleDescriptor->natts);
	foreach(lc, state->retrieved_attrs)
	{
		int			attnum = lfirst_int(lc);

		state->current = i;
		slot->tts_values[attnum - 1] =
			MysqlConvertValue(&state->converters[i], row[i], lengths[i],
							  state->opts.zero_date, &slot->tts_isnull[attnum - 1]);
		i++;
	}
	state->current = -1;
	error_context_stack = errcallback.previous;
	ExecStoreVirtualTuple(slot);
}

/* Returns the next row, or an empty slot at the end */
TupleTableSlot *
MysqlIterateForeignScan(ForeignScanState *node)
{
	MysqlScanState *state = node->fdw_state;
	TupleTableSlot *slot = node->ss.ss_ScanTupleSlot;
	MemoryContext old;
	unsigned long *lengths;
	MYSQL_ROW	row;

	if (state->stream == NULL)
	{
		state->stream = MysqlStreamOpen(state->conn, state->sql,
										state->opts.fetch_size,
										node->ss.ps.state->es_query_cxt);
		MysqlConvertersBind(state->converters, state->stream,
							list_length(state->retrieved_attrs), state->relname);
	}
	ExecClearTuple(slot);
	MemoryContextReset(state->row_cxt);
	row = MysqlStreamNext(state->stream, &lengths);
	if (row == NULL)
		return slot;
	old = MemoryContextSwitchTo(state->row_cxt);
	StoreRow(state, slot, row, lengths);
	MemoryContextSwitchTo(old);
	return slot;
}

/* Starts the scan over: the query runs again at the next row */
void
MysqlReScanForeignScan(ForeignScanState *node)
{
	MysqlScanState *state = node->fdw_state;

	if (state->stream != NULL)
		MysqlStreamClose(state->stream);
	state->stream = NULL;
}

/* Ends a scan, freeing the connection for the next command */
void
MysqlEndForeignScan(ForeignScanState *node)
{
	MysqlScanState *state = node->fdw_state;

	if (state != NULL && state->stream != NULL)
		MysqlStreamClose(state->stream);
}

/* Shows the remote query in EXPLAIN VERBOSE */
void
MysqlExplainForeignScan(ForeignScanState *node, ExplainState *es)
{
	MysqlScanState *state = node->fdw_state;

	if (es->verbose)
		ExplainPropertyText("Remote SQL", state->sql, es);
}
