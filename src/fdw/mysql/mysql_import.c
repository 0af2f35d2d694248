/*-------------------------------------------------------------------------
 *
 * mysql_import.c
 *	  IMPORT FOREIGN SCHEMA for federated_mysql: one foreign table per
 *	  remote table or view, its columns typed by the mapping in
 *	  doc/mysql.md, read from MySQL's information_schema.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_namespace.h"
#include "miscadmin.h"
#include "utils/builtins.h"

#include "fdw/mysql/federated_mysql.h"

/* The options IMPORT FOREIGN SCHEMA accepts */
static const FdwOption import_options[] = {
	{"tinyint1_boolean", NamespaceRelationId, FDW_OPTION_BOOL},
	{NULL}
};

/* The columns of the catalog query, in order */
enum
{
	COL_TABLE,
	COL_COLUMN,
	COL_DATA_TYPE,
	COL_COLUMN_TYPE,
	COL_NULLABLE,
	COL_PRECISION,
	COL_SCALE,
	COL_LENGTH,
	COL_DATETIME_PRECISION,
	COL_KEY,
	COL_IS_JSON
};

/* The catalog query listing the columns of the tables to import */
static char *
CatalogQuery(ImportForeignSchemaStmt *stmt, bool mariadb)
{
	StringInfoData sql;
	ListCell   *lc;

	initStringInfo(&sql);
	appendStringInfoString(&sql,
						   "SELECT c.TABLE_NAME, c.COLUMN_NAME, LOWER(c.DATA_TYPE), "
						   "LOWER(c.COLUMN_TYPE), c.IS_NULLABLE, c.NUMERIC_PRECISION, "
						   "c.NUMERIC_SCALE, c.CHARACTER_MAXIMUM_LENGTH, "
						   "c.DATETIME_PRECISION, c.COLUMN_KEY, ");
	/* MariaDB's JSON is a LONGTEXT with a json_valid() check */
	if (mariadb)
		appendStringInfoString(&sql,
							   "EXISTS (SELECT 1 FROM information_schema.CHECK_CONSTRAINTS k"
							   " WHERE k.CONSTRAINT_SCHEMA = c.TABLE_SCHEMA"
							   " AND k.TABLE_NAME = c.TABLE_NAME"
							   " AND k.CHECK_CLAUSE = CONCAT('json_valid(`', c.COLUMN_NAME, '`)'))");
	else
		appendStringInfoString(&sql, "0");
	appendStringInfoString(&sql,
						   " FROM information_schema.TABLES t"
						   " JOIN information_schema.COLUMNS c"
						   " ON c.TABLE_SCHEMA = t.TABLE_SCHEMA AND c.TABLE_NAME = t.TABLE_NAME"
						   " WHERE t.TABLE_SCHEMA = ");
	MysqlAppendStringLiteral(&sql, stmt->remote_schema);
	if (stmt->list_type != FDW_IMPORT_SCHEMA_ALL)
	{
		appendStringInfoString(&sql, stmt->list_type == FDW_IMPORT_SCHEMA_LIMIT_TO ?
							   " AND BINARY t.TABLE_NAME IN (" :
							   " AND BINARY t.TABLE_NAME NOT IN (");
		foreach(lc, stmt->table_list)
		{
			if (lc != list_head(stmt->table_list))
				appendStringInfoString(&sql, ", ");
			MysqlAppendStringLiteral(&sql, ((RangeVar *) lfirst(lc))->relname);
		}
		appendStringInfoChar(&sql, ')');
	}
	appendStringInfoString(&sql, " ORDER BY c.TABLE_NAME, c.ORDINAL_POSITION");
	return sql.data;
}

/* The PostgreSQL type of an integer column */
static const char *
IntegerType(const char *data_type, const char *column_type, bool tinyint1_boolean)
{
	bool		is_unsigned = strstr(column_type, "unsigned") != NULL;

	if (strcmp(data_type, "tinyint") == 0)
		return tinyint1_boolean && strncmp(column_type, "tinyint(1)", 10) == 0 ?
			"boolean" : "smallint";
	if (strcmp(data_type, "smallint") == 0)
		return is_unsigned ? "integer" : "smallint";
	if (strcmp(data_type, "mediumint") == 0)
		return "integer";
	if (strcmp(data_type, "int") == 0 || strcmp(data_type, "integer") == 0)
		return is_unsigned ? "bigint" : "integer";
	if (strcmp(data_type, "bigint") == 0)
		return is_unsigned ? "numeric(20,0)" : "bigint";
	return NULL;
}

/* True if s is one of the NULL-terminated list */
static bool
OneOf(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(s, *list) == 0)
			return true;
	return false;
}

/* The PostgreSQL type of a remote column (see doc/mysql.md) */
static char *
ColumnType(MYSQL_ROW row, bool tinyint1_boolean)
{
	static const char *const texts[] = {"tinytext", "text", "mediumtext", "longtext", NULL};
	static const char *const binaries[] = {"binary", "varbinary", "tinyblob", "blob",
	"mediumblob", "longblob", "geometry", "point", "linestring", "polygon",
	"multipoint", "multilinestring", "multipolygon", "geometrycollection", NULL};
	const char *type = row[COL_DATA_TYPE];
	const char *integer = IntegerType(type, row[COL_COLUMN_TYPE], tinyint1_boolean);
	const char *dtp = row[COL_DATETIME_PRECISION] ? row[COL_DATETIME_PRECISION] : "0";

	if (integer != NULL)
		return pstrdup(integer);
	if (strcmp(type, "decimal") == 0 || strcmp(type, "numeric") == 0)
		return psprintf("numeric(%s,%s)", row[COL_PRECISION], row[COL_SCALE]);
	if (strcmp(type, "float") == 0)
		return pstrdup("real");
	if (strcmp(type, "double") == 0 || strcmp(type, "real") == 0)
		return pstrdup("double precision");
	if (strcmp(type, "bit") == 0)
		return psprintf("bit(%s)", row[COL_PRECISION]);
	if (strcmp(type, "year") == 0)
		return pstrdup("smallint");
	if (strcmp(type, "date") == 0)
		return pstrdup("date");
	if (strcmp(type, "datetime") == 0)
		return psprintf("timestamp(%s)", dtp);
	if (strcmp(type, "timestamp") == 0)
		return psprintf("timestamptz(%s)", dtp);
	if (strcmp(type, "time") == 0)
		return psprintf("time(%s)", dtp);
	if (strcmp(type, "char") == 0 || strcmp(type, "varchar") == 0)
		return psprintf("varchar(%s)", row[COL_LENGTH]);
	if (strcmp(type, "json") == 0 || (atoi(row[COL_IS_JSON]) != 0 && OneOf(type, texts)))
		return pstrdup("jsonb");
	if (strcmp(type, "set") == 0)
		return pstrdup("text[]");
	if (OneOf(type, binaries))
		return pstrdup("bytea");
	return pstrdup("text");		/* text types, enum, and anything newer */
}

/* Appends the CREATE FOREIGN TABLE statement's tail for a finished table */
static char *
FinishTable(StringInfo cmd, ImportForeignSchemaStmt *stmt, const char *table)
{
	appendStringInfo(cmd, "\n) SERVER %s OPTIONS (dbname %s, table_name %s)",
					 quote_identifier(stmt->server_name),
					 quote_literal_cstr(stmt->remote_schema),
					 quote_literal_cstr(table));
	return cmd->data;
}

/* Builds one CREATE FOREIGN TABLE per remote table */
List *
MysqlImportForeignSchema(ImportForeignSchemaStmt *stmt, Oid serverOid)
{
	UserMapping *user = GetUserMapping(GetUserId(), serverOid);
	MysqlConn  *conn;
	MYSQL_RES  *res;
	MYSQL_ROW	row;
	List	   *commands = NIL;
	StringInfoData cmd;
	char	   *current = NULL;
	bool		tinyint1_boolean;

	FdwValidateOptions(MYSQL_WRAPPER_NAME, import_options, stmt->options,
					   NamespaceRelationId);
	tinyint1_boolean = FdwOptionBool(stmt->options, "tinyint1_boolean", true);
	conn = MysqlGetConnection(user);
	res = MysqlQueryAll(conn, CatalogQuery(stmt, strstr(mysql_get_server_info(MysqlHandle(conn)), "MariaDB") != NULL));
	if (mysql_num_rows(res) == 0)
	{
		StringInfoData sql;

		/* an unknown database is an error, an empty one is not */
		initStringInfo(&sql);
		appendStringInfoString(&sql, "SHOW CREATE DATABASE ");
		MysqlQuoteIdentifier(&sql, stmt->remote_schema);
		(void) MysqlQueryAll(conn, sql.data);
	}
	while ((row = mysql_fetch_row(res)) != NULL)
	{
		if (current == NULL || strcmp(current, row[COL_TABLE]) != 0)
		{
			if (current != NULL)
				commands = lappend(commands, FinishTable(&cmd, stmt, current));
			current = pstrdup(row[COL_TABLE]);
			initStringInfo(&cmd);
			appendStringInfo(&cmd, "CREATE FOREIGN TABLE %s (",
							 quote_identifier(current));
		}
		else
			appendStringInfoChar(&cmd, ',');
		appendStringInfo(&cmd, "\n  %s %s%s%s", quote_identifier(row[COL_COLUMN]),
						 ColumnType(row, tinyint1_boolean),
						 strcmp(row[COL_KEY], "PRI") == 0 ? " OPTIONS (key 'true')" : "",
						 strcmp(row[COL_NULLABLE], "NO") == 0 ? " NOT NULL" : "");
	}
	if (current != NULL)
		commands = lappend(commands, FinishTable(&cmd, stmt, current));
	return commands;
}
