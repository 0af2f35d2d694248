/*-------------------------------------------------------------------------
 *
 * federated_mysql.h
 *	  Private declarations of the federated_mysql foreign data wrapper
 *	  (MySQL and MariaDB through libmariadb), grouped by the file that
 *	  defines them.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FEDERATED_MYSQL_H
#define FEDERATED_MYSQL_H

#include "fdw/mysql/mysql_client.h"

#include "foreign/foreign.h"
#include "lib/stringinfo.h"
#include "commands/explain.h"
#include "foreign/fdwapi.h"
#include "nodes/execnodes.h"
#include "nodes/pathnodes.h"
#include "nodes/plannodes.h"
#include "utils/relcache.h"

#include "fdw/fdw.h"
#include "fdw/fdw_option.h"

#define MYSQL_WRAPPER_NAME "federated_mysql"

/* in mysql_option.c */

/* What to do with a zero date ('0000-00-00') or one with a zero part */
typedef enum MysqlZeroDate
{
	MYSQL_ZERO_DATE_NULL,
	MYSQL_ZERO_DATE_ERROR
} MysqlZeroDate;

/* The options that matter for connecting, merged from server and mapping */
typedef struct MysqlConnOptions
{
	const char *host;
	int			port;
	const char *dbname;
	const char *username;
	const char *password;
	const char *ssl_mode;
	const char *ssl_ca;
	const char *ssl_cert;
	const char *ssl_key;
	int			connect_timeout;	/* seconds */
	int			read_timeout;	/* seconds */
	int			write_timeout;	/* seconds */
	bool		password_required;
} MysqlConnOptions;

/* A foreign table's options, with the server's defaults applied */
typedef struct MysqlTableOptions
{
	const char *dbname;			/* remote database, or NULL for the default */
	const char *table_name;		/* remote table */
	const char *query;			/* pass-through query, or NULL */
	int			fetch_size;
	int			batch_size;
	MysqlZeroDate zero_date;
	bool		use_remote_estimate;
} MysqlTableOptions;

extern const FdwOption MysqlOptions[];
extern void MysqlConnOptionsFor(ForeignServer *server, UserMapping *user,
								MysqlConnOptions *opts);
extern void MysqlTableOptionsFor(Oid relid, MysqlTableOptions *opts);
extern char *MysqlColumnName(Oid relid, AttrNumber attnum);

/* in mysql_connection.c */

/* A cached connection to one server for one user mapping */
typedef struct MysqlConn MysqlConn;

/* A result being streamed from the server, row by row */
typedef struct MysqlStream MysqlStream;

extern void MysqlConnectionInit(void);
extern MysqlConn *MysqlGetConnection(UserMapping *user);
extern MYSQL *MysqlHandle(MysqlConn *conn);
extern void MysqlExec(MysqlConn *conn, const char *sql);
extern MysqlStream *MysqlStreamOpen(MysqlConn *conn, const char *sql,
									int batch_rows, MemoryContext context);
extern MYSQL_ROW MysqlStreamNext(MysqlStream *stream, unsigned long **lengths);
extern MYSQL_FIELD *MysqlStreamFields(MysqlStream *stream, int *nfields);
extern void MysqlStreamClose(MysqlStream *stream);
extern MYSQL_RES *MysqlQueryAll(MysqlConn *conn, const char *sql);
extern uint64 MysqlAffectedRows(MysqlConn *conn);
extern void MysqlReportError(int elevel, MysqlConn *conn, const char *sql)
			pg_attribute_noreturn();

/* in mysql_reader.c */

/* A thread reading a streaming result ahead of the backend */
typedef struct MysqlReader MysqlReader;

extern MysqlReader *MysqlReaderStart(MYSQL_RES *res, int nfields,
									 int batch_rows, int socket);
extern bool MysqlReaderNext(MysqlReader *reader, MYSQL_ROW *row,
							unsigned long **lengths);
extern bool MysqlReaderDone(MysqlReader *reader);
extern void MysqlReaderDiscard(MysqlReader *reader);
extern void MysqlReaderFree(MysqlReader *reader);

/* in mysql_convert.c */

/* How one remote column becomes one PostgreSQL value */
typedef struct MysqlColumnConverter
{
	Oid			typid;
	int32		typmod;
	FmgrInfo	input;			/* the type's input function */
	Oid			ioparam;
	int			kind;			/* MYSQL_CONVERT_* (mysql_convert.c) */
	bool		remote_binary;	/* the remote field is binary (charset 63) */
	bool		remote_set;		/* the remote field is a SET */
	int			remote_bits;	/* the remote field is a BIT(n): n, else 0 */
	const char *name;			/* for messages */
} MysqlColumnConverter;

extern void MysqlConverterInit(MysqlColumnConverter *conv, Oid typid,
							   int32 typmod, const char *name);
extern void MysqlConverterBindField(MysqlColumnConverter *conv,
									const MYSQL_FIELD *field);
extern Datum MysqlConvertValue(MysqlColumnConverter *conv, char *value,
							   unsigned long length, MysqlZeroDate zero_date,
							   bool *isnull);

/* in mysql_plan.c */

/*
 * What the planner knows about a relation MySQL can produce: a foreign
 * table, a join of foreign tables, or a grouping, ordering or LIMIT of one
 * (the RelOptInfo's fdw_private).
 */
typedef struct MysqlRelInfo
{
	MysqlTableOptions opts;		/* the table's, or the first table's */
	Oid			relid;			/* the foreign table, or the first one */
	Oid			serverid;		/* its server */
	Oid			userid;			/* the user it is read as (checkAsUser) */
	RelOptInfo *scanrel;		/* the base or join rel the rows come from */
	List	   *remote_conds;	/* RestrictInfos MySQL evaluates (WHERE) */
	List	   *local_conds;	/* RestrictInfos evaluated here */
	Bitmapset  *attrs_used;		/* a table's columns the query needs */
	/* a join */
	JoinType	jointype;
	RelOptInfo *outerrel;
	RelOptInfo *innerrel;
	List	   *joinclauses;	/* its ON conditions (RestrictInfos) */
	Relids		nullable_relids;	/* tables an outer join may null-extend */
	/* a grouping done in MySQL */
	bool		grouped;
	List	   *grouped_exprs;	/* its result: grouping columns, aggregates */
	List	   *group_positions;	/* 1-based positions of grouping columns */
	List	   *having_conds;	/* HAVING conditions (expressions) */
	/* LIMIT/OFFSET done in MySQL */
	bool		limited;
} MysqlRelInfo;

/* Planner estimates: a round trip, and the cost of a row from MySQL */
#define MYSQL_STARTUP_COST 100.0
#define MYSQL_ROW_COST 0.01

/* Indexes of the fdw_private list of a ForeignScan plan */
enum
{
	MYSQL_PRIVATE_SQL,			/* the remote query (String) */
	MYSQL_PRIVATE_ATTRS			/* attribute numbers it returns (IntList) */
};

extern double MysqlRemoteRows(MysqlRelInfo *info, const char *sql);
extern void MysqlGetForeignRelSize(PlannerInfo *root, RelOptInfo *baserel,
								   Oid relid);
extern void MysqlGetForeignPaths(PlannerInfo *root, RelOptInfo *baserel,
								 Oid relid);
extern ForeignScan *MysqlGetForeignPlan(PlannerInfo *root, RelOptInfo *baserel,
										Oid relid, ForeignPath *best_path,
										List *tlist, List *scan_clauses,
										Plan *outer_plan);
extern void MysqlGetForeignUpperPaths(PlannerInfo *root, UpperRelationKind stage,
									  RelOptInfo *input_rel, RelOptInfo *output_rel,
									  void *extra);

/* in mysql_join.c */
extern void MysqlGetForeignJoinPaths(PlannerInfo *root, RelOptInfo *joinrel,
									 RelOptInfo *outerrel, RelOptInfo *innerrel,
									 JoinType jointype, JoinPathExtraData *extra);
extern bool MysqlRecheckForeignScan(ForeignScanState *node, TupleTableSlot *slot);

/* in mysql_deparse.c */
extern void MysqlQuoteIdentifier(StringInfo buf, const char *ident);
extern void MysqlAppendStringLiteral(StringInfo buf, const char *s);
extern void MysqlDeparseRelation(StringInfo buf, const MysqlTableOptions *opts);
extern bool MysqlIsPushableExpr(PlannerInfo *root, RelOptInfo *baserel,
								Expr *expr);
extern void MysqlDeparseSelect(StringInfo buf, PlannerInfo *root,
							   RelOptInfo *baserel, Relation rel,
							   const MysqlTableOptions *opts,
							   Bitmapset *attrs, List *remote_conds,
							   List **retrieved_attrs);
extern void MysqlDeparseLiteral(StringInfo buf, Oid typid, Datum value);
extern bool MysqlIsPushableGroupKey(Expr *expr, RelOptInfo *baserel,
									MysqlZeroDate zero_date);
extern bool MysqlIsPushableGroupedExpr(Expr *expr, RelOptInfo *baserel,
									   MysqlZeroDate zero_date);
extern bool MysqlIsPushableWholeRow(PlannerInfo *root, Var *var);
extern bool MysqlIsPushableHaving(PlannerInfo *root, MysqlRelInfo *info,
								  Expr *expr);
extern Expr *MysqlSortKeyExpr(PlannerInfo *root, MysqlRelInfo *info,
							  PathKey *pathkey);
extern void MysqlDeparseQuery(StringInfo buf, PlannerInfo *root,
							  RelOptInfo *foreignrel, List *exprs,
							  List *pathkeys);

/* in mysql_analyze.c */
extern bool MysqlAnalyzeForeignTable(Relation relation,
									 AcquireSampleRowsFunc *func,
									 BlockNumber *totalpages);

/* in mysql_scan.c */
extern MysqlColumnConverter *MysqlConvertersFor(TupleDesc tupdesc, List *attrs);
extern void MysqlConvertersBind(MysqlColumnConverter *converters,
								MysqlStream *stream, int expected,
								const char *relname);
extern void MysqlBeginForeignScan(ForeignScanState *node, int eflags);
extern TupleTableSlot *MysqlIterateForeignScan(ForeignScanState *node);
extern void MysqlReScanForeignScan(ForeignScanState *node);
extern void MysqlEndForeignScan(ForeignScanState *node);
extern void MysqlExplainForeignScan(ForeignScanState *node,
									ExplainState *es);

/* in mysql_modify.c */
extern void MysqlAddForeignUpdateTargets(PlannerInfo *root, Index rtindex,
										 RangeTblEntry *target_rte,
										 Relation target_relation);
extern List *MysqlPlanForeignModify(PlannerInfo *root, ModifyTable *plan,
									Index resultRelation, int subplan_index);
extern void MysqlBeginForeignModify(ModifyTableState *mtstate,
									ResultRelInfo *rinfo, List *fdw_private,
									int subplan_index, int eflags);
extern void MysqlBeginForeignInsert(ModifyTableState *mtstate,
									ResultRelInfo *rinfo);
extern TupleTableSlot **MysqlExecForeignBatchInsert(EState *estate,
													ResultRelInfo *rinfo,
													TupleTableSlot **slots,
													TupleTableSlot **planSlots,
													int *numSlots);
extern TupleTableSlot *MysqlExecForeignInsert(EState *estate, ResultRelInfo *rinfo,
											  TupleTableSlot *slot,
											  TupleTableSlot *planSlot);
extern int	MysqlGetForeignModifyBatchSize(ResultRelInfo *rinfo);
extern TupleTableSlot *MysqlExecForeignUpdate(EState *estate, ResultRelInfo *rinfo,
											  TupleTableSlot *slot,
											  TupleTableSlot *planSlot);
extern TupleTableSlot *MysqlExecForeignDelete(EState *estate, ResultRelInfo *rinfo,
											  TupleTableSlot *slot,
											  TupleTableSlot *planSlot);
extern void MysqlEndForeignModify(EState *estate, ResultRelInfo *rinfo);
extern int	MysqlIsForeignRelUpdatable(Relation rel);

/* in mysql_import.c */
extern List *MysqlImportForeignSchema(ImportForeignSchemaStmt *stmt,
									  Oid serverOid);

#endif							/* FEDERATED_MYSQL_H */
