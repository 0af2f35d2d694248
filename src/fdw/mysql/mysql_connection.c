/*-------------------------------------------------------------------------
 *
 * mysql_connection.c
 *	  Connections of federated_mysql: one per user mapping, cached for the
 *	  session, with the remote transaction tied to the local one.
 *
 *	  Every network operation uses libmariadb's non-blocking API and waits
 *	  on the socket together with the backend's latch, so a query cancel,
 *	  statement_timeout or termination interrupts it at once (by throwing
 *	  from CHECK_FOR_INTERRUPTS, never from a signal handler); the rows of
 *	  a streaming result are read by a thread (mysql_reader.c) while the
 *	  backend waits on its latch in the same way.  A scan closed before the
 *	  end of its result stops the remote query with KILL QUERY.  A connection
 *	  left busy by an error is cleaned up by the transaction callbacks: the
 *	  remote statement is stopped with KILL QUERY on a side connection and
 *	  the connection closed; the abort path only ever warns.
 *
 *	  The remote transaction starts at the first use in a local transaction
 *	  (START TRANSACTION), subtransactions are savepoints, and it commits in
 *	  the local pre-commit and rolls back with the local abort.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "storage/latch.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/memutils.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

#include "fdw/mysql/federated_mysql.h"

/* Seconds the abort path waits for the server before giving up on it */
#define MYSQL_CLEANUP_TIMEOUT_MS 5000

/* The session settings every connection runs with */
#define MYSQL_SESSION_SETUP \
	"SET SESSION sql_mode = 'NO_BACKSLASH_ESCAPES,STRICT_ALL_TABLES," \
	"ONLY_FULL_GROUP_BY,NO_ENGINE_SUBSTITUTION,NO_AUTO_VALUE_ON_ZERO'," \
	" time_zone = '+00:00', div_precision_increment = 30"

struct MysqlConn
{
	Oid			umid;			/* hash key: the user mapping's OID */
	MYSQL	   *mysql;			/* NULL when not connected */
	MemoryContext cxt;			/* holds opts' strings; reset on reconnect */
	MysqlConnOptions opts;		/* kept for the side connection that kills */
	char		server_name[NAMEDATALEN];
	unsigned long thread_id;	/* the remote connection id */
	int			xact_depth;		/* 0: no remote transaction; n: level n open */
	bool		busy;			/* a command or unread result is in flight */
	bool		lost;			/* dropped inside the current transaction */
	bool		invalidated;	/* its server or mapping changed */
	uint32		server_hashvalue;
	uint32		mapping_hashvalue;
	MysqlStream *stream;		/* the result streaming on it, if any */
	TimestampTz deadline;		/* non-zero: give up waiting after it */
};

struct MysqlStream
{
	MysqlConn  *conn;
	MYSQL_RES  *res;			/* NULL once detached from the connection */
	MysqlReader *reader;		/* the thread reading res, until its end */
	MYSQL_FIELD *fields;
	int			nfields;
	bool		eof;
	bool		lost;			/* its connection closed before its end */
	/* rows read ahead when another command needed the connection */
	char	  **rows;			/* nfields values per row */
	unsigned long *lengths;		/* nfields lengths per row */
	int64		nbuffered;
	int64		next;
	MemoryContext cxt;
	MemoryContextCallback callback;
};

static HTAB *connections = NULL;

static void MysqlXactCallback(XactEvent event, void *arg);
static void MysqlSubXactCallback(SubXactEvent event, SubTransactionId mySubid,
								 SubTransactionId parentSubid, void *arg);
static void MysqlInvalidate(Datum arg, int cacheid, uint32 hashvalue);

/* Sets up the connection cache's callbacks; called from _PG_init */
void
MysqlConnectionInit(void)
{
	RegisterXactCallback(MysqlXactCallback, NULL);
	RegisterSubXactCallback(MysqlSubXactCallback, NULL);
	CacheRegisterSyscacheCallback(FOREIGNSERVEROID, MysqlInvalidate, (Datum) 0);
	CacheRegisterSyscacheCallback(USERMAPPINGOID, MysqlInvalidate, (Datum) 0);
}

/* The libmariadb handle of a connection */
MYSQL *
MysqlHandle(MysqlConn *conn)
{
	return conn->mysql;
}

/*
 * Waits until the socket is ready as libmariadb asks ("status" is its
 * MYSQL_WAIT_* mask) or the latch is set, and returns what happened in the
 * same terms.  Interrupts are served here, so a cancel throws; in the abort
 * path (interrupts held) the connection's deadline bounds the wait instead.
 */
static int
WaitFor(MysqlConn *conn, int status)
{
	int			events = WL_LATCH_SET | WL_EXIT_ON_PM_DEATH;
	long		timeout = -1;
	int			rc;

	if (status & MYSQL_WAIT_READ)
		events |= WL_SOCKET_READABLE;
	if (status & MYSQL_WAIT_WRITE)
		events |= WL_SOCKET_WRITEABLE;
	if (status & MYSQL_WAIT_TIMEOUT)
		timeout = mysql_get_timeout_value_ms(conn->mysql);
	if (conn->deadline != 0)
	{
		long		left = TimestampDifferenceMilliseconds(GetCurrentTimestamp(),
														   conn->deadline);

		if (left <= 0)
			return MYSQL_WAIT_TIMEOUT;
		timeout = timeout < 0 ? left : Min(timeout, left);
	}
	if (timeout >= 0)
		events |= WL_TIMEOUT;

	rc = WaitLatchOrSocket(MyLatch, events, mysql_get_socket(conn->mysql),
						   timeout, PG_WAIT_EXTENSION);
	if (rc & WL_LATCH_SET)
	{
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
	}
	if (rc & WL_TIMEOUT)
		return MYSQL_WAIT_TIMEOUT;
	return ((rc & WL_SOCKET_READABLE) ? MYSQL_WAIT_READ : 0) |
		((rc & WL_SOCKET_WRITEABLE) ? MYSQL_WAIT_WRITE : 0);
}

/* Maps a MySQL error number to the SQLSTATE PostgreSQL users expect */
static int
MysqlErrcode(unsigned int code)
{
	if (code >= CR_MIN_ERROR && code <= CR_MAX_ERROR)
		return ERRCODE_CONNECTION_FAILURE;
	switch (code)
	{
		case ER_DUP_ENTRY:
		case ER_DUP_ENTRY_WITH_KEY_NAME:
			return ERRCODE_UNIQUE_VIOLATION;
		case ER_NO_REFERENCED_ROW:
		case ER_NO_REFERENCED_ROW_2:
		case ER_ROW_IS_REFERENCED:
		case ER_ROW_IS_REFERENCED_2:
			return ERRCODE_FOREIGN_KEY_VIOLATION;
		case ER_BAD_NULL_ERROR:
			return ERRCODE_NOT_NULL_VIOLATION;
		case ER_CONSTRAINT_FAILED:
			return ERRCODE_CHECK_VIOLATION;
		case ER_NO_SUCH_TABLE:
			return ERRCODE_FDW_TABLE_NOT_FOUND;
		case ER_BAD_FIELD_ERROR:
			return ERRCODE_FDW_COLUMN_NAME_NOT_FOUND;
		case ER_BAD_DB_ERROR:
			return ERRCODE_FDW_SCHEMA_NOT_FOUND;
		case ER_ACCESS_DENIED_ERROR:
			return ERRCODE_INVALID_PASSWORD;
		case ER_DBACCESS_DENIED_ERROR:
		case ER_TABLEACCESS_DENIED_ERROR:
		case ER_COLUMNACCESS_DENIED_ERROR:
			return ERRCODE_INSUFFICIENT_PRIVILEGE;
		case ER_QUERY_INTERRUPTED:
			return ERRCODE_QUERY_CANCELED;
		case ER_LOCK_WAIT_TIMEOUT:
			return ERRCODE_LOCK_NOT_AVAILABLE;
		case ER_LOCK_DEADLOCK:
			return ERRCODE_T_R_DEADLOCK_DETECTED;
		case ER_DATA_TOO_LONG:
			return ERRCODE_STRING_DATA_RIGHT_TRUNCATION;
		case ER_WARN_DATA_OUT_OF_RANGE:
			return ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE;
		case ER_TRUNCATED_WRONG_VALUE:
		case ER_TRUNCATED_WRONG_VALUE_FOR_FIELD:
			return ERRCODE_INVALID_TEXT_REPRESENTATION;
		case ER_PARSE_ERROR:
			return ERRCODE_SYNTAX_ERROR;
	}
	return ERRCODE_FDW_ERROR;
}

/* Forgets a result streaming on the connection without reading from it */
static void
DetachStream(MysqlConn *conn)
{
	MysqlStream *stream = conn->stream;

	if (stream == NULL)
		return;
	if (stream->reader != NULL)
	{
		/* stops the thread (the connection is closed next) */
		MysqlReaderFree(stream->reader);
		stream->reader = NULL;
	}
	if (stream->res != NULL)
	{
		/* no handle: mysql_free_result only frees memory */
		stream->res->handle = NULL;
		mysql_free_result(stream->res);
		stream->res = NULL;
	}
	stream->lost = !stream->eof;
	conn->stream = NULL;
}

/* Closes a connection; its remote transaction, if any, is lost */
static void
Disconnect(MysqlConn *conn)
{
	if (conn->mysql == NULL)
		return;
	DetachStream(conn);
	mysql_close(conn->mysql);
	conn->mysql = NULL;
	conn->busy = false;
	if (conn->xact_depth > 0)
		conn->lost = true;
	conn->xact_depth = 0;
	if (conn->opts.password != NULL)
		explicit_bzero(unconstify(char *, conn->opts.password),
					   strlen(conn->opts.password));
	MemoryContextReset(conn->cxt);
	memset(&conn->opts, 0, sizeof(conn->opts));
}

/*
 * Raises the connection's last error: MySQL's message in the detail, the
 * statement (never one with a password) in the context.  A client-side
 * error (connection lost, timeout) also closes the connection, so that the
 * next query reconnects.
 */
void
MysqlReportError(int elevel, MysqlConn *conn, const char *sql)
{
	unsigned int code = mysql_errno(conn->mysql);
	char	   *message = pstrdup(mysql_error(conn->mysql));
	bool		lost = code >= CR_MIN_ERROR && code <= CR_MAX_ERROR;

	conn->busy = false;
	if (lost)
		Disconnect(conn);
	ereport(elevel,
			(errcode(MysqlErrcode(code)),
			 lost ? errmsg("lost the connection to MySQL server \"%s\"",
						   conn->server_name) :
			 errmsg("MySQL server \"%s\" failed to run a remote command",
					conn->server_name),
			 errdetail_internal("MySQL error %u: %s", code, message),
			 lost ? errhint("The next query connects again.") : 0,
			 sql ? errcontext("remote SQL command: %s", sql) : 0));
	pg_unreachable();
}

/* Sends a statement and reads its reply header; false on a MySQL error */
static bool
RunQuery(MysqlConn *conn, const char *sql)
{
	int			err;
	int			status;

	conn->busy = true;
	status = mysql_real_query_start(&err, conn->mysql, sql, strlen(sql));
	while (status)
		status = mysql_real_query_cont(&err, conn->mysql, WaitFor(conn, status));
	if (err == 0)
		conn->busy = false;
	return err == 0;
}

/* Reads a whole result of a statement sent with RunQuery; NULL on error */
static MYSQL_RES *
StoreResult(MysqlConn *conn)
{
	MYSQL_RES  *res;
	int			status;

	conn->busy = true;
	status = mysql_store_result_start(&res, conn->mysql);
	while (status)
		status = mysql_store_result_cont(&res, conn->mysql, WaitFor(conn, status));
	if (res != NULL || mysql_errno(conn->mysql) == 0)
		conn->busy = false;
	return res;
}

/* Frees a buffered result from a memory context's reset */
static void
FreeStoredResult(void *arg)
{
	mysql_free_result((MYSQL_RES *) arg);
}

/* Copies the rest of a streaming result into memory, freeing the connection */
static void
BufferRestOfStream(MysqlStream *stream)
{
	MemoryContext old = MemoryContextSwitchTo(stream->cxt);
	int64		capacity = 0;
	unsigned long *lengths;
	MYSQL_ROW	row;

	while ((row = MysqlStreamNext(stream, &lengths)) != NULL)
	{
		char	  **copy;

		if (stream->nbuffered == capacity)
		{
			capacity = Max(capacity * 2, 64);
			stream->rows = stream->rows == NULL ?
				palloc_extended(capacity * stream->nfields * sizeof(char *), MCXT_ALLOC_HUGE) :
				repalloc_huge(stream->rows, capacity * stream->nfields * sizeof(char *));
			stream->lengths = stream->lengths == NULL ?
				palloc_extended(capacity * stream->nfields * sizeof(unsigned long), MCXT_ALLOC_HUGE) :
				repalloc_huge(stream->lengths, capacity * stream->nfields * sizeof(unsigned long));
		}
		copy = stream->rows + stream->nbuffered * stream->nfields;
		for (int i = 0; i < stream->nfields; i++)
		{
			copy[i] = row[i] == NULL ? NULL : pnstrdup(row[i], lengths[i]);
			stream->lengths[stream->nbuffered * stream->nfields + i] = lengths[i];
		}
		stream->nbuffered++;
	}
	MemoryContextSwitchTo(old);
	Assert(stream->conn->stream == NULL);
}

/* Makes the connection free for a new command, buffering a streaming result */
static void
EnsureIdle(MysqlConn *conn)
{
	if (conn->stream != NULL)
		BufferRestOfStream(conn->stream);
}

/* Runs a statement and discards any result; raises MySQL's error */
void
MysqlExec(MysqlConn *conn, const char *sql)
{
	EnsureIdle(conn);
	if (!RunQuery(conn, sql))
		MysqlReportError(ERROR, conn, sql);
	if (mysql_field_count(conn->mysql) > 0)
	{
		MYSQL_RES  *res = StoreResult(conn);

		if (res == NULL)
			MysqlReportError(ERROR, conn, sql);
		mysql_free_result(res);
	}
}

/*
 * Runs a query and returns its whole result, freed when the current memory
 * context is reset; for small results (catalog queries, estimates).
 */
MYSQL_RES *
MysqlQueryAll(MysqlConn *conn, const char *sql)
{
	MYSQL_RES  *res;
	MemoryContextCallback *callback;

	EnsureIdle(conn);
	if (!RunQuery(conn, sql) || (res = StoreResult(conn)) == NULL)
		MysqlReportError(ERROR, conn, sql);
	callback = palloc(sizeof(MemoryContextCallback));
	callback->func = FreeStoredResult;
	callback->arg = res;
	MemoryContextRegisterResetCallback(CurrentMemoryContext, callback);
	return res;
}

/* Rows the last INSERT, UPDATE or DELETE matched */
uint64
MysqlAffectedRows(MysqlConn *conn)
{
	return (uint64) mysql_affected_rows(conn->mysql);
}

/*
 * Runs a command in the abort path: never throws, gives up after
 * MYSQL_CLEANUP_TIMEOUT_MS, and warns (without the password-free detail
 * being lost) when it fails.  Returns whether it worked.
 */
static bool
ExecQuietly(MysqlConn *conn, const char *sql)
{
	bool		ok;

	conn->deadline = TimestampTzPlusMilliseconds(GetCurrentTimestamp(),
												 MYSQL_CLEANUP_TIMEOUT_MS);
	ok = RunQuery(conn, sql);
	conn->deadline = 0;
	if (!ok)
		ereport(WARNING,
				(errcode(ERRCODE_CONNECTION_FAILURE),
				 errmsg("could not run \"%s\" on MySQL server \"%s\"; closing the connection",
						sql, conn->server_name),
				 errdetail_internal("MySQL error %u: %s", mysql_errno(conn->mysql),
									mysql_error(conn->mysql))));
	return ok;
}

/* Sets the TLS options of a connection from the server's ssl_mode */
static void
SetTlsOptions(MYSQL *mysql, const MysqlConnOptions *opts)
{
	my_bool		on = 1;

	if (pg_strcasecmp(opts->ssl_mode, "disabled") == 0)
		return;
	mysql_ssl_set(mysql, opts->ssl_key, opts->ssl_cert, opts->ssl_ca, NULL, NULL);
	if (pg_strcasecmp(opts->ssl_mode, "preferred") == 0)
		return;
	mysql_options(mysql, MYSQL_OPT_SSL_ENFORCE, &on);
	if (pg_strncasecmp(opts->ssl_mode, "verify", 6) == 0)
		mysql_options(mysql, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &on);
}

/* A libmariadb handle with the options every connection of ours has */
static MYSQL *
NewHandle(const MysqlConnOptions *opts, bool nonblocking)
{
	MYSQL	   *mysql = mysql_init(NULL);
	unsigned int protocol = MYSQL_PROTOCOL_TCP;
	unsigned int connect_timeout = opts->connect_timeout;
	unsigned int read_timeout = opts->read_timeout;
	unsigned int write_timeout = opts->write_timeout;
	my_bool		off = 0;

	if (mysql == NULL)
		return NULL;
	if (nonblocking)
		mysql_options(mysql, MYSQL_OPT_NONBLOCK, 0);
	mysql_options(mysql, MYSQL_OPT_PROTOCOL, &protocol);
	mysql_options(mysql, MYSQL_OPT_CONNECT_TIMEOUT, &connect_timeout);
	if (read_timeout > 0)
		mysql_options(mysql, MYSQL_OPT_READ_TIMEOUT, &read_timeout);
	if (write_timeout > 0)
		mysql_options(mysql, MYSQL_OPT_WRITE_TIMEOUT, &write_timeout);
	/* a server must never make us send a file of the database server */
	mysql_options(mysql, MYSQL_OPT_LOCAL_INFILE, &off);
	mysql_options(mysql, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	SetTlsOptions(mysql, opts);
	return mysql;
}

/* Copies the connection options into the connection's own context */
static void
KeepOptions(MysqlConn *conn, const MysqlConnOptions *opts)
{
	MemoryContext old = MemoryContextSwitchTo(conn->cxt);

	conn->opts = *opts;
#define KEEP(field) conn->opts.field = opts->field ? pstrdup(opts->field) : NULL
	KEEP(host);
	KEEP(dbname);
	KEEP(username);
	KEEP(password);
	KEEP(ssl_mode);
	KEEP(ssl_ca);
	KEEP(ssl_cert);
	KEEP(ssl_key);
#undef KEEP
	MemoryContextSwitchTo(old);
}

/* Refuses a non-superuser's connection without a password, as postgres_fdw */
static void
CheckPasswordRequired(UserMapping *user, const MysqlConnOptions *opts,
					  const char *server_name)
{
	if (superuser_arg(user->userid) || !opts->password_required)
		return;
	if (opts->password == NULL || opts->password[0] == '\0')
		ereport(ERROR,
				(errcode(ERRCODE_S_R_E_PROHIBITED_SQL_STATEMENT_ATTEMPTED),
				 errmsg("password is required to connect to MySQL server \"%s\"",
						server_name),
				 errdetail("A role that is not a superuser must give a password in its user mapping."),
				 errhint("Add option \"password\" to the user mapping, or have a superuser set password_required 'false' on it.")));
}

/* Opens the connection of a cache entry and sets its session up */
static void
Connect(MysqlConn *conn, ForeignServer *server, UserMapping *user)
{
	MysqlConnOptions opts;
	MYSQL	   *ret;
	int			status;

	MysqlConnOptionsFor(server, user, &opts);
	strlcpy(conn->server_name, server->servername, NAMEDATALEN);
	CheckPasswordRequired(user, &opts, server->servername);
	KeepOptions(conn, &opts);
	conn->mysql = NewHandle(&opts, true);
	if (conn->mysql == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_OUT_OF_MEMORY),
				 errmsg("out of memory while connecting to MySQL server \"%s\"",
						server->servername)));
	conn->busy = true;
	status = mysql_real_connect_start(&ret, conn->mysql, opts.host, opts.username,
									  opts.password, opts.dbname, opts.port,
									  NULL, CLIENT_FOUND_ROWS);
	while (status)
		status = mysql_real_connect_cont(&ret, conn->mysql, WaitFor(conn, status));
	if (ret == NULL)
	{
		char	   *message = pstrdup(mysql_error(conn->mysql));
		unsigned int code = mysql_errno(conn->mysql);

		Disconnect(conn);
		ereport(ERROR,
				(errcode(code == ER_ACCESS_DENIED_ERROR ? ERRCODE_INVALID_PASSWORD :
						 ERRCODE_SQLCLIENT_UNABLE_TO_ESTABLISH_SQLCONNECTION),
				 errmsg("could not connect to MySQL server \"%s\"",
						server->servername),
				 errdetail_internal("MySQL error %u: %s", code, message)));
	}
	conn->busy = false;
	conn->thread_id = mysql_thread_id(conn->mysql);
	MysqlExec(conn, MYSQL_SESSION_SETUP);
	MysqlExec(conn, "SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ");
}

/* Starts the remote transaction and savepoints up to the local level */
static void
BeginRemoteXact(MysqlConn *conn)
{
	int			level = GetCurrentTransactionNestLevel();

	if (conn->xact_depth <= 0)
	{
		MysqlExec(conn, "START TRANSACTION");
		conn->xact_depth = 1;
	}
	while (conn->xact_depth < level)
	{
		char		sql[64];

		snprintf(sql, sizeof(sql), "SAVEPOINT s%d", conn->xact_depth + 1);
		MysqlExec(conn, sql);
		conn->xact_depth++;
	}
}

/* The cache entry of a user mapping, created empty on first use */
static MysqlConn *
LookupEntry(UserMapping *user)
{
	MysqlConn  *conn;
	bool		found;

	if (connections == NULL)
	{
		HASHCTL		ctl;

		ctl.keysize = sizeof(Oid);
		ctl.entrysize = sizeof(MysqlConn);
		ctl.hcxt = TopMemoryContext;
		connections = hash_create("federated_mysql connections", 8, &ctl,
								  HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	}
	conn = hash_search(connections, &user->umid, HASH_ENTER, &found);
	if (!found)
	{
		memset(((char *) conn) + sizeof(Oid), 0, sizeof(MysqlConn) - sizeof(Oid));
		conn->cxt = AllocSetContextCreate(TopMemoryContext,
										  "federated_mysql connection",
										  ALLOCSET_SMALL_SIZES);
	}
	return conn;
}

/*
 * The connection of a user mapping, connected and inside a remote
 * transaction at the current local nesting level.
 */
MysqlConn *
MysqlGetConnection(UserMapping *user)
{
	MysqlConn  *conn = LookupEntry(user);

	if (conn->lost)
		ereport(ERROR,
				(errcode(ERRCODE_CONNECTION_FAILURE),
				 errmsg("the connection to MySQL server \"%s\" was lost in this transaction",
						conn->server_name),
				 errdetail("The remote transaction was rolled back."),
				 errhint("Roll back this transaction; the next one connects again.")));
	if (conn->mysql != NULL && conn->invalidated && conn->xact_depth == 0)
		Disconnect(conn);
	if (conn->mysql == NULL)
	{
		ForeignServer *server = GetForeignServer(user->serverid);

		conn->invalidated = false;
		conn->server_hashvalue =
			GetSysCacheHashValue1(FOREIGNSERVEROID, ObjectIdGetDatum(server->serverid));
		conn->mapping_hashvalue =
			GetSysCacheHashValue1(USERMAPPINGOID, ObjectIdGetDatum(user->umid));
		Connect(conn, server, user);
	}
	BeginRemoteXact(conn);
	return conn;
}

/* Stops the statement running on a connection, from a side connection */
static void
KillRemoteQuery(MysqlConn *conn)
{
	MysqlConnOptions opts = conn->opts;
	MYSQL	   *side;
	char		sql[64];

	opts.connect_timeout = opts.read_timeout = opts.write_timeout = 2;
	side = NewHandle(&opts, false);
	if (side == NULL)
		return;
	snprintf(sql, sizeof(sql), "KILL QUERY %lu", conn->thread_id);
	if (mysql_real_connect(side, opts.host, opts.username, opts.password, NULL,
						   opts.port, NULL, 0) == NULL ||
		mysql_query(side, sql) != 0)
		ereport(WARNING,
				(errcode(ERRCODE_CONNECTION_FAILURE),
				 errmsg("could not stop the remote query on MySQL server \"%s\"",
						conn->server_name),
				 errdetail_internal("MySQL error %u: %s", mysql_errno(side),
									mysql_error(side))));
	mysql_close(side);
}

/* Cleans a connection up after a local (sub)transaction abort; never throws */
static void
AbortCleanup(MysqlConn *conn, const char *rollback_sql)
{
	if (conn->mysql == NULL)
		return;
	if (conn->busy)
	{
		KillRemoteQuery(conn);
		Disconnect(conn);
		return;
	}
	if (rollback_sql != NULL && !ExecQuietly(conn, rollback_sql))
		Disconnect(conn);
}

/* Commits or rolls back the remote transactions with the local one */
static void
MysqlXactCallback(XactEvent event, void *arg)
{
	HASH_SEQ_STATUS scan;
	MysqlConn  *conn;

	if (connections == NULL)
		return;
	hash_seq_init(&scan, connections);
	while ((conn = hash_seq_search(&scan)) != NULL)
	{
		switch (event)
		{
			case XACT_EVENT_PARALLEL_PRE_COMMIT:
			case XACT_EVENT_PRE_COMMIT:
				if (conn->mysql != NULL && conn->xact_depth > 0)
				{
					MysqlExec(conn, "COMMIT");
					conn->xact_depth = 0;
				}
				continue;
			case XACT_EVENT_PRE_PREPARE:
				if (conn->mysql != NULL && conn->xact_depth > 0)
					ereport(ERROR,
							(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
							 errmsg("cannot PREPARE a transaction that has used MySQL server \"%s\"",
									conn->server_name)));
				continue;
			case XACT_EVENT_PARALLEL_ABORT:
			case XACT_EVENT_ABORT:
				AbortCleanup(conn, conn->xact_depth > 0 ? "ROLLBACK" : NULL);
				break;
			default:
				break;
		}
		conn->xact_depth = 0;
		conn->lost = false;
		conn->busy = false;
		if (conn->invalidated)
			Disconnect(conn);
	}
}

/* Releases or rolls back the savepoint of a subtransaction */
static void
MysqlSubXactCallback(SubXactEvent event, SubTransactionId mySubid,
					 SubTransactionId parentSubid, void *arg)
{
	HASH_SEQ_STATUS scan;
	MysqlConn  *conn;
	int			level;

	if (connections == NULL ||
		(event != SUBXACT_EVENT_PRE_COMMIT_SUB && event != SUBXACT_EVENT_ABORT_SUB))
		return;
	level = GetCurrentTransactionNestLevel();
	hash_seq_init(&scan, connections);
	while ((conn = hash_seq_search(&scan)) != NULL)
	{
		char		sql[96];

		if (conn->mysql == NULL || conn->xact_depth < level)
			continue;
		if (event == SUBXACT_EVENT_PRE_COMMIT_SUB)
		{
			snprintf(sql, sizeof(sql), "RELEASE SAVEPOINT s%d", level);
			MysqlExec(conn, sql);
		}
		else
		{
			snprintf(sql, sizeof(sql), "ROLLBACK TO SAVEPOINT s%d", level);
			AbortCleanup(conn, sql);
			snprintf(sql, sizeof(sql), "RELEASE SAVEPOINT s%d", level);
			if (conn->mysql != NULL && !ExecQuietly(conn, sql))
				Disconnect(conn);
		}
		if (conn->mysql != NULL)
			conn->xact_depth = level - 1;
	}
}

/* Marks the connections of a changed server or user mapping for closing */
static void
MysqlInvalidate(Datum arg, int cacheid, uint32 hashvalue)
{
	HASH_SEQ_STATUS scan;
	MysqlConn  *conn;

	if (connections == NULL)
		return;
	hash_seq_init(&scan, connections);
	while ((conn = hash_seq_search(&scan)) != NULL)
	{
		if (conn->mysql == NULL)
			continue;
		if (hashvalue == 0 ||
			(cacheid == FOREIGNSERVEROID && conn->server_hashvalue == hashvalue) ||
			(cacheid == USERMAPPINGOID && conn->mapping_hashvalue == hashvalue))
			conn->invalidated = true;
	}
}

/* Detaches a stream whose memory goes away without MysqlStreamClose */
static void
StreamContextGone(void *arg)
{
	MysqlStream *stream = (MysqlStream *) arg;
	MysqlConn  *conn = stream->conn;

	if (conn->stream == stream)
	{
		/* the rest of the result is unread: the connection is unusable */
		Disconnect(conn);
	}
}

/*
 * Runs a query and opens its result for reading row by row; a thread reads
 * ahead, batch_rows rows at a time (mysql_reader.c).
 */
MysqlStream *
MysqlStreamOpen(MysqlConn *conn, const char *sql, int batch_rows,
				MemoryContext context)
{
	MysqlStream *stream;

	EnsureIdle(conn);
	if (!RunQuery(conn, sql))
		MysqlReportError(ERROR, conn, sql);
	stream = MemoryContextAllocZero(context, sizeof(MysqlStream));
	stream->conn = conn;
	stream->cxt = context;
	stream->res = mysql_use_result(conn->mysql);
	if (stream->res == NULL)
		MysqlReportError(ERROR, conn, sql);
	stream->fields = mysql_fetch_fields(stream->res);
	stream->nfields = mysql_num_fields(stream->res);
	conn->stream = stream;
	conn->busy = true;
	stream->callback.func = StreamContextGone;
	stream->callback.arg = stream;
	MemoryContextRegisterResetCallback(context, &stream->callback);
	stream->reader = MysqlReaderStart(stream->res, stream->nfields, batch_rows,
									  mysql_get_socket(conn->mysql));
	return stream;
}

/* The result's fields (valid until the stream is closed) */
MYSQL_FIELD *
MysqlStreamFields(MysqlStream *stream, int *nfields)
{
	*nfields = stream->nfields;
	return stream->fields;
}

/* Marks a stream read to its end and frees the connection */
static void
StreamFinished(MysqlStream *stream)
{
	MysqlConn  *conn = stream->conn;

	stream->eof = true;
	if (conn->stream == stream)
	{
		conn->stream = NULL;
		conn->busy = false;
		/* the fields stay readable; nothing more is read through res */
	}
}

/* The next row of a stream and its lengths, or NULL at the end */
MYSQL_ROW
MysqlStreamNext(MysqlStream *stream, unsigned long **lengths)
{
	MYSQL_ROW	row;

	if (stream->conn->stream != stream)
	{
		/* buffered (or detached by a lost connection) */
		if (stream->next < stream->nbuffered)
		{
			int64		i = stream->next++;

			*lengths = stream->lengths + i * stream->nfields;
			return stream->rows + i * stream->nfields;
		}
		if (stream->lost)
			ereport(ERROR,
					(errcode(ERRCODE_CONNECTION_FAILURE),
					 errmsg("lost the connection to MySQL server \"%s\" in the middle of a result",
							stream->conn->server_name),
					 errhint("The next query connects again.")));
		return NULL;
	}
	if (MysqlReaderNext(stream->reader, &row, lengths))
		return row;
	/* the thread has ended: the handle, and its error if any, are ours */
	MysqlReaderFree(stream->reader);
	stream->reader = NULL;
	if (mysql_errno(stream->conn->mysql) != 0)
		MysqlReportError(ERROR, stream->conn, NULL);
	StreamFinished(stream);
	return NULL;
}

/*
 * Closes a stream.  A result not read to its end (a LIMIT evaluated here,
 * a cursor closed early, a rescan) is stopped at the server with KILL
 * QUERY on a side connection, rather than read to its end, and what was
 * already on its way is read and dropped; the connection stays usable.
 */
void
MysqlStreamClose(MysqlStream *stream)
{
	MysqlConn  *conn = stream->conn;

	if (conn->stream == stream)
	{
		int			status;

		if (stream->reader != NULL)
		{
			if (!MysqlReaderDone(stream->reader))
				KillRemoteQuery(conn);
			MysqlReaderDiscard(stream->reader);
			MysqlReaderFree(stream->reader);
			stream->reader = NULL;
		}
		status = mysql_free_result_start(stream->res);

		while (status)
			status = mysql_free_result_cont(stream->res, WaitFor(conn, status));
		stream->res = NULL;
		StreamFinished(stream);
	}
	else if (stream->res != NULL)
	{
		stream->res->handle = NULL;
		mysql_free_result(stream->res);
		stream->res = NULL;
	}
	/* the context's reset callback stays, and finds nothing to do */
}
