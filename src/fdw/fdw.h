/*-------------------------------------------------------------------------
 *
 * fdw.h
 *	  Entry points of pg_infer's foreign data wrappers that the rest of the
 *	  extension calls (no client library header needed).
 *
 *-------------------------------------------------------------------------
 */
#ifndef FDW_H
#define FDW_H

/* in mysql/mysql_handler.c */
extern void MysqlInit(void);

#endif							/* FDW_H */
