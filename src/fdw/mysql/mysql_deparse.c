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

#include "access/sysattr.h"
#include "catalog/pg_aggregate.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_operator.h"
#include "catalog/pg_type.h"
#include "mb/pg_wchar.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/optimizer.h"
#include "utils/builtins.h"
#include "utils/formatting.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"
#include "utils/array.h"
#include "utils/rel.h"
#include "utils/timestamp.h"

#include "fdw/mysql/federated_mysql.h"

/* The comparison operators pushed, by name */
static const char *const comparison_operators[] = {
	"=", "<>", "<", "<=", ">", ">=", NULL
};

/* What we know while deparsing one relation's expressions */
typedef struct DeparseContext
{
	PlannerInfo *root;
	RelOptInfo *baserel;
	Oid			relid;			/* the foreign table, for column names */
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

/* True for a column of the scanned relation */
static bool
IsOwnColumn(Expr *expr, RelOptInfo *baserel)
{
	Var		   *var = (Var *) expr;

	return IsA(expr, Var) && var->varno == baserel->relid &&
		var->varlevelsup == 0 && var->varattno > 0;
}

/* True for a column of the relation or a pushable constant */
static bool
IsPushableOperand(Expr *expr, RelOptInfo *baserel)
{
	if (IsA(expr, RelabelType))
		expr = ((RelabelType *) expr)->arg;
	return IsOwnColumn(expr, baserel) ||
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
IsColumnVsConst(List *args, RelOptInfo *baserel)
{
	Expr	   *a = linitial(args);
	Expr	   *b = lsecond(args);

	if (IsA(a, RelabelType))
		a = ((RelabelType *) a)->arg;
	if (IsA(b, RelabelType))
		b = ((RelabelType *) b)->arg;
	return (IsOwnColumn(a, baserel) && IsA(b, Const)) ||
		(IsOwnColumn(b, baserel) && IsA(a, Const));
}

/* True if MySQL evaluates expr exactly as PostgreSQL does */
bool
MysqlIsPushableExpr(PlannerInfo *root, RelOptInfo *baserel, Expr *expr)
{
	switch (nodeTag(expr))
	{
		case T_BoolExpr:
			{
				ListCell   *lc;

				foreach(lc, ((BoolExpr *) expr)->args)
					if (!MysqlIsPushableExpr(root, baserel, lfirst(lc)))
						return false;
				return true;
			}
		case T_NullTest:
			{
				NullTest   *nt = (NullTest *) expr;

				return !nt->argisrow && IsOwnColumn(nt->arg, baserel) &&
					ClassOf(exprType((Node *) nt->arg)) != TYPE_OTHER;
			}
		case T_OpExpr:
			{
				OpExpr	   *op = (OpExpr *) expr;

				if (list_length(op->args) != 2 ||
					!IsPushableOperand(linitial(op->args), baserel) ||
					!IsPushableOperand(lsecond(op->args), baserel) ||
					!IsPushableComparison(op->opno,
										  exprType(linitial(op->args)),
										  exprType(lsecond(op->args)),
										  op->inputcollid))
					return false;
				return ClassOf(exprType(linitial(op->args))) != TYPE_TEXT ||
					IsColumnVsConst(op->args, baserel);
			}
		case T_ScalarArrayOpExpr:
			{
				ScalarArrayOpExpr *saop = (ScalarArrayOpExpr *) expr;
				Expr	   *array = lsecond(saop->args);
				Oid			elemtype;

				if (!saop->useOr || !IsA(array, Const) ||
					((Const *) array)->constisnull ||
					!IsOwnColumn(linitial(saop->args), baserel))
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

static void DeparseExpr(Expr *expr, DeparseContext *ctx);
static void DeparseWhere(List *conds, DeparseContext *ctx);
static Oid	OutputFunctionOf(Oid typid);

/* Appends a column's remote name */
static void
DeparseColumn(Var *var, DeparseContext *ctx)
{
	MysqlQuoteIdentifier(ctx->buf,
						 MysqlColumnName(ctx->relid, var->varattno));
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
	if (IsA(expr, Var))
		DeparseColumn((Var *) expr, ctx);
	else if (((Const *) expr)->constisnull)
		appendStringInfoString(ctx->buf, "NULL");
	else
		MysqlDeparseLiteral(ctx->buf, ((Const *) expr)->consttype,
							((Const *) expr)->constvalue);
}

/* Appends "AND `col` is no zero date" for each date column of a comparison */
static void
DeparseZeroDateGuard(List *args, DeparseContext *ctx)
{
	ListCell   *lc;

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
	bool		date = IsDateClass(ClassOf(exprType((Node *) nt->arg)));

	appendStringInfoChar(ctx->buf, '(');
	DeparseColumn((Var *) nt->arg, ctx);
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
	DeparseContext ctx = {root, baserel, RelationGetRelid(rel), buf};
	bool		first = true;

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
		if (!bms_is_member(i - FirstLowInvalidHeapAttributeNumber, attrs))
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
	DeparseWhere(remote_conds, &ctx);
}

/* Appends WHERE and the conditions (RestrictInfos or clauses), if any */
static void
DeparseWhere(List *conds, DeparseContext *ctx)
{
	ListCell   *lc;

	foreach(lc, conds)
	{
		Expr	   *cond = lfirst(lc);

		if (IsA(cond, RestrictInfo))
			cond = ((RestrictInfo *) cond)->clause;
		appendStringInfoString(ctx->buf, lc == list_head(conds) ? " WHERE " : " AND ");
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

/*
 * Builds SELECT <exprs> FROM <relation> [WHERE ...] [GROUP BY <positions>]
 * for a grouped query: exprs are the grouping columns and aggregates of the
 * scan's target list, group_positions the 1-based positions of the grouping
 * columns among them.
 */
void
MysqlDeparseGroupedSelect(StringInfo buf, PlannerInfo *root, RelOptInfo *baserel,
						  Oid relid, const MysqlTableOptions *opts,
						  List *exprs, List *remote_conds, List *group_positions)
{
	DeparseContext ctx = {root, baserel, relid, buf};
	ListCell   *lc;

	appendStringInfoString(buf, "SELECT ");
	foreach(lc, exprs)
	{
		if (lc != list_head(exprs))
			appendStringInfoString(buf, ", ");
		DeparseGroupedExpr(lfirst(lc), &ctx);
	}
	appendStringInfoString(buf, " FROM ");
	MysqlDeparseRelation(buf, opts);
	DeparseWhere(remote_conds, &ctx);
	foreach(lc, group_positions)
		appendStringInfo(buf, "%s%d", lc == list_head(group_positions) ?
						 " GROUP BY " : ", ", lfirst_int(lc));
}
