/*-------------------------------------------------------------------------
 *
 * mysql_deparse.c
 *	  Builds the SQL federated_mysql sends, and decides which conditions
 *	  MySQL may evaluate.
 *
 *	  A condition is pushed only when MySQL answers it exactly as
 *	  PostgreSQL would: comparisons of integers, exact numerics, floats,
 *	  dates and timestamps among themselves with a constant or another
 *	  column, IS [NOT] NULL, IN lists, AND/OR/NOT.  Text equality is pushed
 *	  only against an ASCII constant and checked byte for byte (BINARY), so
 *	  that MySQL's case-insensitive and space-padding collations cannot
 *	  match more than PostgreSQL's.  A date condition also excludes MySQL's
 *	  zero dates, which PostgreSQL reads as NULL (or as an error).  Anything
 *	  else is evaluated locally.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "access/htup_details.h"
#include "access/stratnum.h"
#include "access/sysattr.h"
#include "access/table.h"
#include "catalog/pg_aggregate.h"
#include "catalog/pg_am.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_operator.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "mb/pg_wchar.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "parser/parsetree.h"
#include "utils/builtins.h"
#include "utils/formatting.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"
#include "utils/array.h"
#include "utils/pg_locale.h"
#include "utils/rel.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

#include "fdw/mysql/federated_mysql.h"

/* The comparison operators pushed, by name */
static const char *const comparison_operators[] = {
	"=", "<>", "<", "<=", ">", ">=", NULL
};

/*
 * What we know while checking or deparsing expressions.  Below a grouping,
 * a column is one of the table's (or of the joined tables', written
 * `rN`.`col`); above it (HAVING, ORDER BY), a column is one of the
 * grouping's results.
 */
typedef struct DeparseContext
{
	PlannerInfo *root;
	RelOptInfo *scanrel;		/* the base or join rel the columns are of */
	List	   *grouped_exprs;	/* above a grouping: its results, else NIL */
	bool		nested;			/* the grouping runs in two levels */
	StringInfo	buf;
} DeparseContext;

/* Classes of types whose values compare the same way in MySQL */
typedef enum TypeClass
{
	TYPE_OTHER,
	TYPE_INTEGER,
	TYPE_NUMERIC,
	TYPE_FLOAT,
	TYPE_DATE,
	TYPE_TIMESTAMP,
	TYPE_TIMESTAMPTZ,
	TYPE_TEXT
} TypeClass;

/* The comparison class of a type */
static TypeClass
ClassOf(Oid typid)
{
	switch (typid)
	{
		case INT2OID:
		case INT4OID:
		case INT8OID:
			return TYPE_INTEGER;
		case NUMERICOID:
			return TYPE_NUMERIC;
		case FLOAT4OID:
		case FLOAT8OID:
			return TYPE_FLOAT;
		case DATEOID:
			return TYPE_DATE;
		case TIMESTAMPOID:
			return TYPE_TIMESTAMP;
		case TIMESTAMPTZOID:
			return TYPE_TIMESTAMPTZ;
		case TEXTOID:
		case VARCHAROID:
			return TYPE_TEXT;
	}
	return TYPE_OTHER;
}

/* True for a date or timestamp class, whose zero dates need a guard */
static bool
IsDateClass(TypeClass class)
{
	return class == TYPE_DATE || class == TYPE_TIMESTAMP ||
		class == TYPE_TIMESTAMPTZ;
}

/* Appends s between quote characters, doubling any inside */
static void
AppendQuoted(StringInfo buf, const char *s, char quote)
{
	appendStringInfoChar(buf, quote);
	for (const char *p = s; *p; p++)
	{
		if (*p == quote)
			appendStringInfoChar(buf, quote);
		appendStringInfoChar(buf, *p);
	}
	appendStringInfoChar(buf, quote);
}

/* Appends an identifier quoted with backticks */
void
MysqlQuoteIdentifier(StringInfo buf, const char *ident)
{
	AppendQuoted(buf, ident, '`');
}

/*
 * Appends a string literal in utf8mb4, the connection's character set (the
 * session runs with NO_BACKSLASH_ESCAPES: only quotes need doubling)
 */
void
MysqlAppendStringLiteral(StringInfo buf, const char *s)
{
	AppendQuoted(buf, pg_server_to_any(s, strlen(s), PG_UTF8), '\'');
}

/* Appends the remote relation: `db`.`table`, or (query) for a query table */
void
MysqlDeparseRelation(StringInfo buf, const MysqlTableOptions *opts)
{
	if (opts->query != NULL)
	{
		appendStringInfo(buf, "(%s) AS ", opts->query);
		MysqlQuoteIdentifier(buf, "q");
		return;
	}
	if (opts->dbname != NULL)
	{
		MysqlQuoteIdentifier(buf, opts->dbname);
		appendStringInfoChar(buf, '.');
	}
	MysqlQuoteIdentifier(buf, opts->table_name);
}

/* True if a constant's value can be written as a MySQL literal */
static bool
IsPushableConst(Const *c)
{
	TypeClass	class = ClassOf(c->consttype);

	if (c->constisnull)
		return class != TYPE_OTHER;
	switch (class)
	{
		case TYPE_FLOAT:
			return !isnan(c->consttype == FLOAT4OID ?
						  DatumGetFloat4(c->constvalue) :
						  DatumGetFloat8(c->constvalue)) &&
				!isinf(c->consttype == FLOAT4OID ?
					   DatumGetFloat4(c->constvalue) :
					   DatumGetFloat8(c->constvalue));
		case TYPE_NUMERIC:
			return !numeric_is_nan(DatumGetNumeric(c->constvalue)) &&
				!numeric_is_inf(DatumGetNumeric(c->constvalue));
		case TYPE_DATE:
			{
				DateADT		date = DatumGetDateADT(c->constvalue);
				int			year,
							month,
							day;

				if (DATE_NOT_FINITE(date))
					return false;
				j2date(date + POSTGRES_EPOCH_JDATE, &year, &month, &day);
				return year >= 1 && year <= 9999;
			}
		case TYPE_TIMESTAMP:
		case TYPE_TIMESTAMPTZ:
			{
				struct pg_tm tm;
				fsec_t		fsec;

				if (TIMESTAMP_NOT_FINITE(DatumGetTimestamp(c->constvalue)) ||
					timestamp2tm(DatumGetTimestamp(c->constvalue), NULL, &tm,
								 &fsec, NULL, NULL) != 0)
					return false;
				return tm.tm_year >= 1 && tm.tm_year <= 9999;
			}
		case TYPE_TEXT:
			{
				char	   *s = TextDatumGetCString(c->constvalue);

				for (char *p = s; *p; p++)
					if (IS_HIGHBIT_SET(*p))
						return false;
				return true;
			}
		case TYPE_INTEGER:
			return true;
		case TYPE_OTHER:
			break;
	}
	return false;
}

/* True for a column of the scanned (base or join) relation */
static bool
IsOwnColumn(Expr *expr, RelOptInfo *scanrel)
{
	Var		   *var = (Var *) expr;

	return IsA(expr, Var) && bms_is_member(var->varno, scanrel->relids) &&
		var->varlevelsup == 0 && var->varattno > 0;
}

/* True for a column in the context: the relation's, or a grouping's result */
static bool
IsColumn(Expr *expr, DeparseContext *ctx)
{
	if (ctx->grouped_exprs != NIL)
		return list_member(ctx->grouped_exprs, expr);
	return IsOwnColumn(expr, ctx->scanrel);
}

/* True for a column or a pushable constant */
static bool
IsPushableOperand(Expr *expr, DeparseContext *ctx)
{
	if (IsA(expr, RelabelType))
		expr = ((RelabelType *) expr)->arg;
	return IsColumn(expr, ctx) ||
		(IsA(expr, Const) && IsPushableConst((Const *) expr));
}

/* True for a built-in comparison operator between types of one class */
static bool
IsPushableComparison(Oid opno, Oid left, Oid right, Oid collation)
{
	char	   *name;
	bool		found = false;

	if (opno >= FirstGenbkiObjectId || ClassOf(left) == TYPE_OTHER ||
		ClassOf(left) != ClassOf(right))
		return false;
	name = get_opname(opno);
	for (const char *const *op = comparison_operators; *op && !found; op++)
		found = strcmp(name, *op) == 0;
	if (!found)
		return false;
	/* text: equality only, in a deterministic collation */
	if (ClassOf(left) == TYPE_TEXT)
		return strcmp(name, "=") == 0 &&
			(collation == DEFAULT_COLLATION_OID || collation == C_COLLATION_OID);
	return true;
}

/* True for a text comparison with one side a column and the other a constant */
static bool
IsColumnVsConst(List *args, DeparseContext *ctx)
{
	Expr	   *a = linitial(args);
	Expr	   *b = lsecond(args);

	if (IsA(a, RelabelType))
		a = ((RelabelType *) a)->arg;
	if (IsA(b, RelabelType))
		b = ((RelabelType *) b)->arg;
	return (IsColumn(a, ctx) && IsA(b, Const)) ||
		(IsColumn(b, ctx) && IsA(a, Const));
}

/* True if MySQL evaluates expr exactly as PostgreSQL does */
static bool
IsPushable(Expr *expr, DeparseContext *ctx)
{
	switch (nodeTag(expr))
	{
		case T_BoolExpr:
			{
				ListCell   *lc;

				foreach(lc, ((BoolExpr *) expr)->args)
					if (!IsPushable(lfirst(lc), ctx))
						return false;
				return true;
			}
		case T_NullTest:
			{
				NullTest   *nt = (NullTest *) expr;

				return !nt->argisrow && IsColumn(nt->arg, ctx) &&
					ClassOf(exprType((Node *) nt->arg)) != TYPE_OTHER;
			}
		case T_OpExpr:
			{
				OpExpr	   *op = (OpExpr *) expr;

				if (list_length(op->args) != 2 ||
					!IsPushableOperand(linitial(op->args), ctx) ||
					!IsPushableOperand(lsecond(op->args), ctx) ||
					!IsPushableComparison(op->opno,
										  exprType(linitial(op->args)),
										  exprType(lsecond(op->args)),
										  op->inputcollid))
					return false;
				return ClassOf(exprType(linitial(op->args))) != TYPE_TEXT ||
					IsColumnVsConst(op->args, ctx);
			}
		case T_ScalarArrayOpExpr:
			{
				ScalarArrayOpExpr *saop = (ScalarArrayOpExpr *) expr;
				Expr	   *array = lsecond(saop->args);
				Oid			elemtype;

				if (!saop->useOr || !IsA(array, Const) ||
					((Const *) array)->constisnull ||
					!IsColumn(linitial(saop->args), ctx))
					return false;
				elemtype = get_element_type(exprType((Node *) array));
				if (ClassOf(elemtype) == TYPE_TEXT ||
					!IsPushableComparison(saop->opno,
										  exprType(linitial(saop->args)),
										  elemtype, saop->inputcollid))
					return false;
				return strcmp(get_opname(saop->opno), "=") == 0;
			}
		default:
			return false;
	}
}

/* True if MySQL evaluates a condition on a table or join as PostgreSQL does */
bool
MysqlIsPushableExpr(PlannerInfo *root, RelOptInfo *scanrel, Expr *expr)
{
	DeparseContext ctx = {root, scanrel, NIL, false, NULL};

	return IsPushable(expr, &ctx);
}

/* True if MySQL evaluates a HAVING condition of a grouping as PostgreSQL does */
bool
MysqlIsPushableHaving(PlannerInfo *root, MysqlRelInfo *info, Expr *expr)
{
	DeparseContext ctx = {root, info->scanrel, info->grouped_exprs, false, NULL};

	return IsPushable(expr, &ctx);
}

static void DeparseExpr(Expr *expr, DeparseContext *ctx);
static void DeparseGroupedRef(Expr *expr, DeparseContext *ctx);
static void DeparseConditions(List *conds, const char *keyword, DeparseContext *ctx);
static Oid	OutputFunctionOf(Oid typid);

static void DeparseColumn(Var *var, DeparseContext *ctx);

/* True for a type whose MySQL text its input function reads, as a row's field */
static bool
IsRowFieldType(Oid typid)
{
	return ClassOf(typid) != TYPE_OTHER || typid == BOOLOID;
}

/* True if a table's whole row can be read back from MySQL (DeparseWholeRow) */
bool
MysqlIsPushableWholeRow(PlannerInfo *root, Var *var)
{
	Relation	rel = table_open(planner_rt_fetch(var->varno, root)->relid, NoLock);
	TupleDesc	tupdesc = RelationGetDescr(rel);
	bool		pushable = true;

	for (int i = 0; i < tupdesc->natts && pushable; i++)
		pushable = TupleDescAttr(tupdesc, i)->attisdropped ||
			IsRowFieldType(TupleDescAttr(tupdesc, i)->atttypid);
	table_close(rel, NoLock);
	return pushable;
}

/*
 * Appends one field of a row's text form: empty for NULL (and, with
 * zero_date 'null', a zero date), else the value quoted as record_in reads
 * it ("" for ", \\ for \)
 */
static void
DeparseRowField(Var *var, Oid typid, MysqlZeroDate zero_date, DeparseContext *ctx)
{
	appendStringInfoString(ctx->buf, "IF(");
	DeparseColumn(var, ctx);
	appendStringInfoString(ctx->buf, " IS NULL");
	if (IsDateClass(ClassOf(typid)) && zero_date == MYSQL_ZERO_DATE_NULL)
	{
		appendStringInfoString(ctx->buf, " OR MONTH(");
		DeparseColumn(var, ctx);
		appendStringInfoString(ctx->buf, ") = 0 OR DAYOFMONTH(");
		DeparseColumn(var, ctx);
		appendStringInfoString(ctx->buf, ") = 0");
	}
	appendStringInfoString(ctx->buf, ", '', CONCAT('\"', REPLACE(REPLACE(");
	if (typid == BOOLOID)
		appendStringInfoString(ctx->buf, "IF(");
	else if (typid == TIMESTAMPTZOID)
		appendStringInfoString(ctx->buf, "CONCAT(");
	DeparseColumn(var, ctx);
	if (typid == BOOLOID)
		appendStringInfoString(ctx->buf, " <> 0, 't', 'f')");
	else if (typid == TIMESTAMPTZOID)
		appendStringInfoString(ctx->buf, ", '+00')");
	appendStringInfoString(ctx->buf, ", '\\', '\\\\'), '\"', '\"\"'), '\"'))");
}

/*
 * Appends a table's whole row (EvalPlanQual's copy of a joined table's
 * row) as its text form, which the row type's input function reads:
 * CONCAT('(', field, ',', field, ')').  The session runs in UTC (a
 * timestamptz gets '+00') with NO_BACKSLASH_ESCAPES (a backslash in a
 * literal is itself).  With zero_date 'error' a zero date goes as it is,
 * and the date type's input refuses it.
 */
static void
DeparseWholeRow(Var *var, DeparseContext *ctx)
{
	RelOptInfo *baserel = ctx->root->simple_rel_array[var->varno];
	MysqlRelInfo *info = baserel->fdw_private;
	Relation	rel = table_open(info->relid, NoLock);
	TupleDesc	tupdesc = RelationGetDescr(rel);
	bool		first = true;

	appendStringInfoString(ctx->buf, "CONCAT('('");
	for (int i = 0; i < tupdesc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(tupdesc, i);
		Var		   *field;

		if (att->attisdropped)
			continue;
		field = makeVar(var->varno, att->attnum, att->atttypid, att->atttypmod,
						att->attcollation, 0);
		appendStringInfoString(ctx->buf, first ? ", " : ", ',', ");
		first = false;
		DeparseRowField(field, att->atttypid, info->opts.zero_date, ctx);
	}
	appendStringInfoString(ctx->buf, ", ')')");
	table_close(rel, NoLock);
}

/* Appends a column's remote name, as `rN`.`col` in a join */
static void
DeparseColumn(Var *var, DeparseContext *ctx)
{
	if (var->varattno == 0)
	{
		DeparseWholeRow(var, ctx);
		return;
	}
	if (IS_JOIN_REL(ctx->scanrel))
		appendStringInfo(ctx->buf, "`r%d`.", var->varno);
	MysqlQuoteIdentifier(ctx->buf,
						 MysqlColumnName(planner_rt_fetch(var->varno, ctx->root)->relid,
										 var->varattno));
}

/* Appends a constant of a pushable type as a MySQL literal */
void
MysqlDeparseLiteral(StringInfo buf, Oid typid, Datum value)
{
	switch (ClassOf(typid))
	{
		case TYPE_INTEGER:
		case TYPE_NUMERIC:
			appendStringInfoString(buf, OidOutputFunctionCall(OutputFunctionOf(typid), value));
			break;
		case TYPE_FLOAT:
			/* scientific notation makes MySQL read a double, not a DECIMAL */
			appendStringInfo(buf, "%.17E", typid == FLOAT4OID ?
							 (double) DatumGetFloat4(value) : DatumGetFloat8(value));
			break;
		case TYPE_DATE:
			{
				int			year,
							month,
							day;

				/* not date_out: its format follows DateStyle */
				j2date(DatumGetDateADT(value) + POSTGRES_EPOCH_JDATE,
					   &year, &month, &day);
				appendStringInfo(buf, "DATE '%04d-%02d-%02d'", year, month, day);
				break;
			}
		case TYPE_TIMESTAMP:
		case TYPE_TIMESTAMPTZ:
			{
				struct pg_tm tm;
				fsec_t		fsec;

				/* a timestamptz as UTC, the session's time zone */
				timestamp2tm(DatumGetTimestamp(value), NULL, &tm, &fsec, NULL, NULL);
				appendStringInfo(buf, "TIMESTAMP '%04d-%02d-%02d %02d:%02d:%02d.%06d'",
								 tm.tm_year, tm.tm_mon, tm.tm_mday, tm.tm_hour,
								 tm.tm_min, tm.tm_sec, fsec);
				break;
			}
		default:
			MysqlAppendStringLiteral(buf, TextDatumGetCString(value));
	}
}

/* Oid of a type's output function */
static Oid
OutputFunctionOf(Oid typid)
{
	Oid			output;
	bool		varlena;

	getTypeOutputInfo(typid, &output, &varlena);
	return output;
}

/* Appends a Const or a column */
static void
DeparseOperand(Expr *expr, DeparseContext *ctx)
{
	if (IsA(expr, RelabelType))
		expr = ((RelabelType *) expr)->arg;
	if (ctx->grouped_exprs != NIL && !IsA(expr, Const))
		DeparseGroupedRef(expr, ctx);
	else if (IsA(expr, Var))
		DeparseColumn((Var *) expr, ctx);
	else if (((Const *) expr)->constisnull)
		appendStringInfoString(ctx->buf, "NULL");
	else
		MysqlDeparseLiteral(ctx->buf, ((Const *) expr)->consttype,
							((Const *) expr)->constvalue);
}

/*
 * Appends "AND `col` is no zero date" for each date column of a comparison
 * (a grouping's results already read zero dates as NULL)
 */
static void
DeparseZeroDateGuard(List *args, DeparseContext *ctx)
{
	ListCell   *lc;

	if (ctx->grouped_exprs != NIL)
		return;
	foreach(lc, args)
	{
		Expr	   *arg = lfirst(lc);

		if (IsA(arg, Var) && IsDateClass(ClassOf(exprType((Node *) arg))))
		{
			appendStringInfoString(ctx->buf, " AND MONTH(");
			DeparseColumn((Var *) arg, ctx);
			appendStringInfoString(ctx->buf, ") <> 0 AND DAYOFMONTH(");
			DeparseColumn((Var *) arg, ctx);
			appendStringInfoString(ctx->buf, ") <> 0");
		}
	}
}

/* Appends a comparison, with its byte check for text and zero-date guard */
static void
DeparseOpExpr(OpExpr *op, DeparseContext *ctx)
{
	const char *name = get_opname(op->opno);
	bool		text = ClassOf(exprType(linitial(op->args))) == TYPE_TEXT;

	appendStringInfoChar(ctx->buf, '(');
	DeparseOperand(linitial(op->args), ctx);
	appendStringInfo(ctx->buf, " %s ", name);
	DeparseOperand(lsecond(op->args), ctx);
	if (text)
	{
		appendStringInfoString(ctx->buf, " AND BINARY ");
		DeparseOperand(linitial(op->args), ctx);
		appendStringInfoString(ctx->buf, " = BINARY ");
		DeparseOperand(lsecond(op->args), ctx);
	}
	DeparseZeroDateGuard(op->args, ctx);
	appendStringInfoChar(ctx->buf, ')');
}

/* Appends col IN (list) */
static void
DeparseInList(ScalarArrayOpExpr *saop, DeparseContext *ctx)
{
	Const	   *array = lsecond(saop->args);
	ArrayType  *arr = DatumGetArrayTypeP(array->constvalue);
	Oid			elemtype = ARR_ELEMTYPE(arr);
	int16		typlen;
	bool		typbyval;
	char		typalign;
	Datum	   *values;
	bool	   *nulls;
	int			n;

	get_typlenbyvalalign(elemtype, &typlen, &typbyval, &typalign);
	deconstruct_array(arr, elemtype, typlen, typbyval, typalign, &values, &nulls, &n);
	appendStringInfoChar(ctx->buf, '(');
	DeparseOperand(linitial(saop->args), ctx);
	appendStringInfoString(ctx->buf, n == 0 ? " IN (NULL" : " IN (");
	for (int i = 0; i < n; i++)
	{
		if (i > 0)
			appendStringInfoString(ctx->buf, ", ");
		if (nulls[i])
			appendStringInfoString(ctx->buf, "NULL");
		else
			MysqlDeparseLiteral(ctx->buf, elemtype, values[i]);
	}
	appendStringInfoChar(ctx->buf, ')');
	DeparseZeroDateGuard(list_make1(linitial(saop->args)), ctx);
	appendStringInfoChar(ctx->buf, ')');
}

/* Appends col IS [NOT] NULL; a zero date counts as NULL, as it is read */
static void
DeparseNullTest(NullTest *nt, DeparseContext *ctx)
{
	bool		is_null = nt->nulltesttype == IS_NULL;
	bool		date = IsDateClass(ClassOf(exprType((Node *) nt->arg))) &&
		ctx->grouped_exprs == NIL;

	appendStringInfoChar(ctx->buf, '(');
	DeparseOperand(nt->arg, ctx);
	appendStringInfoString(ctx->buf, is_null ? " IS NULL" : " IS NOT NULL");
	if (date)
	{
		appendStringInfoString(ctx->buf, is_null ? " OR MONTH(" : " AND MONTH(");
		DeparseColumn((Var *) nt->arg, ctx);
		appendStringInfoString(ctx->buf, is_null ? ") = 0 OR DAYOFMONTH(" :
							   ") <> 0 AND DAYOFMONTH(");
		DeparseColumn((Var *) nt->arg, ctx);
		appendStringInfoString(ctx->buf, is_null ? ") = 0" : ") <> 0");
	}
	appendStringInfoChar(ctx->buf, ')');
}

/* Appends AND, OR or NOT of pushable expressions */
static void
DeparseBoolExpr(BoolExpr *b, DeparseContext *ctx)
{
	const char *sep = b->boolop == AND_EXPR ? " AND " : " OR ";
	ListCell   *lc;

	if (b->boolop == NOT_EXPR)
	{
		appendStringInfoString(ctx->buf, "(NOT ");
		DeparseExpr(linitial(b->args), ctx);
		appendStringInfoChar(ctx->buf, ')');
		return;
	}
	appendStringInfoChar(ctx->buf, '(');
	foreach(lc, b->args)
	{
		if (lc != list_head(b->args))
			appendStringInfoString(ctx->buf, sep);
		DeparseExpr(lfirst(lc), ctx);
	}
	appendStringInfoChar(ctx->buf, ')');
}

/* Appends a pushable expression */
static void
DeparseExpr(Expr *expr, DeparseContext *ctx)
{
	switch (nodeTag(expr))
	{
		case T_BoolExpr:
			DeparseBoolExpr((BoolExpr *) expr, ctx);
			break;
		case T_NullTest:
			DeparseNullTest((NullTest *) expr, ctx);
			break;
		case T_OpExpr:
			DeparseOpExpr((OpExpr *) expr, ctx);
			break;
		case T_ScalarArrayOpExpr:
			DeparseInList((ScalarArrayOpExpr *) expr, ctx);
			break;
		default:
			elog(ERROR, "unsupported expression type for deparse: %d",
				 (int) nodeTag(expr));
	}
}

/*
 * Builds SELECT <columns> FROM <relation> [WHERE <remote_conds>] for the
 * columns in attrs (attribute numbers offset by
 * FirstLowInvalidHeapAttributeNumber), and lists the attribute numbers the
 * result columns stand for in *retrieved_attrs.
 */
void
MysqlDeparseSelect(StringInfo buf, PlannerInfo *root, RelOptInfo *baserel,
				   Relation rel, const MysqlTableOptions *opts,
				   Bitmapset *attrs, List *remote_conds, List **retrieved_attrs)
{
	TupleDesc	tupdesc = RelationGetDescr(rel);
	DeparseContext ctx = {root, baserel, NIL, false, buf};
	bool		first = true;
	bool		wholerow = bms_is_member(0 - FirstLowInvalidHeapAttributeNumber, attrs);

	*retrieved_attrs = NIL;
	appendStringInfoString(buf, "SELECT ");
	for (int i = 1; i <= tupdesc->natts; i++)
	{
		if (TupleDescAttr(tupdesc, i - 1)->attisdropped)
			continue;
		/* a query's columns are matched by position: all of them come */
		if (opts->query != NULL)
		{
			*retrieved_attrs = lappend_int(*retrieved_attrs, i);
			continue;
		}
		/* a whole-row reference (EvalPlanQual's copy of the row) needs all */
		if (!wholerow && !bms_is_member(i - FirstLowInvalidHeapAttributeNumber, attrs))
			continue;
		if (!first)
			appendStringInfoString(buf, ", ");
		first = false;
		MysqlQuoteIdentifier(buf, MysqlColumnName(RelationGetRelid(rel), i));
		*retrieved_attrs = lappend_int(*retrieved_attrs, i);
	}
	if (opts->query != NULL)
		appendStringInfoChar(buf, '*');
	else if (first)
		appendStringInfoString(buf, "NULL");
	appendStringInfoString(buf, " FROM ");
	MysqlDeparseRelation(buf, opts);
	DeparseConditions(remote_conds, " WHERE ", &ctx);
}

/* Appends keyword (WHERE, ON) and the conditions (RestrictInfos or clauses), if any */
static void
DeparseConditions(List *conds, const char *keyword, DeparseContext *ctx)
{
	ListCell   *lc;

	foreach(lc, conds)
	{
		Expr	   *cond = lfirst(lc);

		if (IsA(cond, RestrictInfo))
			cond = ((RestrictInfo *) cond)->clause;
		appendStringInfoString(ctx->buf, lc == list_head(conds) ? keyword : " AND ");
		DeparseExpr(cond, ctx);
	}
}

/*
 * Aggregates pushed: count(*), count(col), and sum, min and max of integers
 * and exact numerics (min and max of dates and timestamps too, zero dates
 * left out as NULL, as they read with zero_date 'null').  Sums of
 * floats depend on the order of addition, avg on MySQL's division
 * precision, text on the collation: those stay local.
 */
static bool
IsPushableAggregate(Aggref *agg, RelOptInfo *baserel, MysqlZeroDate zero_date)
{
	char	   *name;
	TypeClass	class;
	Expr	   *arg;

	if (agg->aggfnoid >= FirstGenbkiObjectId || agg->aggdistinct ||
		agg->aggorder || agg->aggfilter || agg->aggkind != AGGKIND_NORMAL ||
		agg->aggsplit != AGGSPLIT_SIMPLE || agg->aggvariadic)
		return false;
	name = get_func_name(agg->aggfnoid);
	if (agg->aggstar)
		return strcmp(name, "count") == 0;
	if (list_length(agg->args) != 1)
		return false;
	arg = linitial_node(TargetEntry, agg->args)->expr;
	if (!IsOwnColumn(arg, baserel))
		return false;
	class = ClassOf(exprType((Node *) arg));
	if (strcmp(name, "count") == 0)
		return class != TYPE_OTHER && (!IsDateClass(class) || zero_date == MYSQL_ZERO_DATE_NULL);
	if (strcmp(name, "sum") == 0)
		return class == TYPE_INTEGER || class == TYPE_NUMERIC;
	if (strcmp(name, "min") == 0 || strcmp(name, "max") == 0)
		return class == TYPE_INTEGER || class == TYPE_NUMERIC ||
			((class == TYPE_DATE || class == TYPE_TIMESTAMP) &&
			 zero_date == MYSQL_ZERO_DATE_NULL);
	return false;
}

/*
 * True if a grouping column groups the same way in MySQL: integers, exact
 * numerics, and dates and timestamps (zero dates, NULL here, are grouped
 * with NULL there too; with zero_date 'error' they would be an error here,
 * so dates are then not pushed).
 */
bool
MysqlIsPushableGroupKey(Expr *expr, RelOptInfo *baserel, MysqlZeroDate zero_date)
{
	TypeClass	class;

	if (!IsOwnColumn(expr, baserel))
		return false;
	class = ClassOf(exprType((Node *) expr));
	if (class == TYPE_DATE || class == TYPE_TIMESTAMP)
		return zero_date == MYSQL_ZERO_DATE_NULL;
	return class == TYPE_INTEGER || class == TYPE_NUMERIC;
}

/* True for a grouping column or a pushable aggregate */
bool
MysqlIsPushableGroupedExpr(Expr *expr, RelOptInfo *baserel, MysqlZeroDate zero_date)
{
	if (IsA(expr, Aggref))
		return IsPushableAggregate((Aggref *) expr, baserel, zero_date);
	return MysqlIsPushableGroupKey(expr, baserel, zero_date);
}

/* Appends a column; a date column's zero dates as NULL, as they read */
static void
DeparseColumnValue(Var *var, DeparseContext *ctx)
{
	if (!IsDateClass(ClassOf(var->vartype)))
	{
		DeparseColumn(var, ctx);
		return;
	}
	appendStringInfoString(ctx->buf, "IF(MONTH(");
	DeparseColumn(var, ctx);
	appendStringInfoString(ctx->buf, ") = 0 OR DAYOFMONTH(");
	DeparseColumn(var, ctx);
	appendStringInfoString(ctx->buf, ") = 0, NULL, ");
	DeparseColumn(var, ctx);
	appendStringInfoChar(ctx->buf, ')');
}

/* Appends a grouping column or an aggregate of a grouped query */
static void
DeparseGroupedExpr(Expr *expr, DeparseContext *ctx)
{
	Aggref	   *agg = (Aggref *) expr;

	if (IsA(expr, Var))
	{
		DeparseColumnValue((Var *) expr, ctx);
		return;
	}
	appendStringInfo(ctx->buf, "%s(", asc_toupper(get_func_name(agg->aggfnoid), 5));
	if (agg->aggstar)
		appendStringInfoChar(ctx->buf, '*');
	else
		DeparseColumnValue((Var *) linitial_node(TargetEntry, agg->args)->expr, ctx);
	appendStringInfoChar(ctx->buf, ')');
}

/* The aggregate that combines a grouping's partial results (two levels) */
static const char *
OuterAggregate(Aggref *agg)
{
	char	   *name = get_func_name(agg->aggfnoid);

	if (strcmp(name, "count") == 0 || strcmp(name, "sum") == 0)
		return "SUM";
	return asc_toupper(name, strlen(name));
}

/* The 1-based position of a grouping's result among them */
static int
GroupedPosition(List *grouped_exprs, Expr *expr)
{
	ListCell   *lc;

	foreach(lc, grouped_exprs)
		if (equal(lfirst(lc), expr))
			return foreach_current_index(lc) + 1;
	elog(ERROR, "federated_mysql: expression not among the grouping's results");
	return 0;
}

/*
 * Appends a reference to a result of the grouping (a grouping column or an
 * aggregate): in one level, the expression; in two, the outer level's
 * aggregate over the inner level's column `cN`, or a grouping column's
 * name in the outer select list, `kN`.
 */
static void
DeparseGroupedRef(Expr *expr, DeparseContext *ctx)
{
	int			pos = GroupedPosition(ctx->grouped_exprs, expr);

	if (!ctx->nested)
		DeparseGroupedExpr(expr, ctx);
	else if (IsA(expr, Aggref))
		appendStringInfo(ctx->buf, "%s(`c%d`)", OuterAggregate((Aggref *) expr), pos);
	else
		appendStringInfo(ctx->buf, "`k%d`", pos);
}

/* Appends a grouping's result in the outer level's select list */
static void
DeparseOuterResult(Expr *expr, DeparseContext *ctx)
{
	int			pos = GroupedPosition(ctx->grouped_exprs, expr);

	if (IsA(expr, Aggref))
		DeparseGroupedRef(expr, ctx);
	else if (IsDateClass(ClassOf(exprType((Node *) expr))))
		appendStringInfo(ctx->buf, "IF(MONTH(`c%d`) = 0 OR DAYOFMONTH(`c%d`) = 0, NULL, `c%d`) AS `k%d`",
						 pos, pos, pos, pos);
	else
		appendStringInfo(ctx->buf, "`c%d` AS `k%d`", pos, pos);
}

/*
 * True if a grouping runs in two levels: MySQL groups by a date column as
 * it is stored, which keeps an index usable, and the outer level folds the
 * zero dates (several values there, one NULL here) into the NULL group.
 */
static bool
IsNestedGrouping(MysqlRelInfo *info)
{
	ListCell   *lc;

	foreach(lc, info->group_positions)
	{
		Expr	   *key = list_nth(info->grouped_exprs, lfirst_int(lc) - 1);

		if (IsDateClass(ClassOf(exprType((Node *) key))))
			return true;
	}
	return false;
}

/* Appends GROUP BY <positions> */
static void
DeparseGroupBy(MysqlRelInfo *info, StringInfo buf)
{
	ListCell   *lc;

	foreach(lc, info->group_positions)
		appendStringInfo(buf, "%s%d", lc == list_head(info->group_positions) ?
						 " GROUP BY " : ", ", lfirst_int(lc));
}

static void DeparseFrom(RelOptInfo *rel, DeparseContext *ctx);

/*
 * Appends the inner level of a two-level grouping: the grouping columns as
 * stored and the aggregates, named `c1`, `c2`...
 */
static void
DeparseInnerGrouping(MysqlRelInfo *info, DeparseContext *ctx)
{
	ListCell   *lc;

	appendStringInfoString(ctx->buf, "(SELECT ");
	foreach(lc, info->grouped_exprs)
	{
		Expr	   *expr = lfirst(lc);

		if (lc != list_head(info->grouped_exprs))
			appendStringInfoString(ctx->buf, ", ");
		if (IsA(expr, Var))
			DeparseColumn((Var *) expr, ctx);
		else
			DeparseGroupedExpr(expr, ctx);
		appendStringInfo(ctx->buf, " AS `c%d`", foreach_current_index(lc) + 1);
	}
	DeparseFrom(info->scanrel, ctx);
	DeparseGroupBy(info, ctx->buf);
	appendStringInfoString(ctx->buf, ") AS `g`");
}

/*
 * Appends SELECT <results> FROM ... GROUP BY ... [HAVING ...] of a grouping
 * (see IsNestedGrouping for its two-level form)
 */
static void
DeparseGrouping(MysqlRelInfo *info, DeparseContext *ctx)
{
	DeparseContext outer = *ctx;
	ListCell   *lc;

	outer.grouped_exprs = info->grouped_exprs;
	outer.nested = IsNestedGrouping(info);
	appendStringInfoString(ctx->buf, "SELECT ");
	foreach(lc, info->grouped_exprs)
	{
		if (lc != list_head(info->grouped_exprs))
			appendStringInfoString(ctx->buf, ", ");
		if (outer.nested)
			DeparseOuterResult(lfirst(lc), &outer);
		else
			DeparseGroupedRef(lfirst(lc), &outer);
	}
	if (outer.nested)
	{
		appendStringInfoString(ctx->buf, " FROM ");
		DeparseInnerGrouping(info, ctx);
	}
	else
		DeparseFrom(info->scanrel, ctx);
	DeparseGroupBy(info, ctx->buf);
	foreach(lc, info->having_conds)
	{
		appendStringInfoString(ctx->buf, lc == list_head(info->having_conds) ?
							   " HAVING " : " AND ");
		DeparseExpr(lfirst(lc), &outer);
	}
}

/* Appends a table, or a join of tables, as a FROM item */
static void
DeparseFromItem(RelOptInfo *rel, DeparseContext *ctx)
{
	MysqlRelInfo *info = rel->fdw_private;

	if (IS_SIMPLE_REL(rel))
	{
		MysqlDeparseRelation(ctx->buf, &info->opts);
		if (IS_JOIN_REL(ctx->scanrel))
			appendStringInfo(ctx->buf, " AS `r%d`", rel->relid);
		return;
	}
	appendStringInfoChar(ctx->buf, '(');
	DeparseFromItem(info->outerrel, ctx);
	appendStringInfoString(ctx->buf, info->jointype == JOIN_INNER ? " INNER JOIN " :
						   info->jointype == JOIN_LEFT ? " LEFT JOIN " : " RIGHT JOIN ");
	DeparseFromItem(info->innerrel, ctx);
	if (info->joinclauses == NIL)
		appendStringInfoString(ctx->buf, " ON TRUE");
	DeparseConditions(info->joinclauses, " ON ", ctx);
	appendStringInfoChar(ctx->buf, ')');
}

/*
 * Appends [NOT] EXISTS (SELECT 1 FROM <inner> WHERE <join conditions>) of a
 * SEMI or ANTI join
 */
static void
DeparseExists(MysqlRelInfo *info, DeparseContext *ctx)
{
	appendStringInfoString(ctx->buf, info->jointype == JOIN_ANTI ?
						   "NOT EXISTS (SELECT 1 FROM " : "EXISTS (SELECT 1 FROM ");
	DeparseFromItem(info->innerrel, ctx);
	DeparseConditions(info->joinclauses, " WHERE ", ctx);
	appendStringInfoChar(ctx->buf, ')');
}

/*
 * Appends FROM <relation> [WHERE <conditions>] of a table or join (a SEMI
 * or ANTI join: its outer side, and [NOT] EXISTS among the conditions)
 */
static void
DeparseFrom(RelOptInfo *rel, DeparseContext *ctx)
{
	MysqlRelInfo *info = rel->fdw_private;
	bool		semi = IS_JOIN_REL(rel) &&
		(info->jointype == JOIN_SEMI || info->jointype == JOIN_ANTI);

	appendStringInfoString(ctx->buf, " FROM ");
	DeparseFromItem(semi ? info->outerrel : rel, ctx);
	DeparseConditions(info->remote_conds, " WHERE ", ctx);
	if (semi)
	{
		appendStringInfoString(ctx->buf, info->remote_conds == NIL ? " WHERE " : " AND ");
		DeparseExists(info, ctx);
	}
}

/*
 * The expression a sort key stands for, if MySQL can sort by it as
 * PostgreSQL would: a column of the table or join (numbers, dates,
 * timestamps; text only in a C collation, compared there byte for byte) or
 * a result of the grouping, sorted by the type's default order.  NULL if
 * not.
 */
Expr *
MysqlSortKeyExpr(PlannerInfo *root, MysqlRelInfo *info, PathKey *pathkey)
{
	EquivalenceClass *ec = pathkey->pk_eclass;
	DeparseContext ctx = {root, info->scanrel, info->grouped ? info->grouped_exprs : NIL,
	false, NULL};
	ListCell   *lc;

	if (ec->ec_has_volatile)
		return NULL;
	foreach(lc, ec->ec_members)
	{
		EquivalenceMember *em = lfirst(lc);
		Expr	   *expr = em->em_expr;
		TypeClass	class;
		Oid			opfamily;

		if (IsA(expr, RelabelType))
			expr = ((RelabelType *) expr)->arg;
		if (em->em_is_child || !IsColumn(expr, &ctx))
			continue;
		class = ClassOf(exprType((Node *) expr));
		opfamily = get_opclass_family(GetDefaultOpClass(exprType((Node *) expr),
														BTREE_AM_OID));
		if (class == TYPE_OTHER || opfamily != pathkey->pk_opfamily)
			continue;
		if (class == TYPE_TEXT &&
			(!lc_collate_is_c(ec->ec_collation) || GetDatabaseEncoding() != PG_UTF8))
			continue;
		return expr;
	}
	return NULL;
}

/*
 * Appends the value a sort key sorts by: a grouping's result, a column
 * (a date's zero dates as NULL), text as its UTF-8 bytes
 */
static void
DeparseSortValue(Expr *expr, DeparseContext *ctx)
{
	if (ctx->grouped_exprs != NIL)
		DeparseGroupedRef(expr, ctx);
	else if (ClassOf(exprType((Node *) expr)) == TYPE_TEXT)
	{
		appendStringInfoString(ctx->buf, "CAST(CONVERT(");
		DeparseColumn((Var *) expr, ctx);
		appendStringInfoString(ctx->buf, " USING utf8mb4) AS BINARY)");
	}
	else
		DeparseColumnValue((Var *) expr, ctx);
}

/* True if a column is declared NOT NULL (which PostgreSQL assumes true) */
static bool
IsNotNullColumn(Var *var, DeparseContext *ctx)
{
	HeapTuple	tuple;
	bool		notnull;

	tuple = SearchSysCacheAttNum(planner_rt_fetch(var->varno, ctx->root)->relid,
								 var->varattno);
	if (!HeapTupleIsValid(tuple))
		return false;
	notnull = ((Form_pg_attribute) GETSTRUCT(tuple))->attnotnull;
	ReleaseSysCache(tuple);
	return notnull;
}

/* Appends one sort key: NULLs placed explicitly, text by its UTF-8 bytes */
static void
DeparseSortKey(Expr *expr, PathKey *pathkey, DeparseContext *ctx)
{
	bool		desc = pathkey->pk_strategy == BTGreaterStrategyNumber;
	Var		   *var = (Var *) expr;
	bool		notnull = ctx->grouped_exprs == NIL && IsA(expr, Var) &&
		!IsDateClass(ClassOf(var->vartype)) && IsNotNullColumn(var, ctx);

	/* MySQL sorts NULL first ascending, last descending */
	if (!notnull)
	{
		DeparseSortValue(expr, ctx);
		appendStringInfoString(ctx->buf, pathkey->pk_nulls_first ? " IS NULL DESC, " :
							   " IS NULL, ");
	}
	DeparseSortValue(expr, ctx);
	if (desc)
		appendStringInfoString(ctx->buf, " DESC");
}

/* Appends ORDER BY of the sort keys */
static void
DeparseOrderBy(List *pathkeys, MysqlRelInfo *info, DeparseContext *ctx)
{
	ListCell   *lc;

	foreach(lc, pathkeys)
	{
		PathKey    *pathkey = lfirst_node(PathKey, lc);

		appendStringInfoString(ctx->buf, lc == list_head(pathkeys) ? " ORDER BY " : ", ");
		DeparseSortKey(MysqlSortKeyExpr(ctx->root, info, pathkey), pathkey, ctx);
	}
}

/* Appends LIMIT n [OFFSET m] of the query (constants, checked >= 0) */
static void
DeparseLimit(Query *query, StringInfo buf)
{
	Const	   *count = (Const *) query->limitCount;
	Const	   *offset = (Const *) query->limitOffset;

	if (count != NULL && !count->constisnull)
		appendStringInfo(buf, " LIMIT " INT64_FORMAT, DatumGetInt64(count->constvalue));
	else if (offset != NULL && !offset->constisnull)
		/* MySQL has no OFFSET without LIMIT: its own idiom, the largest count */
		appendStringInfoString(buf, " LIMIT 18446744073709551615");
	if (offset != NULL && !offset->constisnull)
		appendStringInfo(buf, " OFFSET " INT64_FORMAT, DatumGetInt64(offset->constvalue));
}

/*
 * Builds the remote query of a join or an upper rel: its columns exprs
 * (a grouping's results, or columns of the table or join), FROM, WHERE,
 * GROUP BY and HAVING, ORDER BY by the pathkeys, and LIMIT/OFFSET.
 */
void
MysqlDeparseQuery(StringInfo buf, PlannerInfo *root, RelOptInfo *foreignrel,
				  List *exprs, List *pathkeys)
{
	MysqlRelInfo *info = foreignrel->fdw_private;
	DeparseContext ctx = {root, info->scanrel, NIL, false, buf};
	ListCell   *lc;

	if (info->grouped)
	{
		DeparseGrouping(info, &ctx);
		ctx.grouped_exprs = info->grouped_exprs;
		ctx.nested = IsNestedGrouping(info);
	}
	else
	{
		appendStringInfoString(buf, "SELECT ");
		foreach(lc, exprs)
		{
			if (lc != list_head(exprs))
				appendStringInfoString(buf, ", ");
			DeparseColumn(lfirst_node(Var, lc), &ctx);
		}
		if (exprs == NIL)
			appendStringInfoString(buf, "NULL");
		DeparseFrom(info->scanrel, &ctx);
	}
	DeparseOrderBy(pathkeys, info, &ctx);
	if (info->limited)
		DeparseLimit(root->parse, buf);
}
