/*-------------------------------------------------------------------------
 *
 * s3_import.c
 *	  IMPORT FOREIGN SCHEMA for federated_s3: one foreign table per dataset
 *	  under an S3 prefix, its columns named by the CSV header (or the JSON
 *	  Lines members) and typed from a sample of rows.
 *
 *	  IMPORT FOREIGN SCHEMA "s3://bucket/prefix/" FROM SERVER lake INTO local
 *	    OPTIONS (format 'csv', header 'true');
 *
 * What becomes a table (doc/s3.md says why): each "directory" right under
 * the prefix (a table on that sub-prefix, hive partitions below it as
 * columns), and each object right under it (a table on that object, named
 * after the key without its extensions).  When the directories right under
 * the prefix are hive partitions ("year=2024/"), the prefix itself is one
 * table.  Names clash when two sources give one name: an ERROR.
 *
 * CSV and text samples go through COPY's parser (NextCopyFromRawFields),
 * which needs a Relation only as a template for its workspace: a relation
 * built here, of one text column, that is in no catalog.  Types come from
 * s3_infer.c (the narrowest type every sampled value fits).
 *
 * IDENTIFICATION
 *	  src/fdw/s3/s3_import.c
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/tupdesc.h"
#include "catalog/pg_class.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_type.h"
#include "foreign/foreign.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "commands/defrem.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/varlena.h"

#include "fdw/fdw_option.h"
#include "fdw/s3/s3_fdw.h"
#include "fdw/s3/s3_glob.h"
#include "fdw/s3/s3_infer.h"

/* Hive's name for the partition of NULL values */
#define HIVE_DEFAULT_PARTITION	"__HIVE_DEFAULT_PARTITION__"
/* Rows sampled per table unless told */
#define DEFAULT_SAMPLE_ROWS		1000

/* The options IMPORT FOREIGN SCHEMA takes */
static const FdwOption import_options[] = {
	{"uri", NamespaceRelationId, FDW_OPTION_TEXT},
	{"format", NamespaceRelationId, FDW_OPTION_ENUM, .choices = s3_formats},
	{"compression", NamespaceRelationId, FDW_OPTION_ENUM, .choices = s3_compressions},
	{"header", NamespaceRelationId, FDW_OPTION_BOOL},
	{"delimiter", NamespaceRelationId, FDW_OPTION_TEXT},
	{"null", NamespaceRelationId, FDW_OPTION_TEXT},
	{"quote", NamespaceRelationId, FDW_OPTION_TEXT},
	{"escape", NamespaceRelationId, FDW_OPTION_TEXT},
	{"encoding", NamespaceRelationId, FDW_OPTION_TEXT},
	{"column_names", NamespaceRelationId, FDW_OPTION_TEXT},
	{"sample_rows", NamespaceRelationId, FDW_OPTION_INT, .min = 1, .max = 1000000},
	{NULL}
};

/* Import options that every created table carries */
static const char *const table_option_names[] = {
	"format", "compression", "header", "delimiter", "null", "quote", "escape",
	"encoding", NULL
};

/* What an import was asked for */
typedef struct ImportSpec
{
	S3Table		table;			/* endpoint, bucket, format, COPY options */
	char	   *prefix;			/* "" or ending in '/' */
	bool		header;
	List	   *column_names;	/* char *, from column_names; or NIL */
	int			sample_rows;
	List	   *options;		/* the statement's */
	char	   *server;
} ImportSpec;

/* One table the import creates */
typedef struct ImportTable
{
	char	   *name;			/* in the server encoding, at most
								 * NAMEDATALEN - 1 bytes */
	char	   *key;			/* the object's key, or the prefix */
	List	   *objects;		/* S3Object, in key order */
	char	   *clash;			/* another source with the same name */
} ImportTable;

/* One column of a table being imported */
typedef struct ImportColumn
{
	char	   *name;
	S3InferType type;
} ImportColumn;

/* What the sampling of one table has found */
typedef struct Sample
{
	const ImportSpec *spec;
	const ImportTable *table;
	const S3Object *object;		/* being read, for the error context */
	List	   *columns;		/* ImportColumn */
	int			rows;
	S3Stream   *stream;
} Sample;

/* The sample COPY's data source callback reads for */
static Sample *copy_sample = NULL;

/*--- Names ---*/

/* A name from S3 (UTF-8, checked) in the server encoding, cut to fit a name */
static char *
LocalName(const char *utf8, size_t len)
{
	char	   *name = pg_any_to_server(utf8, (int) len, PG_UTF8);

	if (name == utf8)
		name = pnstrdup(utf8, len);
	name[pg_mbcliplen(name, strlen(name), NAMEDATALEN - 1)] = '\0';
	return name;
}

/* The table name of an object: its last segment without its extensions */
static char *
ObjectTableName(const char *key)
{
	static const char *const extensions[] = {
		".gz", ".gzip", ".zst", ".zstd", ".csv", ".tsv", ".txt", ".jsonl",
		".ndjson", ".json", NULL
	};
	const char *base = strrchr(key, '/') ? strrchr(key, '/') + 1 : key;
	size_t		len = strlen(base);
	bool		stripped = true;

	while (stripped)
	{
		stripped = false;
		for (int i = 0; extensions[i]; i++)
		{
			size_t		n = strlen(extensions[i]);

			if (len > n && pg_strncasecmp(base + len - n, extensions[i], n) == 0)
			{
				len -= n;
				stripped = true;
			}
		}
	}
	return LocalName(base, len);
}

/* The table name of a prefix: its last segment ("" prefix: the bucket) */
static char *
PrefixTableName(const char *bucket, const char *prefix)
{
	size_t		len = strlen(prefix);
	const char *start;

	if (len == 0)
		return LocalName(bucket, strlen(bucket));
	len--;						/* the trailing '/' */
	start = prefix + len;
	while (start > prefix && start[-1] != '/')
		start--;
	return LocalName(start, prefix + len - start);
}

/*--- Options ---*/

/* The column_names option as a list of names (SQL identifier syntax) */
static List *
ColumnNamesOption(List *options)
{
	const char *given = FdwOptionText(options, "column_names", NULL);
	List	   *names = NIL;

	if (given == NULL)
		return NIL;
	if (!SplitIdentifierString(pstrdup(given), ',', &names) || names == NIL)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
				 errmsg("invalid value for option \"column_names\": \"%s\"", given),
				 errhint("Give a comma-separated list of column names, double-quoting those that need it.")));
	return names;
}

/* The prefix to import: the URI in the remote schema name or option uri */
static void
ParseImportUri(ImportSpec *spec, const char *uri)
{
	char	   *pattern;
	size_t		len;

	if (strncmp(uri, "s3://", 5) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_SCHEMA_NOT_FOUND),
				 errmsg("%s imports from an S3 URI, not \"%s\"", S3_WRAPPER_NAME, uri),
				 errhint("Write IMPORT FOREIGN SCHEMA \"s3://bucket/prefix/\" ..., or give OPTIONS (uri 's3://bucket/prefix/').")));
	if (strchr(uri + 5, '/') == NULL)
		uri = psprintf("%s/", uri);
	S3ParseUri(uri, &spec->table.bucket, &pattern);
	if (s3_glob_has_wildcard(pattern))
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
				 errmsg("cannot import from the glob \"%s\"", uri),
				 errhint("Import from a prefix, and create a table on the glob with CREATE FOREIGN TABLE.")));
	len = strlen(pattern);
	spec->prefix = (len == 0 || pattern[len - 1] == '/') ? pattern :
		psprintf("%s/", pattern);
}

/* The import's settings, from the statement and the server */
static ImportSpec *
ReadSpec(ImportForeignSchemaStmt *stmt, Oid serverid)
{
	ImportSpec *spec = palloc0(sizeof(ImportSpec));
	List	   *copy_options = NIL;
	ListCell   *lc;

	FdwValidateOptions(S3_WRAPPER_NAME, import_options, stmt->options,
					   NamespaceRelationId);
	spec->options = stmt->options;
	spec->server = GetForeignServer(serverid)->servername;
	S3ServerEndpoint(&spec->table.endpoint, serverid, GetUserId());
	ParseImportUri(spec, FdwOptionText(stmt->options, "uri", stmt->remote_schema));
	spec->header = FdwOptionBool(stmt->options, "header", false);
	spec->column_names = ColumnNamesOption(stmt->options);
	spec->sample_rows = (int) FdwOptionInt(stmt->options, "sample_rows",
										   DEFAULT_SAMPLE_ROWS);
	/* COPY reads the sample with the header as a row of its own */
	foreach(lc, stmt->options)
		if (strcmp(((DefElem *) lfirst(lc))->defname, "header") != 0)
			copy_options = lappend(copy_options, lfirst(lc));
	S3ApplyFormatOptions(&spec->table, copy_options);
	if (spec->table.format == S3_FORMAT_JSONL &&
		(spec->header || spec->table.copy_options != NIL || spec->column_names))
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
				 errmsg("options header, column_names and COPY's apply to formats csv and text, not jsonl")));
	return spec;
}

/*--- What becomes a table ---*/

/* The table named name in tables, or NULL */
static ImportTable *
FindTable(List *tables, const char *name)
{
	ListCell   *lc;

	foreach(lc, tables)
		if (strcmp(((ImportTable *) lfirst(lc))->name, name) == 0)
			return lfirst(lc);
	return NULL;
}

/*
 * Adds an object to the table named name (made if new); an object of
 * another source with the same name is recorded as a clash
 */
static List *
AddToTable(List *tables, char *name, const char *key, S3Object *object)
{
	ImportTable *t = FindTable(tables, name);

	if (t != NULL && strcmp(t->key, key) != 0)
	{
		if (t->clash == NULL)
			t->clash = pstrdup(key);
		return tables;
	}
	if (t == NULL)
	{
		t = palloc0(sizeof(ImportTable));
		t->name = name;
		t->key = pstrdup(key);
		tables = lappend(tables, t);
	}
	t->objects = lappend(t->objects, object);
	return tables;
}

/* Raises the ERROR for a table name two sources would both take */
static void
CheckClash(const ImportSpec *spec, const ImportTable *t)
{
	if (t->clash)
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_TABLE),
				 errmsg("two sources would both be imported as table \"%s\"", t->name),
				 errdetail("%s and %s give the same table name.",
						   S3DisplayName(spec->table.bucket, t->key),
						   S3DisplayName(spec->table.bucket, t->clash)),
				 errhint("Leave it out with EXCEPT (%s) and create those tables with CREATE FOREIGN TABLE, or import a deeper prefix.",
						 quote_identifier(t->name))));
}

/* True when a directory segment is a hive partition "name=value" */
static bool
IsPartitionSegment(const char *segment, size_t len)
{
	const char *eq = memchr(segment, '=', len);

	return eq != NULL && eq > segment;
}

/*
 * Groups the listed objects into tables: a directory right under the
 * prefix is a table, an object right under it another; hive directories
 * right under it make the prefix one table
 */
static List *
GroupObjects(const ImportSpec *spec, List *objects)
{
	size_t		plen = strlen(spec->prefix);
	List	   *tables = NIL;
	ListCell   *lc;

	foreach(lc, objects)
	{
		S3Object   *object = lfirst(lc);
		const char *rest = object->key + plen;
		const char *slash = strchr(rest, '/');

		if (rest[0] == '\0' || rest[strlen(rest) - 1] == '/')
			continue;			/* "directory" placeholders hold no rows */
		if (slash && IsPartitionSegment(rest, slash - rest))
			tables = AddToTable(tables, PrefixTableName(spec->table.bucket, spec->prefix),
								spec->prefix, object);
		else if (slash)
			tables = AddToTable(tables, LocalName(rest, slash - rest),
								pnstrdup(object->key, slash + 1 - object->key),
								object);
		else
			tables = AddToTable(tables, ObjectTableName(rest), object->key, object);
	}
	return tables;
}

/* True when LIMIT TO / EXCEPT lets the table named name be imported */
static bool
Wanted(ImportForeignSchemaStmt *stmt, const char *name)
{
	ListCell   *lc;
	bool		listed = false;

	if (stmt->list_type == FDW_IMPORT_SCHEMA_ALL)
		return true;
	foreach(lc, stmt->table_list)
		if (strcmp(((RangeVar *) lfirst(lc))->relname, name) == 0)
			listed = true;
	return stmt->list_type == FDW_IMPORT_SCHEMA_LIMIT_TO ? listed : !listed;
}

/*--- Sampling ---*/

/* An error context line: the object being sampled */
static void
SampleErrorContext(void *arg)
{
	Sample	   *sample = (Sample *) arg;

	if (sample->object)
		errcontext("sampling object %s for table \"%s\"",
				   S3DisplayName(sample->spec->table.bucket, sample->object->key),
				   sample->table->name);
}

/* COPY's data source: the sampled object's bytes */
static int
ReadForSample(void *outbuf, int minread, int maxread)
{
	return (int) S3StreamRead(copy_sample->stream, outbuf, minread, maxread);
}

/* The column named name, or NULL */
static ImportColumn *
FindColumn(List *columns, const char *name)
{
	ListCell   *lc;

	foreach(lc, columns)
		if (strcmp(((ImportColumn *) lfirst(lc))->name, name) == 0)
			return lfirst(lc);
	return NULL;
}

/* Adds a column; two of one name are an ERROR */
static ImportColumn *
AddColumn(Sample *sample, char *name)
{
	ImportColumn *col;

	if (name == NULL || name[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_COLUMN_DEFINITION),
				 errmsg("a column of table \"%s\" has no name", sample->table->name),
				 errhint("Give the names with OPTIONS (column_names 'a, b, ...').")));
	name[pg_mbcliplen(name, strlen(name), NAMEDATALEN - 1)] = '\0';
	if (FindColumn(sample->columns, name))
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_COLUMN),
				 errmsg("column name \"%s\" appears twice in table \"%s\"", name,
						sample->table->name),
				 errhint("Give other names with OPTIONS (column_names 'a, b, ...').")));
	col = palloc0(sizeof(ImportColumn));
	col->name = name;
	sample->columns = lappend(sample->columns, col);
	return col;
}

/* A relation in no catalog, for COPY's parser: one text column */
static Relation
ParserRelation(const char *name)
{
	Relation	rel = palloc0(sizeof(RelationData));

	rel->rd_rel = palloc0(sizeof(FormData_pg_class));
	namestrcpy(&rel->rd_rel->relname, name);
	rel->rd_rel->relkind = RELKIND_FOREIGN_TABLE;
	rel->rd_att = CreateTemplateTupleDesc(1);
	TupleDescInitEntry(rel->rd_att, 1, "line", TEXTOID, -1, 0);
	return rel;
}

/* COPY's options for sampling: the import's, UTF8 unless told */
static List *
SampleCopyOptions(const ImportSpec *spec)
{
	List	   *options = list_copy(spec->table.copy_options);

	if (FdwOptionText(spec->options, "encoding", NULL) == NULL)
		options = lappend(options, makeDefElem("encoding", (Node *) makeString("UTF8"), -1));
	return options;
}

/* The first row gives the columns: the header, or column_names */
static void
FirstRow(Sample *sample, char **fields, int nfields)
{
	ListCell   *lc;

	if (sample->spec->column_names)
	{
		foreach(lc, sample->spec->column_names)
			AddColumn(sample, pstrdup(lfirst(lc)));
		return;
	}
	if (!sample->spec->header)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_OPTION_NAME_NOT_FOUND),
				 errmsg("no column names for table \"%s\"", sample->table->name),
				 errdetail("Without header 'true' the objects' first line is data."),
				 errhint("Give OPTIONS (header 'true') if the first line names the columns, or column_names 'a, b, ...'.")));
	for (int i = 0; i < nfields; i++)
		AddColumn(sample, fields[i] ? pstrdup(fields[i]) : NULL);
}

/* Adds one row's fields to the columns' types */
static void
SampleFields(Sample *sample, char **fields, int nfields, uint64 line)
{
	ListCell   *lc;

	if (nfields != list_length(sample->columns))
		ereport(ERROR,
				(errcode(ERRCODE_BAD_COPY_FILE_FORMAT),
				 errmsg_plural("line " UINT64_FORMAT " has %d field, table \"%s\" has %d columns",
							   "line " UINT64_FORMAT " has %d fields, table \"%s\" has %d columns",
							   nfields, line, nfields, sample->table->name,
							   list_length(sample->columns)),
				 errhint("Check the format, delimiter and header options, or column_names.")));
	foreach(lc, sample->columns)
	{
		ImportColumn *col = lfirst(lc);
		char	   *field = fields[foreach_current_index(lc)];

		if (field != NULL)
			col->type = s3_infer_merge(col->type, s3_infer_value(field, strlen(field)));
	}
	sample->rows++;
}

/* Samples the rows of one CSV or text object (the header row first) */
static void
SampleCopyObject(Sample *sample, Relation rel, bool first_object)
{
	CopyFromState cstate;
	char	  **fields;
	int			nfields;
	uint64		line = 0;
	bool		columns_from_header = first_object;

	copy_sample = sample;
	cstate = BeginCopyFrom(NULL, rel, NULL, NULL, false, ReadForSample, NIL,
						   SampleCopyOptions(sample->spec));
	while (sample->rows < sample->spec->sample_rows)
	{
		copy_sample = sample;
		if (!NextCopyFromRawFields(cstate, &fields, &nfields))
			break;
		line++;
		if (columns_from_header)
		{
			FirstRow(sample, fields, nfields);
			columns_from_header = false;
			if (sample->spec->header)
				continue;
		}
		else if (line == 1 && sample->spec->header)
			continue;
		SampleFields(sample, fields, nfields, line);
	}
	EndCopyFrom(cstate);
}

/* A member of a sampled JSON Lines row: its column, made if new */
static void
SampleMember(void *arg, char *name, int inferred_type)
{
	Sample	   *sample = (Sample *) arg;
	ImportColumn *col;

	name[pg_mbcliplen(name, strlen(name), NAMEDATALEN - 1)] = '\0';
	col = FindColumn(sample->columns, name);
	if (col == NULL)
		col = AddColumn(sample, name);
	col->type = s3_infer_merge(col->type, (S3InferType) inferred_type);
}

/* Samples the rows of one JSON Lines object: members in order of appearance */
static void
SampleJsonObject(Sample *sample)
{
	S3JsonLines *reader = S3JsonLinesBegin(NULL, NIL, sample->stream);

	while (sample->rows < sample->spec->sample_rows &&
		   S3JsonLinesNextMembers(reader, SampleMember, sample))
		sample->rows++;
}

/* Samples the table's objects, in key order, up to sample_rows rows */
static void
SampleTable(Sample *sample)
{
	Relation	rel = ParserRelation(sample->table->name);
	ErrorContextCallback errcallback;
	ListCell   *lc;

	errcallback.callback = SampleErrorContext;
	errcallback.arg = sample;
	errcallback.previous = error_context_stack;
	error_context_stack = &errcallback;
	foreach(lc, sample->table->objects)
	{
		MemoryContext context = AllocSetContextCreate(CurrentMemoryContext,
													  "federated_s3 import sample",
													  ALLOCSET_DEFAULT_SIZES);
		MemoryContext old = MemoryContextSwitchTo(context);
		S3Counters	counters = {0};

		if (sample->rows >= sample->spec->sample_rows)
			break;
		sample->object = lfirst(lc);
		sample->stream = S3StreamOpen(&sample->spec->table, sample->object, &counters);
		if (sample->spec->table.format == S3_FORMAT_JSONL)
			SampleJsonObject(sample);
		else
			SampleCopyObject(sample, rel, foreach_current_index(lc) == 0);
		MemoryContextSwitchTo(old);
		MemoryContextDelete(context);	/* stops the transfer */
	}
	sample->object = NULL;
	error_context_stack = errcallback.previous;
}

/* Appends the hive partition columns of the table's keys, typed by their values */
static void
AddPartitionColumns(Sample *sample)
{
	const ImportTable *t = sample->table;
	const char *first = ((S3Object *) linitial(t->objects))->key + strlen(t->key);
	const char *segment = first;
	const char *slash;

	while ((slash = strchr(segment, '/')) != NULL)
	{
		const char *eq = memchr(segment, '=', slash - segment);

		if (eq != NULL && eq > segment)
		{
			char	   *name = pnstrdup(segment, eq - segment);
			ImportColumn *col;
			ListCell   *lc;

			if (FindColumn(sample->columns, LocalName(name, strlen(name))))
				ereport(ERROR,
						(errcode(ERRCODE_DUPLICATE_COLUMN),
						 errmsg("column name \"%s\" appears twice in table \"%s\"",
								LocalName(name, strlen(name)), t->name),
						 errdetail("It names both a column of the objects and a hive partition directory in their keys."),
						 errhint("Give the objects' columns other names with OPTIONS (column_names 'a, b, ...').")));
			col = AddColumn(sample, LocalName(name, strlen(name)));

			foreach(lc, t->objects)
			{
				size_t		len;
				const char *raw = s3_partition_value(((S3Object *) lfirst(lc))->key,
													 name, &len);
				char	   *value = raw ? palloc(len + 1) : NULL;

				if (raw == NULL || (len == strlen(HIVE_DEFAULT_PARTITION) &&
									strncmp(raw, HIVE_DEFAULT_PARTITION, len) == 0))
					continue;
				len = s3_partition_decode(raw, len, value);
				col->type = s3_infer_merge(col->type, s3_infer_value(value, len));
			}
		}
		segment = slash + 1;
	}
}

/*--- The statements ---*/

/* CREATE FOREIGN TABLE for an imported table */
static char *
TableStatement(const ImportSpec *spec, const ImportTable *t, List *columns)
{
	StringInfoData sql;
	ListCell   *lc;

	initStringInfo(&sql);
	appendStringInfo(&sql, "CREATE FOREIGN TABLE %s (", quote_identifier(t->name));
	foreach(lc, columns)
	{
		ImportColumn *col = lfirst(lc);

		appendStringInfo(&sql, "%s\n  %s %s", foreach_current_index(lc) ? "," : "",
						 quote_identifier(col->name), s3_infer_type_name(col->type));
	}
	appendStringInfo(&sql, "\n) SERVER %s OPTIONS (uri %s", quote_identifier(spec->server),
					 quote_literal_cstr(psprintf("s3://%s/%s", spec->table.bucket, t->key)));
	foreach(lc, spec->options)
	{
		DefElem    *def = lfirst(lc);

		for (int i = 0; table_option_names[i]; i++)
			if (strcmp(def->defname, table_option_names[i]) == 0)
				appendStringInfo(&sql, ", %s %s", def->defname,
								 quote_literal_cstr(defGetString(def)));
	}
	appendStringInfoString(&sql, ")");
	return sql.data;
}

/* The columns of a table: sampled from its objects, then its partitions */
static List *
TableColumns(const ImportSpec *spec, const ImportTable *t)
{
	Sample		sample = {spec, t};

	SampleTable(&sample);
	if (sample.columns == NIL && spec->column_names == NIL)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_DATA_TYPE),
				 errmsg("no columns found for table \"%s\"", t->name),
				 errdetail("Its objects under %s hold no row to sample.",
						   S3DisplayName(spec->table.bucket, t->key)),
				 errhint("Create this table with CREATE FOREIGN TABLE, or leave it out with EXCEPT.")));
	AddPartitionColumns(&sample);
	return sample.columns;
}

/*
 * IMPORT FOREIGN SCHEMA "s3://bucket/prefix/": a CREATE FOREIGN TABLE for
 * each dataset under the prefix that LIMIT TO / EXCEPT lets through
 */
List *
S3ImportForeignSchema(ImportForeignSchemaStmt *stmt, Oid serverOid)
{
	ImportSpec *spec = ReadSpec(stmt, serverOid);
	S3Counters	counters = {0};
	List	   *objects = S3ListObjects(&spec->table.endpoint, spec->table.bucket,
										spec->prefix, &counters);
	List	   *tables = GroupObjects(spec, objects);
	List	   *statements = NIL;
	ListCell   *lc;

	if (tables == NIL)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_SCHEMA_NOT_FOUND),
				 errmsg("no objects under %s",
						S3DisplayName(spec->table.bucket, spec->prefix)),
				 errhint("Check the prefix: IMPORT FOREIGN SCHEMA imports the objects under it.")));
	foreach(lc, tables)
	{
		ImportTable *t = lfirst(lc);

		if (!Wanted(stmt, t->name))
			continue;
		CheckClash(spec, t);
		statements = lappend(statements,
								 TableStatement(spec, t, TableColumns(spec, t)));
	}
	return statements;
}
