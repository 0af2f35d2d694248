/*-------------------------------------------------------------------------
 *
 * s3_fdw.c
 *	  federated_s3's handler and validator, and a foreign table's options
 *	  resolved into an S3Table (endpoint, credentials, URI, format).
 *
 * Options (doc/s3.md): server region, endpoint (superuser only),
 * url_style; user mapping access_key_id, secret_access_key, session_token
 * (without a mapping, or without keys in it, the backend's credential
 * chain); table uri, format, compression and COPY's header, delimiter,
 * null, quote, escape, encoding; column force_not_null, force_null.  The
 * COPY options are checked by COPY itself, so they mean what they mean in
 * COPY.
 *
 * IDENTIFICATION
 *	  src/fdw/s3/s3_fdw.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/reloptions.h"
#include "access/table.h"
#include "catalog/pg_foreign_server.h"
#include "catalog/pg_foreign_table.h"
#include "catalog/pg_user_mapping.h"
#include "commands/copy.h"
#include "commands/defrem.h"
#include "foreign/fdwapi.h"
#include "foreign/foreign.h"
#include "nodes/makefuncs.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "fdw/fdw_option.h"
#include "fdw/s3/s3_fdw.h"
#include "fdw/s3/s3_glob.h"

PG_FUNCTION_INFO_V1(federated_s3_handler);
PG_FUNCTION_INFO_V1(federated_s3_validator);

static const char *const url_styles[] = {"virtual", "path", NULL};
const char *const s3_formats[] = {"csv", "text", "jsonl", NULL};
const char *const s3_compressions[] = {"none", "gzip", "zstd", "auto", NULL};

/* Every option federated_s3 accepts, where */
static const FdwOption s3_options[] = {
	{"region", ForeignServerRelationId, FDW_OPTION_TEXT},
	{"endpoint", ForeignServerRelationId, FDW_OPTION_TEXT, true},
	{"url_style", ForeignServerRelationId, FDW_OPTION_ENUM, .choices = url_styles},
	{"access_key_id", UserMappingRelationId, FDW_OPTION_TEXT, .secret = true},
	{"secret_access_key", UserMappingRelationId, FDW_OPTION_TEXT, .secret = true},
	{"session_token", UserMappingRelationId, FDW_OPTION_TEXT, .secret = true},
	{"uri", ForeignTableRelationId, FDW_OPTION_TEXT},
	{"format", ForeignTableRelationId, FDW_OPTION_ENUM, .choices = s3_formats},
	{"compression", ForeignTableRelationId, FDW_OPTION_ENUM, .choices = s3_compressions},
	{"range_size", ForeignTableRelationId, FDW_OPTION_TEXT},
	{"quoted_newlines", ForeignTableRelationId, FDW_OPTION_BOOL},
	/* S3's smallest part; a part is one buffer in memory */
	{"part_size", ForeignTableRelationId, FDW_OPTION_INT,
	.min = 5 * 1024 * 1024, .max = 512 * 1024 * 1024},
	/* COPY's own, checked by COPY */
	{"header", ForeignTableRelationId, FDW_OPTION_TEXT},
	{"delimiter", ForeignTableRelationId, FDW_OPTION_TEXT},
	{"null", ForeignTableRelationId, FDW_OPTION_TEXT},
	{"quote", ForeignTableRelationId, FDW_OPTION_TEXT},
	{"escape", ForeignTableRelationId, FDW_OPTION_TEXT},
	{"encoding", ForeignTableRelationId, FDW_OPTION_TEXT},
	{"force_not_null", AttributeRelationId, FDW_OPTION_BOOL},
	{"force_null", AttributeRelationId, FDW_OPTION_BOOL},
	{NULL}
};

/* Table options that are COPY's */
static const char *const copy_option_names[] = {
	"header", "delimiter", "null", "quote", "escape", "encoding", NULL
};

/*--- The URI ---*/

/* Splits "s3://bucket/key" into bucket and key; raises an ERROR if it is not one */
void
S3ParseUri(const char *uri, char **bucket, char **pattern)
{
	const char *rest;
	const char *slash;

	if (strncmp(uri, "s3://", 5) != 0 || (slash = strchr(uri + 5, '/')) == NULL ||
		slash == uri + 5)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
				 errmsg("invalid value for option \"uri\" of %s: \"%s\"",
						S3_WRAPPER_NAME, uri),
				 errdetail("A URI has the form s3://bucket/key, s3://bucket/prefix/ or s3://bucket/glob.")));
	rest = uri + 5;
	*bucket = pnstrdup(rest, slash - rest);
	*pattern = pstrdup(slash + 1);
	if (!s3_glob_valid(*pattern))
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
				 errmsg("invalid glob in option \"uri\" of %s: \"%s\"",
						S3_WRAPPER_NAME, uri),
				 errdetail("Braces must be closed and not nested, and a '\\' must be followed by a character.")));
}

/*--- Validation ---*/

/* The COPY options of a table's options, as COPY takes them */
static List *
CopyOptions(List *table_options, S3Format format)
{
	List	   *copy = NIL;
	ListCell   *lc;

	if (format != S3_FORMAT_JSONL)
		copy = lappend(copy, makeDefElem("format",
										 (Node *) makeString(format == S3_FORMAT_CSV ? "csv" : "text"), -1));
	foreach(lc, table_options)
	{
		DefElem    *def = lfirst(lc);

		for (int i = 0; copy_option_names[i]; i++)
			if (strcmp(def->defname, copy_option_names[i]) == 0)
				copy = lappend(copy, def);
	}
	return copy;
}

/* The format option's value */
static S3Format
FormatOf(List *options)
{
	const char *format = FdwOptionText(options, "format", "csv");

	if (strcmp(format, "text") == 0)
		return S3_FORMAT_TEXT;
	if (strcmp(format, "jsonl") == 0)
		return S3_FORMAT_JSONL;
	return S3_FORMAT_CSV;
}

/* The range_size option in bytes (units as for settings: 64MB, 512kB) */
static int64
RangeSizeOf(List *options)
{
	const char *given = FdwOptionText(options, "range_size", NULL);
	int			bytes;

	if (given == NULL)
		return S3_DEFAULT_RANGE_SIZE;
	if (!parse_int(given, &bytes, GUC_UNIT_BYTE, NULL) || bytes < 1)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
				 errmsg("invalid value for option \"range_size\" of %s: \"%s\"",
						S3_WRAPPER_NAME, given),
				 errdetail("The value is a size from 1 byte to 2GB, such as 64MB or 512kB.")));
	return bytes;
}

/* Checks the region, which becomes part of the host name without endpoint */
static void
ValidateServerOptions(List *options)
{
	const char *region = FdwOptionText(options, "region", NULL);

	if (region != NULL && !AwsRegionIsValid(region))
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
				 errmsg("invalid value for option \"region\" of %s: \"%s\"",
						S3_WRAPPER_NAME, region),
				 errdetail(AWS_REGION_RULE)));
}

/* Checks what the option table cannot: the URI, and COPY's options with COPY */
static void
ValidateTableOptions(List *options)
{
	const char *uri = FdwOptionText(options, "uri", NULL);
	S3Format	format = FormatOf(options);
	List	   *copy = CopyOptions(options, format);
	char	   *bucket;
	char	   *pattern;

	if (uri == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_OPTION_NAME_NOT_FOUND),
				 errmsg("%s foreign tables need option \"uri\"", S3_WRAPPER_NAME),
				 errhint("Give OPTIONS (uri 's3://bucket/key'), a prefix ending in '/' or a glob.")));
	S3ParseUri(uri, &bucket, &pattern);
	if (format == S3_FORMAT_JSONL && list_length(copy) > 0)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
				 errmsg("option \"%s\" applies to formats csv and text, not jsonl",
						((DefElem *) linitial(copy))->defname)));
	if (format != S3_FORMAT_CSV && FdwOptionText(options, "quoted_newlines", NULL))
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
				 errmsg("option \"quoted_newlines\" applies to format csv only"),
				 errdetail("In formats text and jsonl a newline always ends a row.")));
	RangeSizeOf(options);
	if (copy)
		ProcessCopyOptions(NULL, NULL, true, copy);
}

/* Validates the options of a federated_s3 object */
Datum
federated_s3_validator(PG_FUNCTION_ARGS)
{
	List	   *options = untransformRelOptions(PG_GETARG_DATUM(0));
	Oid			catalog = PG_GETARG_OID(1);

	FdwValidateOptions(S3_WRAPPER_NAME, s3_options, options, catalog);
	if (catalog == ForeignServerRelationId)
		ValidateServerOptions(options);
	if (catalog == ForeignTableRelationId)
		ValidateTableOptions(options);
	PG_RETURN_VOID();
}

/*--- Resolving a table's options ---*/

/* The user mapping's options for userid (or PUBLIC) on server, or NIL */
static List *
MappingOptions(Oid userid, Oid serverid)
{
	HeapTuple	tuple;
	Datum		datum;
	bool		isnull;
	List	   *options = NIL;

	tuple = SearchSysCache2(USERMAPPINGUSERSERVER, ObjectIdGetDatum(userid),
							ObjectIdGetDatum(serverid));
	if (!HeapTupleIsValid(tuple))
		tuple = SearchSysCache2(USERMAPPINGUSERSERVER, ObjectIdGetDatum(InvalidOid),
								ObjectIdGetDatum(serverid));
	if (!HeapTupleIsValid(tuple))
		return NIL;
	datum = SysCacheGetAttr(USERMAPPINGUSERSERVER, tuple,
							Anum_pg_user_mapping_umoptions, &isnull);
	if (!isnull)
		options = untransformRelOptions(datum);
	ReleaseSysCache(tuple);
	return options;
}

/* Credentials from a user mapping's options, or NULL for the chain */
static const AwsCredentials *
MappingCredentials(List *options, const char *server)
{
	const char *id = FdwOptionText(options, "access_key_id", NULL);
	const char *secret = FdwOptionText(options, "secret_access_key", NULL);
	AwsCredentials *creds;

	if (id == NULL && secret == NULL)
		return NULL;
	if (id == NULL || secret == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_OPTION_NAME_NOT_FOUND),
				 errmsg("user mapping for server \"%s\" has only one of access_key_id and secret_access_key",
						server),
				 errhint("Set both, or neither to use the server's AWS credential chain.")));
	creds = palloc0(sizeof(AwsCredentials));
	creds->access_key_id = pstrdup(id);
	creds->secret_access_key = pstrdup(secret);
	creds->session_token = (char *) FdwOptionText(options, "session_token", NULL);
	creds->source = "user mapping";
	return creds;
}

/* The column options force_not_null / force_null as COPY's list options */
static List *
ColumnCopyOptions(Oid relid)
{
	Relation	rel = table_open(relid, AccessShareLock);
	TupleDesc	desc = RelationGetDescr(rel);
	List	   *not_null = NIL;
	List	   *nulls = NIL;
	List	   *result = NIL;

	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute attr = TupleDescAttr(desc, i);
		List	   *options;

		if (attr->attisdropped)
			continue;
		options = GetForeignColumnOptions(relid, attr->attnum);
		if (FdwOptionBool(options, "force_not_null", false))
			not_null = lappend(not_null, makeString(pstrdup(NameStr(attr->attname))));
		if (FdwOptionBool(options, "force_null", false))
			nulls = lappend(nulls, makeString(pstrdup(NameStr(attr->attname))));
	}
	table_close(rel, AccessShareLock);
	if (not_null)
		result = lappend(result, makeDefElem("force_not_null", (Node *) not_null, -1));
	if (nulls)
		result = lappend(result, makeDefElem("force_null", (Node *) nulls, -1));
	return result;
}

/* The compression option's value */
static S3Compression
CompressionOf(List *options)
{
	const char *compression = FdwOptionText(options, "compression", "auto");

	if (strcmp(compression, "none") == 0)
		return S3_COMPRESSION_NONE;
	if (strcmp(compression, "gzip") == 0)
		return S3_COMPRESSION_GZIP;
	if (strcmp(compression, "zstd") == 0)
		return S3_COMPRESSION_ZSTD;
	return S3_COMPRESSION_AUTO;
}

/* Where and as whom requests to a server go, for the user userid */
void
S3ServerEndpoint(S3Endpoint *ep, Oid serverid, Oid userid)
{
	ForeignServer *server = GetForeignServer(serverid);
	List	   *mapping = MappingOptions(userid, serverid);

	S3EndpointInit(ep,
				   FdwOptionText(server->options, "endpoint", NULL),
				   FdwOptionText(server->options, "url_style", "virtual"),
				   FdwOptionText(server->options, "region", NULL),
				   MappingCredentials(mapping, server->servername));
}

/* Sets a table's format, compression and COPY options from options */
void
S3ApplyFormatOptions(S3Table *table, List *options)
{
	table->format = FormatOf(options);
	table->compression = CompressionOf(options);
	table->range_size = RangeSizeOf(options);
	/* a range may start inside a quoted CSV value holding a newline */
	table->splittable = table->format != S3_FORMAT_CSV ||
		!FdwOptionBool(options, "quoted_newlines", true);
	table->copy_options = table->format == S3_FORMAT_JSONL ? NIL :
		CopyOptions(options, table->format);
}

/* A foreign table's options resolved, for the user userid */
S3Table *
S3GetTable(Oid relid, Oid userid)
{
	ForeignTable *ft = GetForeignTable(relid);
	S3Table    *table = palloc0(sizeof(S3Table));

	table->relid = relid;
	S3ServerEndpoint(&table->endpoint, ft->serverid, userid);
	table->uri = pstrdup(FdwOptionText(ft->options, "uri", ""));
	S3ParseUri(table->uri, &table->bucket, &table->pattern);
	table->is_glob = s3_glob_has_wildcard(table->pattern);
	table->is_prefix = !table->is_glob &&
		(table->pattern[0] == '\0' || table->pattern[strlen(table->pattern) - 1] == '/');
	if (table->is_glob)
		table->list_prefix = pnstrdup(table->pattern, s3_glob_literal_prefix(table->pattern));
	else
		table->list_prefix = table->pattern;
	S3ApplyFormatOptions(table, ft->options);
	table->part_size = FdwOptionInt(ft->options, "part_size", 8 * 1024 * 1024);
	if (table->format != S3_FORMAT_JSONL)
		table->copy_options = list_concat(table->copy_options,
										  ColumnCopyOptions(relid));
	return table;
}

/* True when key ends with suffix */
static bool
EndsWith(const char *key, const char *suffix)
{
	size_t		k = strlen(key);
	size_t		s = strlen(suffix);

	return k >= s && strcmp(key + k - s, suffix) == 0;
}

/* The compression of one object: the table's, or by extension for auto */
S3Compression
S3ObjectCompression(const S3Table *table, const char *key)
{
	if (table->compression != S3_COMPRESSION_AUTO)
		return table->compression;
	if (EndsWith(key, ".gz") || EndsWith(key, ".gzip"))
		return S3_COMPRESSION_GZIP;
	if (EndsWith(key, ".zst") || EndsWith(key, ".zstd"))
		return S3_COMPRESSION_ZSTD;
	return S3_COMPRESSION_NONE;
}

/*
 * How many byte ranges a parallel scan may divide an object into: one
 * unless the table's format lets a range start at any newline and the
 * object is stored uncompressed
 */
int
S3ObjectRanges(const S3Table *table, const S3Object *object)
{
	if (!table->splittable ||
		S3ObjectCompression(table, object->key) != S3_COMPRESSION_NONE ||
		object->size <= table->range_size)
		return 1;
	return (int) Min((object->size + table->range_size - 1) / table->range_size,
					 PG_INT32_MAX);
}

/*--- The handler ---*/

/* The FDW routine of federated_s3 */
Datum
federated_s3_handler(PG_FUNCTION_ARGS)
{
	FdwRoutine *routine = makeNode(FdwRoutine);

	routine->GetForeignRelSize = S3GetForeignRelSize;
	routine->GetForeignPaths = S3GetForeignPaths;
	routine->GetForeignPlan = S3GetForeignPlan;
	routine->ExplainForeignScan = S3ExplainForeignScan;
	routine->BeginForeignScan = S3BeginForeignScan;
	routine->IterateForeignScan = S3IterateForeignScan;
	routine->ReScanForeignScan = S3ReScanForeignScan;
	routine->EndForeignScan = S3EndForeignScan;
	routine->IsForeignRelUpdatable = S3IsForeignRelUpdatable;
	routine->BeginForeignModify = S3BeginForeignModify;
	routine->ExecForeignInsert = S3ExecForeignInsert;
	routine->EndForeignModify = S3EndForeignModify;
	routine->BeginForeignInsert = S3BeginForeignInsert;
	routine->EndForeignInsert = S3EndForeignInsert;
	routine->IsForeignScanParallelSafe = S3IsForeignScanParallelSafe;
	routine->EstimateDSMForeignScan = S3EstimateDSMForeignScan;
	routine->InitializeDSMForeignScan = S3InitializeDSMForeignScan;
	routine->ReInitializeDSMForeignScan = S3ReInitializeDSMForeignScan;
	routine->InitializeWorkerForeignScan = S3InitializeWorkerForeignScan;
	routine->AnalyzeForeignTable = S3AnalyzeForeignTable;
	routine->ImportForeignSchema = S3ImportForeignSchema;
	PG_RETURN_POINTER(routine);
}
