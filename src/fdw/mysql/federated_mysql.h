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
#include "nodes/pathnodes.h"
#include "utils/relcache.h"

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

#endif							/* FEDERATED_MYSQL_H */
