/*-------------------------------------------------------------------------
 *
 * s3_analyze.c
 *	  ANALYZE of a federated_s3 table: a uniform sample of the rows of every
 *	  object the table's URI selects, for pg_statistic, and the table's size
 *	  in pages so that later plans scale the row count it found.
 *
 * Every object is streamed once, as a scan would read it (all columns
 * converted, partition columns from the keys, nothing pruned: the sample
 * stands for the whole table).  Rows are kept by reservoir sampling
 * (Vitter's algorithm Z, PostgreSQL's utils/sampling.h), so memory holds
 * the sample and one row, whatever the table's size.  relpages records the
 * objects' stored size in blocks and reltuples the rows counted; the
 * planner then estimates rows per page times the pages listed when it
 * plans, so objects added since ANALYZE count too.
 *
 * IDENTIFICATION
 *	  src/fdw/s3/s3_analyze.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "commands/vacuum.h"
#include "executor/executor.h"
#include "miscadmin.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/sampling.h"

#include "fdw/s3/s3_fdw.h"

/* What a sample is gathering */
typedef struct S3Sample
{
	HeapTuple  *rows;			/* the caller's array */
	int			targrows;
	int			numrows;		/* rows held so far */
	double		seen;			/* rows read so far */
	double		skip;			/* rows to pass over before the next is
								 * kept; < 0 when not drawn yet */
	ReservoirStateData reservoir;
} S3Sample;

/* Every column that is not dropped */
static List *
AllAttnums(Relation rel)
{
	TupleDesc	desc = RelationGetDescr(rel);
	List	   *attnums = NIL;

	for (int i = 0; i < desc->natts; i++)
		if (!TupleDescAttr(desc, i)->attisdropped)
			attnums = lappend_int(attnums, TupleDescAttr(desc, i)->attnum);
	return attnums;
}

/* Offers one row to the sample: kept while it fills, then by the reservoir */
static void
SampleRow(S3Sample *sample, TupleDesc desc, Datum *values, bool *nulls)
{
	int			k;

	if (sample->numrows < sample->targrows)
		sample->rows[sample->numrows++] = heap_form_tuple(desc, values, nulls);
	else
	{
		if (sample->skip < 0)
			sample->skip = reservoir_get_next_S(&sample->reservoir, sample->seen,
												sample->targrows);
		if (sample->skip <= 0)
		{
			/* this row replaces a random one of the sample */
			k = (int) (sample->targrows *
					   sampler_random_fract(&sample->reservoir.randstate));
			heap_freetuple(sample->rows[k]);
			sample->rows[k] = heap_form_tuple(desc, values, nulls);
		}
		sample->skip -= 1;
	}
	sample->seen += 1;
}

/* Reads every row of the objects into the sample, one object at a time */
static void
SampleObjects(S3Sample *sample, S3Reader *reader, Relation rel, List *objects)
{
	TupleDesc	desc = RelationGetDescr(rel);
	Datum	   *values = palloc(sizeof(Datum) * Max(desc->natts, 1));
	bool	   *nulls = palloc(sizeof(bool) * Max(desc->natts, 1));
	MemoryContext row_context = AllocSetContextCreate(CurrentMemoryContext,
													  "federated_s3 analyze row",
													  ALLOCSET_DEFAULT_SIZES);
	EState	   *estate = CreateExecutorState();
	ExprContext *econtext = GetPerTupleExprContext(estate);
	MemoryContext caller = CurrentMemoryContext;
	ListCell   *lc;

	foreach(lc, objects)
	{
		S3ReaderOpen(reader, lfirst(lc), 0, -1);
		for (;;)
		{
			bool		found;

			vacuum_delay_point();
			MemoryContextSwitchTo(row_context);
			found = S3ReaderNext(reader, econtext, values, nulls);
			MemoryContextSwitchTo(caller);
			if (!found)
				break;
			SampleRow(sample, desc, values, nulls);
			MemoryContextReset(row_context);
			ResetExprContext(econtext);
		}
		S3ReaderClose(reader);
	}
	FreeExecutorState(estate);
	MemoryContextDelete(row_context);
}

/*
 * ANALYZE's row sampler: up to targrows rows, a uniform sample of all the
 * rows of the table's objects; *totalrows counts them (no dead rows)
 */
static int
S3AcquireSampleRows(Relation rel, int elevel, HeapTuple *rows, int targrows,
					double *totalrows, double *totaldeadrows)
{
	S3Table    *table = S3GetTable(RelationGetRelid(rel), GetUserId());
	S3Counters	counters = {0};
	List	   *partition_attnums;
	List	   *objects = S3TableObjects(table, rel, &partition_attnums, &counters);
	S3Reader   *reader = S3ReaderCreate(table, rel, partition_attnums,
										AllAttnums(rel), &counters);
	S3Sample	sample = {rows, targrows, 0, 0, -1};

	reservoir_init_selection_state(&sample.reservoir, targrows);
	SampleObjects(&sample, reader, rel, objects);
	*totalrows = sample.seen;
	*totaldeadrows = 0;
	ereport(elevel,
			(errmsg_plural("\"%s\": read %d object (" INT64_FORMAT " bytes) holding %.0f rows; %d rows in sample",
						   "\"%s\": read %d objects (" INT64_FORMAT " bytes) holding %.0f rows; %d rows in sample",
						   list_length(objects),
						   RelationGetRelationName(rel), list_length(objects),
						   counters.bytes_received, sample.seen, sample.numrows)));
	return sample.numrows;
}

/*
 * ANALYZE support: the sampler, and the pages the objects' stored size
 * makes (the planner scales ANALYZE's row count by them)
 */
bool
S3AnalyzeForeignTable(Relation relation, AcquireSampleRowsFunc *func,
					  BlockNumber *totalpages)
{
	S3Table    *table = S3GetTable(RelationGetRelid(relation), GetUserId());
	S3Counters	counters = {0};
	List	   *partition_attnums;
	List	   *objects = S3TableObjects(table, relation, &partition_attnums,
										 &counters);
	int64		bytes = 0;
	ListCell   *lc;

	foreach(lc, objects)
		bytes += ((S3ScanObject *) lfirst(lc))->object.size;
	*totalpages = S3SizePages(bytes);
	*func = S3AcquireSampleRows;
	return true;
}
