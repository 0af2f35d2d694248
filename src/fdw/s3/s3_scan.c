/*-------------------------------------------------------------------------
 *
 * s3_scan.c
 *	  Executing a federated_s3 scan: the plan's objects one after another,
 *	  each streamed (s3_stream.c) into PostgreSQL's COPY parser (CSV,
 *	  text) or the JSON Lines reader, with partition columns filled from
 *	  the object's key.
 *
 * The reading itself is an S3Reader, which ANALYZE's sampler uses too.
 * COPY reads through a data source callback, which has no argument: the
 * reader about to call the parser is remembered in a static variable, set
 * before every call, so several scans of one query can interleave.  COPY
 * converts only the columns the query uses (convert_selectively, as
 * file_fdw does).  An object's stream and parser live in a memory context
 * reset when the reader moves to the next object, so memory does not grow
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

/* Reads the rows of one object after another (a scan's, ANALYZE's) */
struct S3Reader
{
	const S3Table *table;
	Relation	rel;
	List	   *partition_attnums;
	List	   *retrieved_attnums;
	S3Counters *counters;

	/* the object being read, or its byte range [start, end) */
	MemoryContext object_context;
	S3ScanObject *current;
	int64		start;
	int64		end;			/* -1: to the object's end */
	S3Stream   *stream;
	CopyFromState cstate;
	S3JsonLines *jsonl;
	Datum	   *partition_values;	/* one per partition column */
	bool	   *partition_nulls;
};

/* A piece of work of a scan: an object, or a byte range of one */
typedef struct S3ScanUnit
{
	S3ScanObject *object;
	int64		start;
	int64		end;			/* -1: to the object's end */
} S3ScanUnit;

/* The state of one scan */
typedef struct S3ScanState
{
	S3Reader   *reader;
	S3ScanUnit *units;			/* the plan's objects, or their ranges */
	int			nunits;
	int			next;			/* index of the next unit to open */
	S3Counters	counters;
	int64		objects_read;
	pg_atomic_uint32 *shared_next;	/* in a parallel plan: the next unit
									 * any process may take */
} S3ScanState;

/* The reader COPY's data source callback reads for */
static S3Reader *copy_source = NULL;

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
CopyOptionsFor(S3Reader *r)
{
	List	   *options = NIL;
	List	   *all = FileColumns(r->rel, r->partition_attnums, false, NIL);
	List	   *needed = FileColumns(r->rel, r->partition_attnums, true,
									 r->retrieved_attnums);
	ListCell   *lc;

	/* a range after the first begins after the header */
	foreach(lc, r->table->copy_options)
		if (r->start == 0 || strcmp(((DefElem *) lfirst(lc))->defname, "header") != 0)
			options = lappend(options, lfirst(lc));
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
	S3Reader   *r = (S3Reader *) arg;

	if (r->current && (r->start > 0 || r->end >= 0))
		errcontext("reading object %s, the lines that begin in bytes " INT64_FORMAT " to " INT64_FORMAT,
				   S3DisplayName(r->table->bucket, r->current->object.key),
				   r->start, (r->end >= 0 ? r->end : r->current->object.size) - 1);
	else if (r->current)
		errcontext("reading object %s",
				   S3DisplayName(r->table->bucket, r->current->object.key));
}

/* The current object's partition values as Datums of the columns' types */
static void
ComputePartitionValues(S3Reader *r)
{
	int			n = list_length(r->partition_attnums);

	r->partition_values = palloc0(sizeof(Datum) * Max(n, 1));
	r->partition_nulls = palloc0(sizeof(bool) * Max(n, 1));
	for (int i = 0; i < n; i++)
		r->partition_values[i] =
			S3PartitionDatum(TupleDescAttr(RelationGetDescr(r->rel),
										   list_nth_int(r->partition_attnums, i) - 1),
							 strVal(list_nth(r->current->partition_values, i)),
							 r->table->bucket, r->current->object.key,
							 &r->partition_nulls[i]);
}

/* Starts the parser of the current object: COPY's or the JSON Lines reader */
static void
StartParser(S3Reader *r)
{
	if (r->table->format == S3_FORMAT_JSONL)
	{
		List	   *attnums = NIL;
		ListCell   *lc;

		foreach(lc, r->retrieved_attnums)
			if (!list_member_int(r->partition_attnums, lfirst_int(lc)))
				attnums = lappend_int(attnums, lfirst_int(lc));
		r->jsonl = S3JsonLinesBegin(r->rel, attnums, r->stream);
	}
	else
	{
		copy_source = r;
		r->cstate = BeginCopyFrom(NULL, r->rel, NULL, NULL, false, ReadForCopy,
								  r->partition_attnums ?
								  FileColumns(r->rel, r->partition_attnums, false, NIL) : NIL,
								  CopyOptionsFor(r));
	}
}

/*
 * A reader of the table's objects, in the current memory context:
 * retrieved_attnums are the columns to fill (the others are NULL)
 */
S3Reader *
S3ReaderCreate(const S3Table *table, Relation rel, List *partition_attnums,
			   List *retrieved_attnums, S3Counters *counters)
{
	S3Reader   *r = palloc0(sizeof(S3Reader));

	r->table = table;
	r->rel = rel;
	r->partition_attnums = partition_attnums;
	r->retrieved_attnums = retrieved_attnums;
	r->counters = counters;
	r->object_context = AllocSetContextCreate(CurrentMemoryContext,
											  "federated_s3 object",
											  ALLOCSET_DEFAULT_SIZES);
	return r;
}

/*
 * Starts reading an object, or the lines that begin in its byte range
 * [start, end) (end -1: to its end): its stream and its parser
 */
void
S3ReaderOpen(S3Reader *r, S3ScanObject *object, int64 start, int64 end)
{
	MemoryContext old;
	ErrorContextCallback errcallback;

	S3ReaderClose(r);
	old = MemoryContextSwitchTo(r->object_context);
	r->current = object;
	r->start = start;
	r->end = end;
	errcallback.callback = ObjectErrorContext;
	errcallback.arg = r;
	errcallback.previous = error_context_stack;
	error_context_stack = &errcallback;

	ComputePartitionValues(r);
	r->stream = S3StreamOpenRange(r->table, &r->current->object, r->counters,
								  start, end);
	StartParser(r);
	error_context_stack = errcallback.previous;
	MemoryContextSwitchTo(old);
}

/* Ends the current object, if any, freeing its stream and parser */
void
S3ReaderClose(S3Reader *r)
{
	if (r->cstate)
		EndCopyFrom(r->cstate);
	r->cstate = NULL;
	r->jsonl = NULL;
	r->stream = NULL;
	r->current = NULL;
	MemoryContextReset(r->object_context);
}

/* True while an object is open */
bool
S3ReaderIsOpen(const S3Reader *r)
{
	return r->stream != NULL;
}

/* Fills the partition columns of a row from the current object */
static void
FillPartitionColumns(S3Reader *r, Datum *values, bool *nulls)
{
	ListCell   *lc;

	foreach(lc, r->partition_attnums)
	{
		int			i = foreach_current_index(lc);
		AttrNumber	attnum = lfirst_int(lc);

		values[attnum - 1] = r->partition_values[i];
		nulls[attnum - 1] = r->partition_nulls[i];
	}
}

/*
 * Reads the current object's next row into values/nulls (allocating in the
 * current memory context); false at its end.  econtext evaluates COPY's
 * defaults for columns the objects do not hold.
 */
bool
S3ReaderNext(S3Reader *r, ExprContext *econtext, Datum *values, bool *nulls)
{
	ErrorContextCallback copy_context;
	ErrorContextCallback object_context;
	bool		found;

	object_context.callback = ObjectErrorContext;
	object_context.arg = r;
	object_context.previous = error_context_stack;
	error_context_stack = &object_context;
	if (r->jsonl)
		found = S3JsonLinesNext(r->jsonl, values, nulls);
	else
	{
		copy_context.callback = CopyFromErrorCallback;
		copy_context.arg = r->cstate;
		copy_context.previous = error_context_stack;
		error_context_stack = &copy_context;
		copy_source = r;
		found = NextCopyFrom(r->cstate, econtext, values, nulls);
		error_context_stack = copy_context.previous;
	}
	error_context_stack = object_context.previous;
	if (found)
		FillPartitionColumns(r, values, nulls);
	return found;
}

/*--- The executor's callbacks ---*/

/*
 * The scan's units: each object whole, or in a parallel plan each object
 * in the byte ranges S3ObjectRanges allows (the last one to its end)
 */
static void
PlanUnits(S3ScanState *st, const S3Table *table, List *objects, bool parallel)
{
	int			n = 0;
	ListCell   *lc;

	foreach(lc, objects)
		n += parallel ? S3ObjectRanges(table, &((S3ScanObject *) lfirst(lc))->object) : 1;
	st->units = palloc0(sizeof(S3ScanUnit) * Max(n, 1));
	foreach(lc, objects)
	{
		S3ScanObject *so = lfirst(lc);
		int			ranges = parallel ? S3ObjectRanges(table, &so->object) : 1;

		for (int i = 0; i < ranges; i++)
		{
			S3ScanUnit *unit = &st->units[st->nunits++];

			unit->object = so;
			unit->start = i * table->range_size;
			unit->end = i < ranges - 1 ? (i + 1) * table->range_size : -1;
		}
	}
}

/* Readies a scan: the table, the plan's objects; nothing is read yet */
void
S3BeginForeignScan(ForeignScanState *node, int eflags)
{
	ForeignScan *plan = (ForeignScan *) node->ss.ps.plan;
	S3ScanState *st = palloc0(sizeof(S3ScanState));
	RangeTblEntry *rte = exec_rt_fetch(plan->scan.scanrelid, node->ss.ps.state);
	Oid			userid = OidIsValid(rte->checkAsUser) ? rte->checkAsUser : GetUserId();
	Relation	rel = node->ss.ss_currentRelation;

	S3Table    *table = S3GetTable(RelationGetRelid(rel), userid);

	node->fdw_state = st;
	PlanUnits(st, table, S3PlanObjects(plan->fdw_private), plan->scan.plan.parallel_aware);
	st->reader = S3ReaderCreate(table, rel,
								list_nth(plan->fdw_private, S3_PLAN_PARTITION_ATTNUMS),
								list_nth(plan->fdw_private, S3_PLAN_RETRIEVED_ATTNUMS),
								&st->counters);
	st->next = -1;				/* the object before the first */
}

/* Returns the next row, opening objects in turn; an empty slot at the end */
TupleTableSlot *
S3IterateForeignScan(ForeignScanState *node)
{
	S3ScanState *st = node->fdw_state;
	TupleTableSlot *slot = node->ss.ss_ScanTupleSlot;
	ExprContext *econtext = node->ss.ps.ps_ExprContext;

	ExecClearTuple(slot);
	for (;;)
	{
		MemoryContext old;
		bool		found;

		if (!S3ReaderIsOpen(st->reader))
		{
			st->next = st->shared_next ?
				(int) pg_atomic_fetch_add_u32(st->shared_next, 1) : st->next + 1;
			if (st->next >= st->nunits)
				return slot;
			S3ReaderOpen(st->reader, st->units[st->next].object,
						 st->units[st->next].start, st->units[st->next].end);
			st->objects_read++;
		}
		old = MemoryContextSwitchTo(econtext->ecxt_per_tuple_memory);
		found = S3ReaderNext(st->reader, econtext, slot->tts_values, slot->tts_isnull);
		MemoryContextSwitchTo(old);
		if (found)
			return ExecStoreVirtualTuple(slot);
		S3ReaderClose(st->reader);
	}
}

/* Starts again from the first object */
void
S3ReScanForeignScan(ForeignScanState *node)
{
	S3ScanState *st = node->fdw_state;

	S3ReaderClose(st->reader);
	st->next = -1;
}

/* Stops any transfer and frees the scan's objects */
void
S3EndForeignScan(ForeignScanState *node)
{
	S3ScanState *st = node->fdw_state;

	if (st == NULL)
		return;
	S3ReaderClose(st->reader);
}

/*--- Parallel scans: a shared counter hands out the units ---*/

/* The scan is parallel safe: each process reads its units on its own */
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

/* The leader sets the shared counter to the first unit */
void
S3InitializeDSMForeignScan(ForeignScanState *node, ParallelContext *pcxt,
						   void *coordinate)
{
	S3ScanState *st = node->fdw_state;

	st->shared_next = (pg_atomic_uint32 *) coordinate;
	pg_atomic_init_u32(st->shared_next, 0);
}

/* A rescan of a parallel plan starts again from the first unit */
void
S3ReInitializeDSMForeignScan(ForeignScanState *node, ParallelContext *pcxt,
							 void *coordinate)
{
	pg_atomic_write_u32((pg_atomic_uint32 *) coordinate, 0);
}

/* A worker takes its units from the shared counter */
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
