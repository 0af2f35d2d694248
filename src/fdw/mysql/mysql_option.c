/*-------------------------------------------------------------------------
 *
 * mysql_option.c
 *	  The options of federated_mysql: the table the shared validator checks
 *	  them against, the validator function, and the merged views of a
 *	  server, user mapping and foreign table that the other files read.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/reloptions.h"
#include "catalog/pg_attribute.h"
#include "catalog/pg_foreign_server.h"
#include "catalog/pg_foreign_table.h"
#include "catalog/pg_user_mapping.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "fdw/mysql/federated_mysql.h"

PG_FUNCTION_INFO_V1(federated_mysql_validator);

static const char *const ssl_modes[] = {
	"disabled", "preferred", "required", "verify_ca", "verify_identity", NULL
};
static const char *const zero_dates[] = {"null", "error", NULL};

#define SERVER ForeignServerRelationId
#define MAPPING UserMappingRelationId
#define TABLE ForeignTableRelationId
#define COLUMN AttributeRelationId

/* Every option federated_mysql accepts, on the objects it accepts it on */
const FdwOption MysqlOptions[] = {
	{"host", SERVER, FDW_OPTION_TEXT},
	{"port", SERVER, FDW_OPTION_INT, false, false, 1, 65535},
	{"dbname", SERVER, FDW_OPTION_TEXT},
	{"ssl_mode", SERVER, FDW_OPTION_ENUM, false, false, 0, 0, ssl_modes},
	/* files on the database server: only a superuser may point at them */
	{"ssl_ca", SERVER, FDW_OPTION_TEXT, true},
	{"ssl_cert", SERVER, FDW_OPTION_TEXT, true},
	{"ssl_key", SERVER, FDW_OPTION_TEXT, true},
	{"connect_timeout", SERVER, FDW_OPTION_INT, false, false, 1, 3600},
	{"read_timeout", SERVER, FDW_OPTION_INT, false, false, 0, 86400},
	{"write_timeout", SERVER, FDW_OPTION_INT, false, false, 0, 86400},
	{"fetch_size", SERVER, FDW_OPTION_INT, false, false, 1, 1000000},
	{"fetch_size", TABLE, FDW_OPTION_INT, false, false, 1, 1000000},
	{"batch_size", SERVER, FDW_OPTION_INT, false, false, 1, 10000},
	{"batch_size", TABLE, FDW_OPTION_INT, false, false, 1, 10000},
	{"zero_date", SERVER, FDW_OPTION_ENUM, false, false, 0, 0, zero_dates},
	{"zero_date", TABLE, FDW_OPTION_ENUM, false, false, 0, 0, zero_dates},
	{"use_remote_estimate", SERVER, FDW_OPTION_BOOL},
	{"use_remote_estimate", TABLE, FDW_OPTION_BOOL},
	{"username", MAPPING, FDW_OPTION_TEXT},
	{"password", MAPPING, FDW_OPTION_TEXT, false, true},
	{"password_required", MAPPING, FDW_OPTION_BOOL, true},
	{"dbname", TABLE, FDW_OPTION_TEXT},
	{"table_name", TABLE, FDW_OPTION_TEXT},
	{"query", TABLE, FDW_OPTION_TEXT},
	{"column_name", COLUMN, FDW_OPTION_TEXT},
	{"key", COLUMN, FDW_OPTION_BOOL},
	{NULL}
};

/* Defaults of the server and table options */
#define MYSQL_DEFAULT_PORT 3306
#define MYSQL_DEFAULT_CONNECT_TIMEOUT 10
#define MYSQL_DEFAULT_FETCH_SIZE 1000
#define MYSQL_DEFAULT_BATCH_SIZE 100

/* Validates the options of a federated_mysql object (CREATE/ALTER ...) */
Datum
federated_mysql_validator(PG_FUNCTION_ARGS)
{
	List	   *options = untransformRelOptions(PG_GETARG_DATUM(0));
	Oid			catalog = PG_GETARG_OID(1);

	FdwValidateOptions(MYSQL_WRAPPER_NAME, MysqlOptions, options, catalog);
	if (catalog == ForeignTableRelationId &&
		FdwOptionText(options, "query", NULL) != NULL &&
		(FdwOptionText(options, "table_name", NULL) != NULL ||
		 FdwOptionText(options, "dbname", NULL) != NULL))
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
				 errmsg("option \"query\" of %s cannot be combined with \"table_name\" or \"dbname\"",
						MYSQL_WRAPPER_NAME),
				 errhint("Name the database and table inside the query.")));
	PG_RETURN_VOID();
}

/* The connection options of a server and user mapping, with defaults */
void
MysqlConnOptionsFor(ForeignServer *server, UserMapping *user,
					MysqlConnOptions *opts)
{
	List	   *s = server->options;
	List	   *u = user->options;

	opts->host = FdwOptionText(s, "host", "127.0.0.1");
	opts->port = FdwOptionInt(s, "port", MYSQL_DEFAULT_PORT);
	opts->dbname = FdwOptionText(s, "dbname", NULL);
	opts->ssl_mode = FdwOptionText(s, "ssl_mode", "preferred");
	opts->ssl_ca = FdwOptionText(s, "ssl_ca", NULL);
	opts->ssl_cert = FdwOptionText(s, "ssl_cert", NULL);
	opts->ssl_key = FdwOptionText(s, "ssl_key", NULL);
	opts->connect_timeout = FdwOptionInt(s, "connect_timeout",
										 MYSQL_DEFAULT_CONNECT_TIMEOUT);
	opts->read_timeout = FdwOptionInt(s, "read_timeout", 0);
	opts->write_timeout = FdwOptionInt(s, "write_timeout", 0);
	opts->username = FdwOptionText(u, "username", NULL);
	opts->password = FdwOptionText(u, "password", NULL);
	opts->password_required = FdwOptionBool(u, "password_required", true);
}

/* Reads an option from the table's list, else the server's, else dflt */
static const char *
TableOrServer(List *table, List *server, const char *name, const char *dflt)
{
	return FdwOptionText(table, name, FdwOptionText(server, name, dflt));
}

/* A foreign table's options, with the server's defaults applied */
void
MysqlTableOptionsFor(Oid relid, MysqlTableOptions *opts)
{
	ForeignTable *table = GetForeignTable(relid);
	ForeignServer *server = GetForeignServer(table->serverid);
	List	   *t = table->options;
	List	   *s = server->options;
	const char *zero_date = TableOrServer(t, s, "zero_date", "null");
	const char *estimate = TableOrServer(t, s, "use_remote_estimate", "false");

	opts->dbname = FdwOptionText(t, "dbname", NULL);
	opts->table_name = FdwOptionText(t, "table_name", get_rel_name(relid));
	opts->query = FdwOptionText(t, "query", NULL);
	opts->fetch_size = FdwOptionInt(t, "fetch_size",
									FdwOptionInt(s, "fetch_size",
												 MYSQL_DEFAULT_FETCH_SIZE));
	opts->batch_size = FdwOptionInt(t, "batch_size",
									FdwOptionInt(s, "batch_size",
												 MYSQL_DEFAULT_BATCH_SIZE));
	opts->zero_date = pg_strcasecmp(zero_date, "error") == 0 ?
		MYSQL_ZERO_DATE_ERROR : MYSQL_ZERO_DATE_NULL;
	if (!parse_bool(estimate, &opts->use_remote_estimate))
		opts->use_remote_estimate = false;
}

/* The remote name of a foreign table's column (option column_name) */
char *
MysqlColumnName(Oid relid, AttrNumber attnum)
{
	List	   *options = GetForeignColumnOptions(relid, attnum);
	const char *name = FdwOptionText(options, "column_name", NULL);

	return name ? pstrdup(name) : get_attname(relid, attnum, false);
}
