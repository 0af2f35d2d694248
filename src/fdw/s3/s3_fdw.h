/*-------------------------------------------------------------------------
 *
 * s3_fdw.h
 *	  Private header of federated_s3, the foreign data wrapper that reads
 *	  CSV, text and JSON Lines objects from S3 (one object, a prefix or a
 *	  glob; gzip or zstd; hive-style partitions pruned by WHERE).
 *
 * The planner lists the objects (ListObjectsV2), keeps those the URI and
 * the WHERE clause's conditions on partition columns select, and puts them
 * in the plan; the executor streams each object with a GET through a reply
 * sink (memory bounded by what one network step brings), decompresses it,
 * and parses it with PostgreSQL's own COPY parser (CSV, text) or json-c
 * (JSON Lines).  See doc/s3.md.
 *
 *-------------------------------------------------------------------------
 */
#ifndef S3_FDW_H
#define S3_FDW_H

#include "aws/aws_s3.h"
#include "access/parallel.h"
#include "commands/copy.h"
#include "commands/explain.h"
#include "foreign/fdwapi.h"
#include "nodes/execnodes.h"
#include "nodes/pathnodes.h"

#define S3_WRAPPER_NAME		"federated_s3"

/* What the objects hold */
typedef enum S3Format
{
	S3_FORMAT_CSV,
	S3_FORMAT_TEXT,
	S3_FORMAT_JSONL
} S3Format;

/* How the objects are compressed */
typedef enum S3Compression
{
	S3_COMPRESSION_NONE,
	S3_COMPRESSION_GZIP,
	S3_COMPRESSION_ZSTD,
	S3_COMPRESSION_AUTO			/* by each key's extension */
} S3Compression;

/* A foreign table's options, resolved */
typedef struct S3Table
{
	Oid			relid;
	S3Endpoint	endpoint;
	char	   *uri;			/* as the user wrote it */
	char	   *bucket;
	char	   *pattern;		/* key, prefix ending in '/', or glob */
	bool		is_prefix;
	bool		is_glob;
	char	   *list_prefix;	/* what ListObjectsV2 is asked for */
	S3Format	format;
	S3Compression compression;
	List	   *copy_options;	/* DefElems for BeginCopyFrom */
	int64		range_size;		/* bytes per range of a parallel scan */
	bool		splittable;		/* a row may begin after any newline */
	int64		part_size;		/* INSERT: multipart above this many bytes */
} S3Table;

/* The range_size option's default */
#define S3_DEFAULT_RANGE_SIZE	(64 * 1024 * 1024)

/* One object a scan reads, as the plan carries it */
typedef struct S3ScanObject
{
	S3Object	object;
	List	   *partition_values;	/* raw "name=value" values, one String
									 * per partition column */
} S3ScanObject;

/*--- in s3_fdw.c (handler, validator, options) ---*/

extern S3Table *S3GetTable(Oid relid, Oid userid);
extern void S3ServerEndpoint(S3Endpoint *ep, Oid serverid, Oid userid);
extern void S3ApplyFormatOptions(S3Table *table, List *options);
extern void S3ParseUri(const char *uri, char **bucket, char **pattern);
extern const char *const s3_formats[];
extern const char *const s3_compressions[];
extern S3Compression S3ObjectCompression(const S3Table *table, const char *key);
extern int	S3ObjectRanges(const S3Table *table, const S3Object *object);

/*--- in s3_plan.c (listing, partitions, paths, plan, EXPLAIN) ---*/

extern void S3GetForeignRelSize(PlannerInfo *root, RelOptInfo *baserel,
								Oid foreigntableid);
extern void S3GetForeignPaths(PlannerInfo *root, RelOptInfo *baserel,
							  Oid foreigntableid);
extern ForeignScan *S3GetForeignPlan(PlannerInfo *root, RelOptInfo *baserel,
									 Oid foreigntableid, ForeignPath *best_path,
									 List *tlist, List *scan_clauses,
									 Plan *outer_plan);
extern void S3ExplainForeignScan(ForeignScanState *node, ExplainState *es);

/* fdw_private of the plan, in this order */
enum S3PlanPrivate
{
	S3_PLAN_OBJECTS,			/* List of List(key, size, etag, values...) */
	S3_PLAN_PARTITION_ATTNUMS,	/* IntList */
	S3_PLAN_RETRIEVED_ATTNUMS,	/* IntList: columns the query uses */
	S3_PLAN_LISTED,				/* Integer: objects the URI matched */
	S3_PLAN_LIST_REQUESTS		/* Integer: ListObjectsV2 calls made */
};

extern List *S3PlanObjects(List *fdw_private);
extern List *S3TableObjects(const S3Table *table, Relation rel,
							List **partition_attnums, S3Counters *counters);
extern BlockNumber S3SizePages(int64 bytes);
extern char *S3PartitionValueText(const char *raw);
extern Datum S3PartitionDatum(Form_pg_attribute attr, const char *raw,
							  const char *bucket, const char *key, bool *isnull);

/*--- in s3_stream.c (GET, resume, decompression) ---*/

typedef struct S3Stream S3Stream;

extern S3Stream *S3StreamOpen(const S3Table *table, const S3Object *object,
							  S3Counters *counters);
extern S3Stream *S3StreamOpenRange(const S3Table *table, const S3Object *object,
								   S3Counters *counters, int64 start, int64 end);
extern size_t S3StreamRead(S3Stream *stream, char *buf, size_t minread,
						   size_t maxread);
extern void S3StreamClose(S3Stream *stream);

/*--- in s3_scan.c (executor; reading objects row by row) ---*/

typedef struct S3Reader S3Reader;

extern S3Reader *S3ReaderCreate(const S3Table *table, Relation rel,
								List *partition_attnums, List *retrieved_attnums,
								S3Counters *counters);
extern void S3ReaderOpen(S3Reader *reader, S3ScanObject *object,
						 int64 start, int64 end);
extern bool S3ReaderIsOpen(const S3Reader *reader);
extern bool S3ReaderNext(S3Reader *reader, ExprContext *econtext,
						 Datum *values, bool *nulls);
extern void S3ReaderClose(S3Reader *reader);

extern void S3BeginForeignScan(ForeignScanState *node, int eflags);
extern TupleTableSlot *S3IterateForeignScan(ForeignScanState *node);
extern void S3ReScanForeignScan(ForeignScanState *node);
extern void S3EndForeignScan(ForeignScanState *node);
extern void S3ExplainScanCounters(ForeignScanState *node, ExplainState *es);
extern bool S3IsForeignScanParallelSafe(PlannerInfo *root, RelOptInfo *rel,
										RangeTblEntry *rte);
extern Size S3EstimateDSMForeignScan(ForeignScanState *node,
									 ParallelContext *pcxt);
extern void S3InitializeDSMForeignScan(ForeignScanState *node,
									   ParallelContext *pcxt, void *coordinate);
extern void S3ReInitializeDSMForeignScan(ForeignScanState *node,
										 ParallelContext *pcxt, void *coordinate);
extern void S3InitializeWorkerForeignScan(ForeignScanState *node,
										  shm_toc *toc, void *coordinate);

/*--- in s3_analyze.c (ANALYZE) ---*/

extern bool S3AnalyzeForeignTable(Relation relation, AcquireSampleRowsFunc *func,
								  BlockNumber *totalpages);

/*--- in s3_import.c (IMPORT FOREIGN SCHEMA) ---*/

extern List *S3ImportForeignSchema(ImportForeignSchemaStmt *stmt, Oid serverOid);

/*--- in s3_modify.c (INSERT) ---*/

extern int	S3IsForeignRelUpdatable(Relation rel);
extern void S3BeginForeignModify(ModifyTableState *mtstate, ResultRelInfo *rinfo,
								 List *fdw_private, int subplan_index, int eflags);
extern TupleTableSlot *S3ExecForeignInsert(EState *estate, ResultRelInfo *rinfo,
										   TupleTableSlot *slot,
										   TupleTableSlot *plan_slot);
extern void S3EndForeignModify(EState *estate, ResultRelInfo *rinfo);
extern void S3BeginForeignInsert(ModifyTableState *mtstate, ResultRelInfo *rinfo);
extern void S3EndForeignInsert(EState *estate, ResultRelInfo *rinfo);

/*--- in s3_jsonl.c (JSON Lines rows) ---*/

typedef struct S3JsonLines S3JsonLines;

extern S3JsonLines *S3JsonLinesBegin(Relation rel, List *attnums,
									 S3Stream *stream);
extern bool S3JsonLinesNext(S3JsonLines *reader, Datum *values, bool *nulls);
/* Called with each member of a row and the type its value fits */
typedef void (*S3JsonMemberFn) (void *arg, char *name, int inferred_type);
extern bool S3JsonLinesNextMembers(S3JsonLines *reader, S3JsonMemberFn member,
								   void *arg);

#endif							/* S3_FDW_H */
