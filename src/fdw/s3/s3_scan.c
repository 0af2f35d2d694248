/*-------------------------------------------------------------------------
 *
 * s3_scan.c
 *	  Executing a federated_s3 scan: the plan's objects one after another,
 *	  each streamed (s3_stream.c) into PostgreSQL's COPY parser (CSV,
 *	  text) or the JSON Lines reader, with partition columns filled from
 *	  the object's key.
 *
 * COPY reads through a data source callback, which has no argument: the
 * scan about to call the parser is remembered in a static variable, set
 * before every call, so several scans of one query can interleave.  COPY
 * converts only the columns the query uses (convert_selectively, as
 * file_fdw does).  An object's stream and parser live in a memory context
 * reset when the scan moves to the next object, so memory does not grow
 * with the number of objects; an ERROR frees them with the query.
 *
 * IDENTIFICATION
 *	  src/fdw/s3/s3_scan.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/parallel.h"
#include "commands/explain.h"
#include "port/atomics.h"
#include "executor/executor.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "fdw/s3/s3_fdw.h"

/* The state of one scan */
typedef struct S3ScanState
{
	S3Table    *table;
	List	   *objects;		/* S3ScanObject, from the plan */
	List	   *partition_attnums;
	List	   *retrieved_attnums;
	int			next;			/* index of the next object to open */

	/* the object being read */
	MemoryContext object_context;
	S3ScanObject *current;
	S3Stream   *stream;
	CopyFromState cstate;
	S3JsonLines *jsonl;
	Datum	   *partition_values;	/* one per partition column */
	bool	   *partition_nulls;

	S3Counters	counters;
	int64		objects_read;
	pg_atomic_uint32 *shared_next;	/* in a parallel plan: the next object
									 * any process may take */
} S3ScanState;

/* The scan COPY's data source callback reads for */
static S3ScanState *copy_source = NULL;

/*--- COPY ---*/

/* COPY's data source: the current object's bytes */
static int
ReadForCopy(void *outbuf, int minread, int maxread)
{
	return (int) S3StreamRead(copy_source->stream, outbuf, minread, maxread);
}

/*
 * The names of the columns the objects hold (all but partition columns),
 * or with needed set, of those among them the query uses
 */
static List *
FileColumns(Relation rel, List *partition_attnums, bool only_needed,
			List *needed)
{
	TupleDesc	desc = RelationGetDescr(rel);
	List	   *names = NIL;

	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute attr = TupleDescAttr(desc, i);

		if (attr->attisdropped || list_member_int(partition_attnums, attr->attnum))
			continue;
		if (!only_needed || list_member_int(needed, attr->attnum))
			names = lappend(names, makeString(pstrdup(NameStr(attr->attname))));
	}
	return names;
}

/* True when a DefElem list has an option of that name */
static bool
HasOption(List *options, const char *name)
{
	ListCell   *lc;

	foreach(lc, options)
		if (strcmp(((DefElem *) lfirst(lc))->defname, name) == 0)
			return true;
	return false;
}

/* COPY's options: the table's, UTF8 unless told, the columns to convert */
static List *
CopyOptionsFor(S3ScanState *st, Relation rel)
{
	List	   *options = list_copy(st->table->copy_options);
	List	   *all = FileColumns(rel, st->partition_attnums, false, NIL);
	List	   *needed = FileColumns(rel, st->partition_attnums, true,
									 st->retrieved_attnums);

	if (!HasOption(options, "encoding"))
		options = lappend(options, makeDefElem("encoding", (Node *) makeString("UTF8"), -1));
	/* COPY takes an empty list for "all": convert one column at least */
	if (needed == NIL && all != NIL)
		needed = list_make1(linitial(all));
	if (list_length(needed) < list_length(all))
		options = lappend(options,
						  makeDefElem("convert_selectively", (Node *) needed, -1));
	return options;
}

/*--- Objects ---*/

/* An error context line naming the object being read */
static void
ObjectErrorContext(void *arg)
{
	S3ScanState *st = (S3ScanState *) arg;

	if (st->current)
		errcontext("reading object %s",
				   S3DisplayName(st->table->bucket, st->current->object.key));
}

/* The current object's partition values as Datums of the columns' types */
static void
ComputePartitionValues(S3ScanState *st, Relation rel)
{
	int			n = list_length(st->partition_attnums);

	st->partition_values = palloc0(sizeof(Datum) * Max(n, 1));
	st->partition_nulls = palloc0(sizeof(bool) * Max(n, 1));
	for (int i = 0; i < n; i++)
		st->partition_values[i] =
			S3PartitionDatum(TupleDescAttr(RelationGetDescr(rel),
										   list_nth_int(st->partition_attnums, i) - 1),
							 strVal(list_nth(st->current->partition_values, i)),
							 st->table->bucket, st->current->object.key,
							 &st->partition_nulls[i]);
}

/* Opens the next object: its stream and its parser */
static void
OpenObject(S3ScanState *st, ForeignScanState *node)
{
	Relation	rel = node->ss.ss_currentRelation;
	MemoryContext old;
	ErrorContextCallback errcallback;

	MemoryContextReset(st->object_context);
	old = MemoryContextSwitchTo(st->object_context);
	st->current = list_nth(st->objects, st->next);
	errcallback.callback = ObjectErrorContext;
	errcallback.arg = st;
	errcallback.previous = error_context_stack;
	error_context_stack = &errcallback;

	ComputePartitionValues(st, rel);
	st->stream = S3StreamOpen(st->table, &st->current->object, &st->counters);
	if (st->table->format == S3_FORMAT_JSONL)
	{
		List	   *attnums = NIL;
		ListCell   *lc;

		foreach(lc, st->retrieved_attnums)
			if (!list_member_int(st->partition_attnums, lfirst_int(lc)))
				attnums = lappend_int(attnums, lfirst_int(lc));
		st->jsonl = S3JsonLinesBegin(rel, attnums, st->stream);
	}
	else
	{
		copy_source = st;
		st->cstate = BeginCopyFrom(NULL, rel, NULL, NULL, false, ReadForCopy,
								   st->partition_attnums ?
								   FileColumns(rel, st->partition_attnums, false, NIL) : NIL,
								   CopyOptionsFor(st, rel));
	}
	error_context_stack = errcallback.previous;
	MemoryContextSwitchTo(old);
	st->objects_read++;
}

/* Ends the current object, freeing its stream and parser */
static void
CloseObject(S3ScanState *st)
{
	if (st->cstate)
		EndCopyFrom(st->cstate);
	st->cstate = NULL;
	st->jsonl = NULL;
	st->stream = NULL;
	st->current = NULL;
	MemoryContextReset(st->object_context);
}

/* Reads the next row of the current object into the slot; false at its end */
static bool
ReadRow(S3ScanState *st, ForeignScanState *node, TupleTableSlot *slot)
{
	ExprContext *econtext = node->ss.ps.ps_ExprContext;
	ErrorContextCallback copy_context;
	ErrorContextCallback object_context;
	MemoryContext old = MemoryContextSwitchTo(econtext->ecxt_per_tuple_memory);
	bool		found;

	object_context.callback = ObjectErrorContext;
	object_context.arg = st;
	object_context.previous = error_context_stack;
	error_context_stack = &object_context;
	if (st->jsonl)
		found = S3JsonLinesNext(st->jsonl, slot->tts_values, slot->tts_isnull);
	else
	{
		copy_context.callback = CopyFromErrorCallback;
		copy_context.arg = st->cstate;
		copy_context.previous = error_context_stack;
		error_context_stack = &copy_context;
		copy_source = st;
		found = NextCopyFrom(st->cstate, econtext, slot->tts_values, slot->tts_isnull);
		error_context_stack = copy_context.previous;
	}
	error_context_stack = object_context.previous;
	MemoryContextSwitchTo(old);
	return found;
}

/* Fills the partition columns of a row from the current object */
static void
FillPartitionColumns(S3ScanState *st, TupleTableSlot *slot)
{
	ListCell   *lc;

	foreach(lc, st->partition_attnums)
	{
		int			i = foreach_current_index(lc);
		AttrNumber	attnum = lfirst_int(lc);

		slot->tts_values[attnum - 1] = st->partition_values[i];
		slot->tts_isnull[attnum - 1] = st->partition_nulls[i];
	}
}

/*--- The executor's callbacks ---*/

/* Readies a scan: the table, the plan's objects; nothing is read yet */
void
S3BeginForeignScan(ForeignScanState *node, int eflags)
{
	ForeignScan *plan = (ForeignScan *) node->ss.ps.plan;
	S3ScanState *st = palloc0(sizeof(S3ScanState));
	RangeTblEntry *rte = exec_rt_fetch(plan->scan.scanrelid, node->ss.ps.state);
	Oid			userid = OidIsValid(rte->checkAsUser) ? rte->checkAsUser : GetUserId();

	node->fdw_state = st;
	st->table = S3GetTable(RelationGetRelid(node->ss.ss_currentRelation), userid);
	st->objects = S3PlanObjects(plan->fdw_private);
	st->partition_attnums = list_nth(plan->fdw_private, S3_PLAN_PARTITION_ATTNUMS);
	st->retrieved_attnums = list_nth(plan->fdw_private, S3_PLAN_RETRIEVED_ATTNUMS);
	st->next = -1;				/* the object before the first */
	st->object_context = AllocSetContextCreate(CurrentMemoryContext,
											   "federated_s3 scan object",
											   ALLOCSET_DEFAULT_SIZES);
}

/* Returns the next row, opening objects in turn; an empty slot at the end */
TupleTableSlot *
S3IterateForeignScan(ForeignScanState *node)
{
	S3ScanState *st = node->fdw_state;
	TupleTableSlot *slot = node->ss.ss_ScanTupleSlot;

	ExecClearTuple(slot);
	for (;;)
	{
		if (st->stream == NULL)
		{
			st->next = st->shared_next ?
				(int) pg_atomic_fetch_add_u32(st->shared_next, 1) : st->next + 1;
			if (st->next >= list_length(st->objects))
				return slot;
			OpenObject(st, node);
		}
		if (ReadRow(st, node, slot))
		{
			FillPartitionColumns(st, slot);
			return ExecStoreVirtualTuple(slot);
		}
		CloseObject(st);
	}
}

/* Starts again from the first object */
void
S3ReScanForeignScan(ForeignScanState *node)
{
	S3ScanState *st = node->fdw_state;

	CloseObject(st);
	st->next = -1;
}

/* Stops any transfer and frees the scan's objects */
void
S3EndForeignScan(ForeignScanState *node)
{
	S3ScanState *st = node->fdw_state;

	if (st == NULL)
		return;
	CloseObject(st);
	MemoryContextDelete(st->object_context);
}

/*--- Parallel scans: a shared counter hands out the objects ---*/

/* The scan is parallel safe: each process reads whole objects on its own */
bool
S3IsForeignScanParallelSafe(PlannerInfo *root, RelOptInfo *rel,
							RangeTblEntry *rte)
{
	return true;
}

/* Room for the shared counter */
Size
S3EstimateDSMForeignScan(ForeignScanState *node, ParallelContext *pcxt)
{
	return sizeof(pg_atomic_uint32);
}

/* The leader sets the shared counter to the first object */
void
S3InitializeDSMForeignScan(ForeignScanState *node, ParallelContext *pcxt,
						   void *coordinate)
{
	S3ScanState *st = node->fdw_state;

	st->shared_next = (pg_atomic_uint32 *) coordinate;
	pg_atomic_init_u32(st->shared_next, 0);
}

/* A rescan of a parallel plan starts again from the first object */
void
S3ReInitializeDSMForeignScan(ForeignScanState *node, ParallelContext *pcxt,
							 void *coordinate)
{
	pg_atomic_write_u32((pg_atomic_uint32 *) coordinate, 0);
}

/* A worker takes its objects from the shared counter */
void
S3InitializeWorkerForeignScan(ForeignScanState *node, shm_toc *toc,
							  void *coordinate)
{
	S3ScanState *st = node->fdw_state;

	st->shared_next = (pg_atomic_uint32 *) coordinate;
}

/* EXPLAIN ANALYZE: the objects read and the requests the scan made */
void
S3ExplainScanCounters(ForeignScanState *node, ExplainState *es)
{
	S3ScanState *st = node->fdw_state;

	if (st == NULL)
		return;
	ExplainPropertyInteger("S3 Objects Read", NULL, st->objects_read, es);
	ExplainPropertyInteger("S3 GET Requests", NULL, st->counters.get_requests, es);
	ExplainPropertyInteger("S3 Retries", NULL, st->counters.retries, es);
	ExplainPropertyInteger("S3 Bytes Received", NULL, st->counters.bytes_received, es);
}
