/*-------------------------------------------------------------------------
 *
 * s3_plan.c
 *	  Planning a federated_s3 scan: listing the objects the URI selects,
 *	  hive-style partition columns, pruning objects with the WHERE clause
 *	  before any GET, cost estimates, the plan, and EXPLAIN.
 *
 * The objects are listed once, when the scan is planned, and carried in
 * the plan (so EXPLAIN can say what a query will read).  A column is a
 * partition column when the first selected object's key holds a
 * directory segment "column=value"; every selected object must then hold
 * one.  A WHERE condition that refers to partition columns only (and
 * calls nothing volatile) is folded to a constant for each object, with
 * the object's values in place of the columns; an object for which it is
 * false or null is dropped from the plan.  The condition stays in the
 * scan's filter, so pruning only ever saves work.
 *
 * IDENTIFICATION
 *	  src/fdw/s3/s3_plan.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/sysattr.h"
#include "access/table.h"
#include "commands/explain.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/clauses.h"
#include "optimizer/cost.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "optimizer/planmain.h"
#include "optimizer/restrictinfo.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"

#include "fdw/s3/s3_fdw.h"
#include "fdw/s3/s3_glob.h"

/* Hive's name for the partition of NULL values */
#define HIVE_DEFAULT_PARTITION	"__HIVE_DEFAULT_PARTITION__"
/* How many times larger than stored a compressed object is guessed to be */
#define COMPRESSION_RATIO		5

/* What planning learned about a scan, kept in baserel->fdw_private */
typedef struct S3PlanState
{
	S3Table    *table;
	List	   *objects;		/* S3ScanObject, after pruning */
	List	   *partition_attnums;	/* IntList */
	int			listed;			/* objects the URI selected */
	int64		list_requests;
	int64		bytes;			/* stored size of the objects to read */
	double		ntuples;		/* rows guessed in the objects to read */
} S3PlanState;

/*--- Selecting objects ---*/

/* True when the URI selects key (listing by prefix returns more) */
static bool
Selected(const S3Table *table, const char *key)
{
	if (table->is_glob)
		return s3_glob_match(table->pattern, key);
	if (table->is_prefix)
		return true;
	return strcmp(table->pattern, key) == 0;
}

/* The listed objects the URI selects, counting the list requests */
static List *
SelectObjects(const S3Table *table, S3Counters *counters)
{
	List	   *listed = S3ListObjects(&table->endpoint, table->bucket,
									   table->list_prefix, counters);
	List	   *selected = NIL;
	ListCell   *lc;

	foreach(lc, listed)
	{
		S3Object   *object = lfirst(lc);
		S3ScanObject *so;

		/* "directory" placeholders hold no rows */
		if (!Selected(table, object->key) ||
			object->key[strlen(object->key) - 1] == '/')
			continue;
		so = palloc0(sizeof(S3ScanObject));
		so->object = *object;
		selected = lappend(selected, so);
	}
	if (!table->is_glob && !table->is_prefix && selected == NIL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_FILE),
				 errmsg("object %s does not exist",
						S3DisplayName(table->bucket, table->pattern)),
				 errhint("Check the foreign table's uri option; a prefix ends in '/'.")));
	return selected;
}

/*--- Partitions ---*/

/* The partition columns: those named "column=..." in the first object's key */
static List *
PartitionAttnums(Relation rel, List *objects)
{
	TupleDesc	desc = RelationGetDescr(rel);
	List	   *attnums = NIL;
	const char *key;

	if (objects == NIL)
		return NIL;
	key = ((S3ScanObject *) linitial(objects))->object.key;
	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute attr = TupleDescAttr(desc, i);
		size_t		len;

		if (!attr->attisdropped &&
			s3_partition_value(key, NameStr(attr->attname), &len) != NULL)
			attnums = lappend_int(attnums, attr->attnum);
	}
	return attnums;
}

/* Records each object's raw partition values; ERROR if one lacks a value */
static void
ReadPartitionValues(const S3Table *table, Relation rel, List *objects,
					List *attnums)
{
	ListCell   *lc;

	foreach(lc, objects)
	{
		S3ScanObject *so = lfirst(lc);
		ListCell   *la;

		foreach(la, attnums)
		{
			const char *name = NameStr(TupleDescAttr(RelationGetDescr(rel),
													 lfirst_int(la) - 1)->attname);
			size_t		len;
			const char *value = s3_partition_value(so->object.key, name, &len);

			if (value == NULL)
				ereport(ERROR,
						(errcode(ERRCODE_FDW_INVALID_DATA_TYPE),
						 errmsg("object %s has no partition value for column \"%s\"",
								S3DisplayName(table->bucket, so->object.key), name),
						 errdetail("Every object of a hive-partitioned table needs a directory \"%s=value\" in its key.",
								   name)));
			so->partition_values = lappend(so->partition_values,
										   makeString(pnstrdup(value, len)));
		}
	}
}

/*
 * Every object the table's URI selects (S3ScanObject, with its partition
 * values), none pruned; *partition_attnums gets the partition columns
 */
List *
S3TableObjects(const S3Table *table, Relation rel, List **partition_attnums,
			   S3Counters *counters)
{
	List	   *objects = SelectObjects(table, counters);

	*partition_attnums = PartitionAttnums(rel, objects);
	ReadPartitionValues(table, rel, objects, *partition_attnums);
	return objects;
}

/* The text of a partition value: hive escapes decoded; NULL for hive's null */
char *
S3PartitionValueText(const char *raw)
{
	size_t		len = strlen(raw);
	char	   *text = palloc(len + 1);

	if (strcmp(raw, HIVE_DEFAULT_PARTITION) == 0)
		return NULL;
	s3_partition_decode(raw, len, text);
	return text;
}

/* What PartitionValueContext names */
typedef struct PartitionValueSource
{
	const char *column;
	const char *bucket;
	const char *key;
} PartitionValueSource;

/* An error context line: the partition value being converted */
static void
PartitionValueContext(void *arg)
{
	PartitionValueSource *source = (PartitionValueSource *) arg;

	errcontext("partition value of column \"%s\" in object %s", source->column,
			   S3DisplayName(source->bucket, source->key));
}

/*
 * A partition value of an object converted to the column's type; *isnull
 * for hive's null partition.  A value the type rejects is an ERROR that
 * names the column and the object.
 */
Datum
S3PartitionDatum(Form_pg_attribute attr, const char *raw, const char *bucket,
				 const char *key, bool *isnull)
{
	char	   *text = S3PartitionValueText(raw);
	PartitionValueSource source = {NameStr(attr->attname), bucket, key};
	ErrorContextCallback errcallback;
	Oid			typinput;
	Oid			typioparam;
	Datum		value;

	*isnull = (text == NULL);
	if (text == NULL)
		return (Datum) 0;
	errcallback.callback = PartitionValueContext;
	errcallback.arg = &source;
	errcallback.previous = error_context_stack;
	error_context_stack = &errcallback;
	getTypeInputInfo(attr->atttypid, &typinput, &typioparam);
	value = OidInputFunctionCall(typinput, text, typioparam, attr->atttypmod);
	error_context_stack = errcallback.previous;
	return value;
}

/* A partition value as a Const of the column's type */
static Const *
PartitionConst(Form_pg_attribute attr, const char *raw, const char *bucket,
			   const char *key)
{
	bool		isnull;
	Datum		value = S3PartitionDatum(attr, raw, bucket, key, &isnull);
	int16		typlen;
	bool		typbyval;

	get_typlenbyval(attr->atttypid, &typlen, &typbyval);
	return makeConst(attr->atttypid, attr->atttypmod, attr->attcollation,
					 typlen, value, isnull, typbyval);
}

/* What SubstituteValues needs */
typedef struct SubstituteContext
{
	Index		relid;
	Relation	rel;
	List	   *attnums;
	const S3Table *table;
	const S3ScanObject *object;
} SubstituteContext;

/* Replaces the partition columns of an expression by an object's values */
static Node *
SubstituteValues(Node *node, SubstituteContext *cxt)
{
	if (node == NULL)
		return NULL;
	if (IsA(node, Var) && ((Var *) node)->varno == cxt->relid &&
		((Var *) node)->varlevelsup == 0)
	{
		Var		   *var = (Var *) node;
		ListCell   *lc;

		foreach(lc, cxt->attnums)
			if (lfirst_int(lc) == var->varattno)
				return (Node *) PartitionConst(TupleDescAttr(RelationGetDescr(cxt->rel),
															 var->varattno - 1),
											   strVal(list_nth(cxt->object->partition_values,
															   foreach_current_index(lc))),
											   cxt->table->bucket, cxt->object->object.key);
	}
	return expression_tree_mutator(node, SubstituteValues, (void *) cxt);
}

/* The WHERE conditions that refer to partition columns only */
static List *
PruningClauses(RelOptInfo *baserel, List *attnums)
{
	List	   *clauses = NIL;
	ListCell   *lc;

	foreach(lc, baserel->baserestrictinfo)
	{
		RestrictInfo *ri = lfirst(lc);
		Bitmapset  *attrs = NULL;
		int			k = -1;
		bool		only_partitions = true;

		pull_varattnos((Node *) ri->clause, baserel->relid, &attrs);
		if (attrs == NULL || contain_volatile_functions((Node *) ri->clause))
			continue;
		while ((k = bms_next_member(attrs, k)) >= 0)
			if (!list_member_int(attnums, k + FirstLowInvalidHeapAttributeNumber))
				only_partitions = false;
		if (only_partitions)
			clauses = lappend(clauses, ri->clause);
	}
	return clauses;
}

/* True when a clause is false or null for the object's partition values */
static bool
PrunedBy(PlannerInfo *root, Expr *clause, SubstituteContext *cxt)
{
	Node	   *folded = eval_const_expressions(root,
												SubstituteValues((Node *) clause, cxt));

	return IsA(folded, Const) &&
		(((Const *) folded)->constisnull || !DatumGetBool(((Const *) folded)->constvalue));
}

/* Drops the objects the WHERE clause rules out by their partition values */
static List *
PruneObjects(PlannerInfo *root, RelOptInfo *baserel, Relation rel,
			 const S3Table *table, List *objects, List *attnums)
{
	List	   *clauses = PruningClauses(baserel, attnums);
	List	   *kept = NIL;
	ListCell   *lc;

	if (clauses == NIL)
		return objects;
	foreach(lc, objects)
	{
		S3ScanObject *so = lfirst(lc);
		SubstituteContext cxt = {baserel->relid, rel, attnums, table, so};
		bool		pruned = false;
		ListCell   *lcc;

		foreach(lcc, clauses)
			if (!pruned && PrunedBy(root, lfirst(lcc), &cxt))
				pruned = true;
		if (!pruned)
			kept = lappend(kept, so);
	}
	return kept;
}

/*--- Sizes and paths ---*/

/* The pages a table's size stands for, as ANALYZE records them */
BlockNumber
S3SizePages(int64 bytes)
{
	return (BlockNumber) Min((bytes + BLCKSZ - 1) / BLCKSZ, (int64) MaxBlockNumber);
}

/* The stored size of a list of S3ScanObject */
static int64
ObjectsBytes(List *objects)
{
	int64		bytes = 0;
	ListCell   *lc;

	foreach(lc, objects)
		bytes += ((S3ScanObject *) lfirst(lc))->object.size;
	return bytes;
}

/* Rows guessed from the objects' (decompressed) size over the row width */
static double
RowsBySize(RelOptInfo *baserel, const S3Table *table, List *objects)
{
	double		width = MAXALIGN(baserel->reltarget->width) +
		MAXALIGN(SizeofHeapTupleHeader);
	double		rows = 0;
	ListCell   *lc;

	foreach(lc, objects)
	{
		S3ScanObject *so = lfirst(lc);
		double		size = so->object.size;

		if (S3ObjectCompression(table, so->object.key) != S3_COMPRESSION_NONE)
			size *= COMPRESSION_RATIO;
		rows += size / width;
	}
	return rows;
}

/*
 * Guesses the rows: ps->ntuples those of the objects to read, the result
 * those the WHERE clause keeps.  After ANALYZE: its rows per page times
 * the pages of the objects (all listed ones for the result, whose
 * selectivity the statistics of the partition columns already give);
 * before: the objects' size over the row width.
 */
static double
EstimateRows(PlannerInfo *root, RelOptInfo *baserel, S3PlanState *ps,
			 List *listed)
{
	Selectivity sel = clauselist_selectivity(root, baserel->baserestrictinfo,
											 0, JOIN_INNER, NULL);
	double		density;

	if (baserel->tuples < 0 || baserel->pages == 0)
	{
		ps->ntuples = clamp_row_est(RowsBySize(baserel, ps->table, ps->objects));
		return ps->ntuples * sel;
	}
	density = baserel->tuples / baserel->pages;
	ps->ntuples = clamp_row_est(density * S3SizePages(ps->bytes));
	return density * S3SizePages(ObjectsBytes(listed)) * sel;
}

/* Lists, selects and prunes the objects, and guesses the rows */
void
S3GetForeignRelSize(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid)
{
	S3PlanState *ps = palloc0(sizeof(S3PlanState));
	S3Counters	counters = {0};
	Relation	rel;
	List	   *listed;

	ps->table = S3GetTable(foreigntableid,
						   OidIsValid(baserel->userid) ? baserel->userid : GetUserId());
	rel = table_open(foreigntableid, AccessShareLock);
	listed = S3TableObjects(ps->table, rel, &ps->partition_attnums, &counters);
	ps->listed = list_length(listed);
	ps->list_requests = counters.list_requests;
	ps->objects = PruneObjects(root, baserel, rel, ps->table, listed,
							   ps->partition_attnums);
	table_close(rel, AccessShareLock);

	ps->bytes = ObjectsBytes(ps->objects);
	baserel->rows = clamp_row_est(EstimateRows(root, baserel, ps, listed));
	baserel->fdw_private = ps;
}

/* The units a parallel scan divides: objects, or their byte ranges */
static int
ParallelUnits(const S3PlanState *ps)
{
	int64		units = 0;
	ListCell   *lc;

	foreach(lc, ps->objects)
		units += S3ObjectRanges(ps->table, &((S3ScanObject *) lfirst(lc))->object);
	return (int) Min(units, PG_INT32_MAX);
}

/*
 * A partial path for a parallel plan: the leader and the workers take the
 * units (objects, or byte ranges of large ones) one at a time from a
 * shared counter, so there is no use for more processes than units
 */
static void
AddPartialPath(PlannerInfo *root, RelOptInfo *baserel, int nunits,
			   Cost startup, Cost run)
{
	int			workers = Min(nunits - 1, max_parallel_workers_per_gather);
	double		divisor = workers;
	ForeignPath *path;

	if (workers <= 0)
		return;
	/* the leader's share shrinks as workers are added, as for heap scans */
	if (parallel_leader_participation && 1.0 - 0.3 * workers > 0)
		divisor += 1.0 - 0.3 * workers;
	path = create_foreignscan_path(root, baserel, NULL,
								   clamp_row_est(baserel->rows / divisor),
								   startup, startup + run / divisor, NIL,
								   baserel->lateral_relids, NULL, NIL);
	path->path.parallel_aware = true;
	path->path.parallel_safe = true;
	path->path.parallel_workers = workers;
	add_partial_path(baserel, (Path *) path);
}

/* One path: a GET of every object, parsing every row (and a partial one) */
void
S3GetForeignPaths(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid)
{
	S3PlanState *ps = baserel->fdw_private;
	Cost		startup = baserel->baserestrictcost.startup;
	Cost		run;

	run = seq_page_cost * ((double) ps->bytes / BLCKSZ) +
		(cpu_tuple_cost * 10 + baserel->baserestrictcost.per_tuple) * ps->ntuples +
		list_length(ps->objects) * 10.0;
	add_path(baserel, (Path *)
			 create_foreignscan_path(root, baserel, NULL, baserel->rows,
									 startup, startup + run, NIL,
									 baserel->lateral_relids, NULL, NIL));
	if (baserel->consider_parallel)
		AddPartialPath(root, baserel, ParallelUnits(ps), startup, run);
}

/* The columns the query uses (attnums); every column for a whole-row use */
static List *
RetrievedAttnums(RelOptInfo *baserel, Oid relid)
{
	Bitmapset  *attrs = NULL;
	List	   *attnums = NIL;
	Relation	rel = table_open(relid, AccessShareLock);
	TupleDesc	desc = RelationGetDescr(rel);
	ListCell   *lc;
	bool		whole_row;

	pull_varattnos((Node *) baserel->reltarget->exprs, baserel->relid, &attrs);
	foreach(lc, baserel->baserestrictinfo)
		pull_varattnos((Node *) ((RestrictInfo *) lfirst(lc))->clause,
					   baserel->relid, &attrs);
	whole_row = bms_is_member(0 - FirstLowInvalidHeapAttributeNumber, attrs);
	for (int i = 0; i < desc->natts; i++)
	{
		AttrNumber	attnum = TupleDescAttr(desc, i)->attnum;

		if (TupleDescAttr(desc, i)->attisdropped)
			continue;
		if (whole_row ||
			bms_is_member(attnum - FirstLowInvalidHeapAttributeNumber, attrs))
			attnums = lappend_int(attnums, attnum);
	}
	table_close(rel, AccessShareLock);
	return attnums;
}

/* An object as the plan carries it: key, size, ETag, partition values */
static List *
ObjectToList(const S3ScanObject *so)
{
	List	   *item = list_make3(makeString(so->object.key),
								  makeString(psprintf(INT64_FORMAT, so->object.size)),
								  makeString(so->object.etag ? so->object.etag : ""));

	return list_concat(item, so->partition_values);
}

/* The plan: every condition stays in the filter; objects in fdw_private */
ForeignScan *
S3GetForeignPlan(PlannerInfo *root, RelOptInfo *baserel, Oid foreigntableid,
				 ForeignPath *best_path, List *tlist, List *scan_clauses,
				 Plan *outer_plan)
{
	S3PlanState *ps = baserel->fdw_private;
	List	   *objects = NIL;
	List	   *private;
	ListCell   *lc;

	foreach(lc, ps->objects)
		objects = lappend(objects, ObjectToList(lfirst(lc)));
	private = list_make5(objects, ps->partition_attnums,
						 RetrievedAttnums(baserel, foreigntableid),
						 makeInteger(ps->listed), makeInteger((int) ps->list_requests));
	scan_clauses = extract_actual_clauses(scan_clauses, false);
	return make_foreignscan(tlist, scan_clauses, baserel->relid, NIL, private,
							NIL, NIL, outer_plan);
}

/* The objects of a plan's fdw_private, as S3ScanObject */
List *
S3PlanObjects(List *fdw_private)
{
	List	   *objects = NIL;
	ListCell   *lc;

	foreach(lc, (List *) list_nth(fdw_private, S3_PLAN_OBJECTS))
	{
		List	   *item = lfirst(lc);
		S3ScanObject *so = palloc0(sizeof(S3ScanObject));

		so->object.key = strVal(linitial(item));
		so->object.size = strtoi64(strVal(lsecond(item)), NULL, 10);
		so->object.etag = strVal(lthird(item));
		so->partition_values = list_copy_tail(item, 3);
		objects = lappend(objects, so);
	}
	return objects;
}

/*--- EXPLAIN ---*/

/*
 * The URI, the objects to read out of those listed, bytes, requests, and
 * in a parallel plan the byte ranges the objects are divided into
 */
void
S3ExplainForeignScan(ForeignScanState *node, ExplainState *es)
{
	List	   *private = ((ForeignScan *) node->ss.ps.plan)->fdw_private;
	List	   *objects = S3PlanObjects(private);
	int64		bytes = 0;
	int64		ranges = 0;
	ListCell   *lc;
	S3Table    *table = S3GetTable(RelationGetRelid(node->ss.ss_currentRelation),
								   GetUserId());

	foreach(lc, objects)
	{
		bytes += ((S3ScanObject *) lfirst(lc))->object.size;
		ranges += S3ObjectRanges(table, &((S3ScanObject *) lfirst(lc))->object);
	}
	ExplainPropertyText("S3 URI", table->uri, es);
	if (es->format == EXPLAIN_FORMAT_TEXT)
		ExplainPropertyText("S3 Objects",
							psprintf("%d of %d listed, " INT64_FORMAT " bytes",
									 list_length(objects),
									 intVal(list_nth(private, S3_PLAN_LISTED)), bytes),
							es);
	else
	{
		ExplainPropertyInteger("S3 Objects", NULL, list_length(objects), es);
		ExplainPropertyInteger("S3 Objects Listed", NULL,
							   intVal(list_nth(private, S3_PLAN_LISTED)), es);
		ExplainPropertyInteger("S3 Bytes", NULL, bytes, es);
	}
	ExplainPropertyInteger("S3 List Requests", NULL,
						   intVal(list_nth(private, S3_PLAN_LIST_REQUESTS)), es);
	if (node->ss.ps.plan->parallel_aware && ranges > list_length(objects))
		ExplainPropertyInteger("S3 Byte Ranges", NULL, ranges, es);
	if (es->analyze)
		S3ExplainScanCounters(node, es);
}
