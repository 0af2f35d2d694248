/*-------------------------------------------------------------------------
 *
 * mysql_handler.c
 *	  The handler of the federated_mysql foreign data wrapper: the table of
 *	  callbacks PostgreSQL calls, and the wrapper's initialisation.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "foreign/fdwapi.h"

#include "fdw/mysql/federated_mysql.h"

PG_FUNCTION_INFO_V1(federated_mysql_handler);

/* Sets up the wrapper when the library is loaded */
void
MysqlInit(void)
{
	MysqlConnectionInit();
}

/* Returns the callbacks of federated_mysql */
Datum
federated_mysql_handler(PG_FUNCTION_ARGS)
{
	FdwRoutine *routine = makeNode(FdwRoutine);

	routine->GetForeignRelSize = MysqlGetForeignRelSize;
	routine->GetForeignPaths = MysqlGetForeignPaths;
	routine->GetForeignPlan = MysqlGetForeignPlan;
	routine->GetForeignJoinPaths = MysqlGetForeignJoinPaths;
	routine->GetForeignUpperPaths = MysqlGetForeignUpperPaths;
	routine->BeginForeignScan = MysqlBeginForeignScan;
	routine->IterateForeignScan = MysqlIterateForeignScan;
	routine->ReScanForeignScan = MysqlReScanForeignScan;
	routine->EndForeignScan = MysqlEndForeignScan;
	routine->RecheckForeignScan = MysqlRecheckForeignScan;
	routine->ExplainForeignScan = MysqlExplainForeignScan;
	routine->AddForeignUpdateTargets = MysqlAddForeignUpdateTargets;
	routine->PlanForeignModify = MysqlPlanForeignModify;
	routine->BeginForeignModify = MysqlBeginForeignModify;
	routine->ExecForeignInsert = MysqlExecForeignInsert;
	routine->ExecForeignBatchInsert = MysqlExecForeignBatchInsert;
	routine->GetForeignModifyBatchSize = MysqlGetForeignModifyBatchSize;
	routine->ExecForeignUpdate = MysqlExecForeignUpdate;
	routine->ExecForeignDelete = MysqlExecForeignDelete;
	routine->EndForeignModify = MysqlEndForeignModify;
	routine->BeginForeignInsert = MysqlBeginForeignInsert;
	routine->EndForeignInsert = MysqlEndForeignModify;
	routine->IsForeignRelUpdatable = MysqlIsForeignRelUpdatable;
	routine->ImportForeignSchema = MysqlImportForeignSchema;
	routine->AnalyzeForeignTable = MysqlAnalyzeForeignTable;
	PG_RETURN_POINTER(routine);
}
