/*-------------------------------------------------------------------------
 *
 * mysql_analyze.c
 *	  ANALYZE of federated_mysql tables: the remote table streams through
 *	  once and a reservoir keeps a uniform sample of its rows, so the
 *	  planner gets row counts and column statistics.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/sysattr.h"
#include "foreign/fdwapi.h"
#include "miscadmin.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/sampling.h"

#include "fdw/mysql/federated_mysql.h"

/* Converts one remote row into a heap tuple of the relation */
static HeapTuple
RowToTuple(TupleDesc tupdesc, MysqlColumnConverter *converters, List *attrs,
		   MYSQL_ROW row, unsigned long *lengths, MysqlZeroDate zero_date)
{
	Datum	   *values = palloc0(sizeof(Datum) * tupdesc->natts);
	bool	   *nulls = palloc(sizeof(bool) * tupdesc->natts);
	ListCell   *lc;
	int			i = 0;

	memset(nulls, true, sizeof(bool) * tupdesc->natts);
	foreach(lc, attrs)
	{
		int			attnum = lfirst_int(lc);

		values[attnum - 1] = MysqlConvertValue(&converters[i], row[i], lengths[i],
											   zero_date, &nulls[attnum - 1]);
		i++;
	}
	return heap_form_tuple(tupdesc, values, nulls);
}

/* Samples up to targrows rows of the remote table into rows[] */
static int
AcquireSampleRows(Relation rel, int elevel, HeapTuple *rows, int targrows,
				  double *totalrows, double *totaldeadrows)
{
	TupleDesc	tupdesc = RelationGetDescr(rel);
	MysqlTableOptions opts;
	MysqlConn  *conn;
	MysqlStream *stream;
	MysqlColumnConverter *converters;
	ReservoirStateData rstate;
	Bitmapset  *all = NULL;
	List	   *attrs;
	StringInfoData sql;
	MYSQL_ROW	row;
	unsigned long *lengths;
	MemoryContext row_cxt = AllocSetContextCreate(CurrentMemoryContext,
												  "federated_mysql analyze",
												  ALLOCSET_DEFAULT_SIZES);
	double		seen = 0;
	double		skip = -1;
	int			numrows = 0;

	MysqlTableOptionsFor(RelationGetRelid(rel), &opts);
	for (int i = 1; i <= tupdesc->natts; i++)
		all = bms_add_member(all, i - FirstLowInvalidHeapAttributeNumber);
	initStringInfo(&sql);
	MysqlDeparseSelect(&sql, NULL, NULL, rel, &opts, all, NIL, &attrs);
	converters = MysqlConvertersFor(tupdesc, attrs);
	conn = MysqlGetConnection(GetUserMapping(rel->rd_rel->relowner,
											 GetForeignTable(RelationGetRelid(rel))->serverid));
	stream = MysqlStreamOpen(conn, sql.data, opts.fetch_size, CurrentMemoryContext);
	MysqlConvertersBind(converters, stream, list_length(attrs),
						RelationGetRelationName(rel));
	reservoir_init_selection_state(&rstate, targrows);

	while ((row = MysqlStreamNext(stream, &lengths)) != NULL)
	{
		int			pos = -1;

		CHECK_FOR_INTERRUPTS();
		if (numrows < targrows)
			pos = numrows++;
		else
		{
			if (skip < 0)
				skip = reservoir_get_next_S(&rstate, seen, targrows);
			if (skip <= 0)
			{
				pos = (int) (targrows * sampler_random_fract(&rstate.randstate));
				heap_freetuple(rows[pos]);
			}
			skip -= 1;
		}
		seen += 1;
		if (pos >= 0)
		{
			MemoryContext old = MemoryContextSwitchTo(row_cxt);
			HeapTuple	tuple = RowToTuple(tupdesc, converters, attrs, row,
										   lengths, opts.zero_date);

			MemoryContextSwitchTo(old);
			rows[pos] = heap_copytuple(tuple);
			MemoryContextReset(row_cxt);
		}
	}
	MysqlStreamClose(stream);
	*totalrows = seen;
	*totaldeadrows = 0;
	ereport(elevel,
			(errmsg("\"%s\": read %.0f rows from MySQL, kept a sample of %d",
					RelationGetRelationName(rel), seen, numrows)));
	return numrows;
}

/* ANALYZE is supported: rows are sampled as they stream */
bool
MysqlAnalyzeForeignTable(Relation relation, AcquireSampleRowsFunc *func,
						 BlockNumber *totalpages)
{
	*func = AcquireSampleRows;
	*totalpages = 1;
	return true;
}
