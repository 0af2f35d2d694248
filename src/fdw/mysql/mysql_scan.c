/*-------------------------------------------------------------------------
 *
 * mysql_scan.c
 *	  Execution of federated_mysql's scans (planned in mysql_plan.c): the
 *	  rows of the remote query stream in as the executor asks for them,
 *	  and only the columns the query uses are fetched and converted.
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
