/*-------------------------------------------------------------------------
 *
 * mysql_modify.c
 *	  INSERT, UPDATE and DELETE on federated_mysql tables.
 *
 *	  INSERT sends up to batch_size rows per multi-row statement; UPDATE
 *	  and DELETE address a row by the columns marked with the column option
 *	  key (IMPORT FOREIGN SCHEMA marks the remote primary key).  Values are
 *	  sent as literals in the session's character set (utf8mb4); every
 *	  statement runs in the remote transaction tied to the local one.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/sysattr.h"
#include "access/table.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "executor/executor.h"
#include "foreign/fdwapi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "optimizer/appendinfo.h"
#include "optimizer/inherit.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "parser/parsetree.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/varbit.h"

#include "fdw/mysql/federated_mysql.h"

/* Indexes of a modify plan's fdw_private */
enum
{
	MODIFY_TARGET_ATTRS,		/* columns inserted or updated (IntList) */
	MODIFY_KEY_ATTRS			/* key columns (IntList) */
};

/* Execution state of an INSERT, UPDATE or DELETE */
typedef struct MysqlModifyState
{
	MysqlConn  *conn;
	Relation	rel;
	CmdType		operation;
	MysqlTableOptions opts;
	List	   *target_attrs;
	List	   *key_attrs;
	AttrNumber *key_junk;		/* per key column: its junk attribute */
	StringInfoData sql;
	MemoryContext row_cxt;
} MysqlModifyState;

/* Name of the junk attribute that carries key column attnum */
static char *
KeyJunkName(AttrNumber attnum)
{
	return psprintf("federated_mysql_key_%d", attnum);
}

/* The attribute numbers of the columns marked key */
static List *
KeyAttrs(Relation rel)
{
	TupleDesc	tupdesc = RelationGetDescr(rel);
	List	   *keys = NIL;

	for (int i = 1; i <= tupdesc->natts; i++)
	{
		if (TupleDescAttr(tupdesc, i - 1)->attisdropped)
			continue;
		if (FdwOptionBool(GetForeignColumnOptions(RelationGetRelid(rel), i),
						  "key", false))
			keys = lappend_int(keys, i);
	}
	if (keys == NIL)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("foreign table \"%s\" has no key column",
						RelationGetRelationName(rel)),
				 errdetail("UPDATE and DELETE find the remote row by the columns with option key."),
				 errhint("Add OPTIONS (key 'true') to the columns of the remote primary key.")));
	return keys;
}

/* Adds the key columns to what an UPDATE or DELETE scan returns */
void
MysqlAddForeignUpdateTargets(PlannerInfo *root, Index rtindex,
							 RangeTblEntry *target_rte, Relation target_relation)
{
	ListCell   *lc;

	foreach(lc, KeyAttrs(target_relation))
	{
		Form_pg_attribute att = TupleDescAttr(RelationGetDescr(target_relation),
											  lfirst_int(lc) - 1);
		Var		   *var = makeVar(rtindex, att->attnum, att->atttypid,
								  att->atttypmod, att->attcollation, 0);

		add_row_identity_var(root, var, rtindex, KeyJunkName(att->attnum));
	}
}

/* Every column of a relation, for INSERT */
static List *
AllAttrs(Relation rel)
{
	TupleDesc	tupdesc = RelationGetDescr(rel);
	List	   *attrs = NIL;

	for (int i = 1; i <= tupdesc->natts; i++)
		if (!TupleDescAttr(tupdesc, i - 1)->attisdropped)
			attrs = lappend_int(attrs, i);
	return attrs;
}

/* Plans a modification: which columns are written, which address a row */
List *
MysqlPlanForeignModify(PlannerInfo *root, ModifyTable *plan,
					   Index resultRelation, int subplan_index)
{
	RangeTblEntry *rte = planner_rt_fetch(resultRelation, root);
	Relation	rel = table_open(rte->relid, NoLock);
	List	   *target_attrs = NIL;
	List	   *key_attrs = NIL;

	if (plan->returningLists != NIL || plan->onConflictAction != ONCONFLICT_NONE)
		ereport(ERROR,
				(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
				 errmsg("federated_mysql does not support %s",
						plan->returningLists != NIL ? "RETURNING" : "ON CONFLICT")));
	if (plan->operation == CMD_INSERT)
		target_attrs = AllAttrs(rel);
	else
	{
		key_attrs = KeyAttrs(rel);
		if (plan->operation == CMD_UPDATE)
		{
			Bitmapset  *cols = get_rel_all_updated_cols(root,
														find_base_rel(root, resultRelation));
			int			col = -1;

			while ((col = bms_next_member(cols, col)) >= 0)
				if (col + FirstLowInvalidHeapAttributeNumber > 0)
					target_attrs = lappend_int(target_attrs,
											   col + FirstLowInvalidHeapAttributeNumber);
		}
	}
	table_close(rel, NoLock);
	return list_make2(target_attrs, key_attrs);
}

/* Appends a bit string as MySQL's b'0101' */
static void
AppendBits(StringInfo buf, Datum value)
{
	VarBit	   *bits = DatumGetVarBitP(value);
	bits8	   *data = VARBITS(bits);

	appendStringInfoString(buf, "b'");
	for (int i = 0; i < VARBITLEN(bits); i++)
		appendStringInfoChar(buf, (data[i / 8] >> (7 - i % 8)) & 1 ? '1' : '0');
	appendStringInfoChar(buf, '\'');
}

/* Appends a text array (a SET) as 'a,b,c' */
static void
AppendSet(StringInfo buf, Datum value)
{
	ArrayType  *array = DatumGetArrayTypeP(value);
	Datum	   *elems;
	bool	   *nulls;
	int			n;
	StringInfoData joined;

	deconstruct_array(array, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
	initStringInfo(&joined);
	for (int i = 0; i < n; i++)
		if (!nulls[i])
			appendStringInfo(&joined, "%s%s", joined.len ? "," : "",
							 TextDatumGetCString(elems[i]));
	MysqlAppendStringLiteral(buf, joined.data);
}

/* Appends one value as a MySQL literal */
static void
AppendValue(StringInfo buf, Form_pg_attribute att, Datum value, bool isnull)
{
	Oid			output;
	bool		varlena;

	if (isnull)
	{
		appendStringInfoString(buf, "NULL");
		return;
	}
	switch (att->atttypid)
	{
		case INT2OID:
		case INT4OID:
		case INT8OID:
		case NUMERICOID:
		case FLOAT4OID:
		case FLOAT8OID:
		case DATEOID:
		case TIMESTAMPOID:
		case TIMESTAMPTZOID:
			MysqlDeparseLiteral(buf, att->atttypid, value);
			return;
		case BOOLOID:
			appendStringInfoString(buf, DatumGetBool(value) ? "1" : "0");
			return;
		case BYTEAOID:
			{
				bytea	   *bytes = DatumGetByteaPP(value);

				appendStringInfoString(buf, "X'");
				for (int i = 0; i < VARSIZE_ANY_EXHDR(bytes); i++)
					appendStringInfo(buf, "%02X", (unsigned char) VARDATA_ANY(bytes)[i]);
				appendStringInfoChar(buf, '\'');
				return;
			}
		case BITOID:
		case VARBITOID:
			AppendBits(buf, value);
			return;
		case TEXTARRAYOID:
			AppendSet(buf, value);
			return;
	}
	getTypeOutputInfo(att->atttypid, &output, &varlena);
	MysqlAppendStringLiteral(buf, OidOutputFunctionCall(output, value));
}

/* The connection and state of a modification of rinfo's table */
static MysqlModifyState *
CreateModifyState(EState *estate, ResultRelInfo *rinfo, CmdType operation,
				  List *target_attrs, List *key_attrs)
{
	MysqlModifyState *state = palloc0(sizeof(MysqlModifyState));
	Relation	rel = rinfo->ri_RelationDesc;
	RangeTblEntry *rte = exec_rt_fetch(rinfo->ri_RangeTableIndex, estate);
	Oid			userid = rte->checkAsUser ? rte->checkAsUser : GetUserId();

	state->rel = rel;
	state->operation = operation;
	state->target_attrs = target_attrs;
	state->key_attrs = key_attrs;
	MysqlTableOptionsFor(RelationGetRelid(rel), &state->opts);
	if (state->opts.query != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("cannot change foreign table \"%s\": it is a remote query",
						RelationGetRelationName(rel))));
	state->conn = MysqlGetConnection(GetUserMapping(userid,
													GetForeignTable(RelationGetRelid(rel))->serverid));
	state->row_cxt = AllocSetContextCreate(estate->es_query_cxt,
										   "federated_mysql modify",
										   ALLOCSET_DEFAULT_SIZES);
	return state;
}

/* Prepares an INSERT, UPDATE or DELETE */
void
MysqlBeginForeignModify(ModifyTableState *mtstate, ResultRelInfo *rinfo,
						List *fdw_private, int subplan_index, int eflags)
{
	MysqlModifyState *state;
	int			i = 0;
	ListCell   *lc;

	if (eflags & EXEC_FLAG_EXPLAIN_ONLY)
		return;
	state = CreateModifyState(mtstate->ps.state, rinfo, mtstate->operation,
							  list_nth(fdw_private, MODIFY_TARGET_ATTRS),
							  list_nth(fdw_private, MODIFY_KEY_ATTRS));
	state->key_junk = palloc0(sizeof(AttrNumber) * Max(list_length(state->key_attrs), 1));
	foreach(lc, state->key_attrs)
	{
		Plan	   *subplan = outerPlanState(mtstate)->plan;

		state->key_junk[i] = ExecFindJunkAttributeInTlist(subplan->targetlist,
														  KeyJunkName(lfirst_int(lc)));
		if (!AttributeNumberIsValid(state->key_junk[i]))
			elog(ERROR, "key column %d of a foreign table missing from the plan",
				 lfirst_int(lc));
		i++;
	}
	rinfo->ri_FdwState = state;
}

/* Prepares COPY FROM or a routed INSERT into a foreign table */
void
MysqlBeginForeignInsert(ModifyTableState *mtstate, ResultRelInfo *rinfo)
{
	rinfo->ri_FdwState = CreateModifyState(mtstate->ps.state, rinfo, CMD_INSERT,
										   AllAttrs(rinfo->ri_RelationDesc), NIL);
}

/* Appends INSERT INTO t (columns) VALUES */
static void
AppendInsertHead(MysqlModifyState *state)
{
	ListCell   *lc;

	appendStringInfoString(&state->sql, "INSERT INTO ");
	MysqlDeparseRelation(&state->sql, &state->opts);
	appendStringInfoString(&state->sql, " (");
	foreach(lc, state->target_attrs)
	{
		if (lc != list_head(state->target_attrs))
			appendStringInfoString(&state->sql, ", ");
		MysqlQuoteIdentifier(&state->sql,
							 MysqlColumnName(RelationGetRelid(state->rel), lfirst_int(lc)));
	}
	appendStringInfoString(&state->sql, ") VALUES ");
}

/* Appends one row's (v1, v2, ...) */
static void
AppendRow(MysqlModifyState *state, TupleTableSlot *slot)
{
	TupleDesc	tupdesc = RelationGetDescr(state->rel);
	ListCell   *lc;

	slot_getallattrs(slot);
	appendStringInfoChar(&state->sql, '(');
	foreach(lc, state->target_attrs)
	{
		int			attnum = lfirst_int(lc);

		if (lc != list_head(state->target_attrs))
			appendStringInfoString(&state->sql, ", ");
		AppendValue(&state->sql, TupleDescAttr(tupdesc, attnum - 1),
					slot->tts_values[attnum - 1], slot->tts_isnull[attnum - 1]);
	}
	appendStringInfoChar(&state->sql, ')');
}

/* Runs the statement built in state->sql; returns the rows it matched */
static uint64
RunModify(MysqlModifyState *state)
{
	MysqlExec(state->conn, state->sql.data);
	return MysqlAffectedRows(state->conn);
}

/* Inserts rows with one multi-row INSERT */
TupleTableSlot **
MysqlExecForeignBatchInsert(EState *estate, ResultRelInfo *rinfo,
							TupleTableSlot **slots, TupleTableSlot **planSlots,
							int *numSlots)
{
	MysqlModifyState *state = rinfo->ri_FdwState;
	MemoryContext old = MemoryContextSwitchTo(state->row_cxt);

	initStringInfo(&state->sql);
	AppendInsertHead(state);
	for (int i = 0; i < *numSlots; i++)
	{
		if (i > 0)
			appendStringInfoString(&state->sql, ", ");
		AppendRow(state, slots[i]);
	}
	RunModify(state);
	MemoryContextSwitchTo(old);
	MemoryContextReset(state->row_cxt);
	return slots;
}

/* Inserts one row */
TupleTableSlot *
MysqlExecForeignInsert(EState *estate, ResultRelInfo *rinfo,
					   TupleTableSlot *slot, TupleTableSlot *planSlot)
{
	int			one = 1;

	return *MysqlExecForeignBatchInsert(estate, rinfo, &slot, &planSlot, &one);
}

/* Rows per INSERT: batch_size, or 1 when a row must come back at once */
int
MysqlGetForeignModifyBatchSize(ResultRelInfo *rinfo)
{
	MysqlModifyState *state = rinfo->ri_FdwState;
	TriggerDesc *triggers = rinfo->ri_TrigDesc;

	if (state == NULL || rinfo->ri_projectReturning != NULL ||
		(triggers && (triggers->trig_insert_after_row ||
					  triggers->trig_insert_before_row)))
		return 1;
	return state->opts.batch_size;
}

/* Appends WHERE key = value AND ... from the plan slot's junk columns */
static void
AppendKeyCondition(MysqlModifyState *state, TupleTableSlot *planSlot)
{
	TupleDesc	tupdesc = RelationGetDescr(state->rel);
	ListCell   *lc;
	int			i = 0;

	foreach(lc, state->key_attrs)
	{
		int			attnum = lfirst_int(lc);
		bool		isnull;
		Datum		value = ExecGetJunkAttribute(planSlot, state->key_junk[i++], &isnull);

		if (isnull)
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("key column \"%s\" of foreign table \"%s\" is NULL",
							NameStr(TupleDescAttr(tupdesc, attnum - 1)->attname),
							RelationGetRelationName(state->rel))));
		appendStringInfoString(&state->sql, lc == list_head(state->key_attrs) ?
							   " WHERE " : " AND ");
		MysqlQuoteIdentifier(&state->sql,
							 MysqlColumnName(RelationGetRelid(state->rel), attnum));
		appendStringInfoString(&state->sql, " = ");
		AppendValue(&state->sql, TupleDescAttr(tupdesc, attnum - 1), value, false);
	}
}

/* Updates the row addressed by the key columns */
TupleTableSlot *
MysqlExecForeignUpdate(EState *estate, ResultRelInfo *rinfo,
					   TupleTableSlot *slot, TupleTableSlot *planSlot)
{
	MysqlModifyState *state = rinfo->ri_FdwState;
	TupleDesc	tupdesc = RelationGetDescr(state->rel);
	MemoryContext old = MemoryContextSwitchTo(state->row_cxt);
	uint64		matched;
	ListCell   *lc;

	slot_getallattrs(slot);
	initStringInfo(&state->sql);
	appendStringInfoString(&state->sql, "UPDATE ");
	MysqlDeparseRelation(&state->sql, &state->opts);
	foreach(lc, state->target_attrs)
	{
		int			attnum = lfirst_int(lc);

		appendStringInfoString(&state->sql, lc == list_head(state->target_attrs) ?
							   " SET " : ", ");
		MysqlQuoteIdentifier(&state->sql,
							 MysqlColumnName(RelationGetRelid(state->rel), attnum));
		appendStringInfoString(&state->sql, " = ");
		AppendValue(&state->sql, TupleDescAttr(tupdesc, attnum - 1),
					slot->tts_values[attnum - 1], slot->tts_isnull[attnum - 1]);
	}
	AppendKeyCondition(state, planSlot);
	matched = state->target_attrs == NIL ? 1 : RunModify(state);
	MemoryContextSwitchTo(old);
	MemoryContextReset(state->row_cxt);
	return matched > 0 ? slot : NULL;
}

/* Deletes the row addressed by the key columns */
TupleTableSlot *
MysqlExecForeignDelete(EState *estate, ResultRelInfo *rinfo,
					   TupleTableSlot *slot, TupleTableSlot *planSlot)
{
	MysqlModifyState *state = rinfo->ri_FdwState;
	MemoryContext old = MemoryContextSwitchTo(state->row_cxt);
	uint64		matched;

	initStringInfo(&state->sql);
	appendStringInfoString(&state->sql, "DELETE FROM ");
	MysqlDeparseRelation(&state->sql, &state->opts);
	AppendKeyCondition(state, planSlot);
	matched = RunModify(state);
	MemoryContextSwitchTo(old);
	MemoryContextReset(state->row_cxt);
	return matched > 0 ? slot : NULL;
}

/* Ends a modification (nothing is held beyond the query's memory) */
void
MysqlEndForeignModify(EState *estate, ResultRelInfo *rinfo)
{
}

/* All three commands are supported on tables, none on remote queries */
int
MysqlIsForeignRelUpdatable(Relation rel)
{
	MysqlTableOptions opts;

	MysqlTableOptionsFor(RelationGetRelid(rel), &opts);
	return opts.query != NULL ? 0 :
		(1 << CMD_INSERT) | (1 << CMD_UPDATE) | (1 << CMD_DELETE);
}
