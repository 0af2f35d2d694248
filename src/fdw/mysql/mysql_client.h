/*-------------------------------------------------------------------------
 *
 * mysql_client.h
 *	  Includes libmariadb's <mysql.h> next to PostgreSQL's headers: its
 *	  ma_list.h declares list_length, list_free and list_delete, which
 *	  nodes/pg_list.h also defines, so they are renamed while it is read.
 *
 *-------------------------------------------------------------------------
 */
#ifndef MYSQL_CLIENT_H
#define MYSQL_CLIENT_H

#define list_add mariadb_list_add
#define list_delete mariadb_list_delete
#define list_cons mariadb_list_cons
#define list_reverse mariadb_list_reverse
#define list_free mariadb_list_free
#define list_length mariadb_list_length
#define list_walk mariadb_list_walk

#include <mysql.h>
#include <errmsg.h>
#include <mysqld_error.h>

#undef list_add
#undef list_delete
#undef list_cons
#undef list_reverse
#undef list_free
#undef list_length
#undef list_walk
#undef list_rest
#undef list_push
#undef list_pop

#endif							/* MYSQL_CLIENT_H */
