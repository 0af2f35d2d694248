/*-------------------------------------------------------------------------
 *
 * infer_scan.c
 *	  The "SageMaker Batch" custom scan: reads a batch of rows from its
 *	  child, calls each endpoint once per batch (not once per row), and
 *	  returns the rows with the results appended.
 *
 * Its scan tuple is the child's row followed by one column per endpoint
 * call; custom_scan_tlist says so, with the calls themselves (their
 * arguments refer to the child's columns as OUTER_VAR) as the last
 * entries.  The targetlist and quals above it refer to that scan tuple.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/objectaccess.h"
#include "executor/executor.h"
#include "commands/explain.h"
#include "miscadmin.h"
#include "nodes/extensible.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "utils/acl.h"
#include "utils/datum.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "infer/infer.h"

/* One endpoint call of the node, with the batch's arguments and results */
typedef struct InferCall
{
	InferFunction *fn;
	List	   *arg_states;		/* ExprState of each argument */
	Datum	   *args;			/* [row * nargs + i] */
	bool	   *nulls;
	Datum	   *results;		/* [row] */
	bool	   *result_nulls;
} InferCall;

/* Execution state of the custom scan */
typedef struct InferScanState
{
	CustomScanState css;
	int			npassthrough;	/* columns of the child row */
	int			ncalls;
	InferCall  *calls;
	int			batch_rows;		/* rows read from the child per batch */
	int			bound;			/* most rows wanted, 0 if unknown */
	MemoryContext batch_context;	/* the batch's rows and results */
	TupleTableSlot *row_slot;	/* re-reads a stored child row */
	MinimalTuple *rows;
	int			nrows;
	int			next;			/* next row of the batch to return */
	bool		child_done;
	InferCounters counters;
} InferScanState;

static Node *CreateInferScanState(CustomScan *cscan);
static void BeginInferScan(CustomScanState *node, EState *estate, int eflags);
static TupleTableSlot *ExecInferScan(CustomScanState *node);
static void EndInferScan(CustomScanState *node);
static void ReScanInferScan(CustomScanState *node);
static void ExplainInferScan(CustomScanState *node, List *ancestors,
							 ExplainState *es);

static const CustomScanMethods infer_scan_methods = {
	.CustomName = INFER_SCAN_NAME,
	.CreateCustomScanState = CreateInferScanState,
};

static const CustomExecMethods infer_exec_methods = {
	.CustomName = INFER_SCAN_NAME,
	.BeginCustomScan = BeginInferScan,
	.ExecCustomScan = ExecInferScan,
	.EndCustomScan = EndInferScan,
	.ReScanCustomScan = ReScanInferScan,
	.ExplainCustomScan = ExplainInferScan,
};

/* Registers the custom scan, so plans holding it can be copied and read */
void
InferScanInit(void)
{
	RegisterCustomScanMethods(&infer_scan_methods);
}

/*
 * Makes the custom scan above "child": the scan tuple is the child's row
 * plus one column per call; tlist and quals refer to it as INDEX_VAR.
 */
Plan *
InferMakeBatchScan(Plan *child, List *calls, List *tlist, List *quals)
{
	CustomScan *cscan = makeNode(CustomScan);
	List	   *scan_tlist = NIL;
	ListCell   *lc;

	foreach(lc, child->targetlist)
	{
		TargetEntry *tle = lfirst(lc);

		scan_tlist = lappend(scan_tlist,
							 makeTargetEntry((Expr *) makeVarFromTargetEntry(OUTER_VAR, tle),
											 list_length(scan_tlist) + 1,
											 NULL, false));
	}
	foreach(lc, calls)
		scan_tlist = lappend(scan_tlist,
							 makeTargetEntry(lfirst(lc), list_length(scan_tlist) + 1,
											 NULL, false));

	cscan->scan.plan.targetlist = tlist;
	cscan->scan.plan.qual = quals;
	cscan->scan.plan.lefttree = child;
	cscan->scan.plan.startup_cost = child->startup_cost;
	cscan->scan.plan.total_cost = child->total_cost;
	cscan->scan.plan.plan_rows = child->plan_rows;
	cscan->scan.plan.plan_width = child->plan_width;
	cscan->scan.plan.extParam = bms_copy(child->extParam);
	cscan->scan.plan.allParam = bms_copy(child->allParam);
	cscan->scan.scanrelid = 0;
	cscan->custom_scan_tlist = scan_tlist;
	/* the child's width, and the most rows wanted (0: all) */
	cscan->custom_private = list_make2_int(list_length(child->targetlist), 0);
	cscan->methods = &infer_scan_methods;
	return (Plan *) cscan;
}

/* Whether a plan node is a batch scan */
bool
InferIsBatchScan(Plan *plan)
{
	return plan != NULL && IsA(plan, CustomScan) &&
		((CustomScan *) plan)->methods == &infer_scan_methods;
}

/*
 * Tells a batch scan that no more than "rows" rows will be read from it
 * (a LIMIT above): it then reads one batch at a time, of at most that many
 * rows, instead of several batches to keep requests in flight.
 */
void
InferBoundBatchScan(Plan *plan, int64 rows)
{
	CustomScan *cscan = (CustomScan *) plan;

	lsecond_int(cscan->custom_private) = (int) Min(rows, PG_INT32_MAX);
}

/* Allocates the execution state of the custom scan */
static Node *
CreateInferScanState(CustomScan *cscan)
{
	InferScanState *state = palloc0(sizeof(InferScanState));

	NodeSetTag(state, T_CustomScanState);
	state->css.methods = &infer_exec_methods;
	return (Node *) state;
}

/* Sets up one call's argument expressions and batch arrays */
static void
BeginCall(InferScanState *state, InferCall *call, FuncExpr *expr)
{
	List	   *args = expr->args;
	int			rows = state->batch_rows;
	AclResult	aclresult;

	/* the permission check ExecInitFunc would have made */
	aclresult = pg_proc_aclcheck(expr->funcid, GetUserId(), ACL_EXECUTE);
	if (aclresult != ACLCHECK_OK)
		aclcheck_error(aclresult, OBJECT_FUNCTION, get_func_name(expr->funcid));
	InvokeFunctionExecuteHook(expr->funcid);

	if (list_length(args) > call->fn->nargs)
		args = list_delete_first(list_copy(args));	/* sagemaker_infer's endpoint */
	call->arg_states = ExecInitExprList(args, &state->css.ss.ps);
	call->args = palloc(sizeof(Datum) * rows * Max(call->fn->nargs, 1));
	call->nulls = palloc(sizeof(bool) * rows * Max(call->fn->nargs, 1));
	call->results = palloc(sizeof(Datum) * rows);
	call->result_nulls = palloc(sizeof(bool) * rows);
}

/* Starts the child and prepares every call of the node */
static void
BeginInferScan(CustomScanState *node, EState *estate, int eflags)
{
	InferScanState *state = (InferScanState *) node;
	CustomScan *cscan = (CustomScan *) node->ss.ps.plan;
	Plan	   *child = outerPlan(cscan);
	List	   *calls;
	ListCell   *lc;

	outerPlanState(node) = ExecInitNode(child, estate, eflags);
	state->npassthrough = linitial_int(cscan->custom_private);
	calls = list_copy_tail(cscan->custom_scan_tlist, state->npassthrough);
	state->ncalls = list_length(calls);
	state->calls = palloc0(sizeof(InferCall) * state->ncalls);

	/*
	 * A batch holds as many rows as the calls can keep in flight at once,
	 * or, under a LIMIT, one request's worth (or the LIMIT, if smaller).
	 */
	state->bound = lsecond_int(cscan->custom_private);
	state->batch_rows = 1;
	foreach(lc, calls)
	{
		InferCall  *call = &state->calls[foreach_current_index(lc)];
		InferFunction *fn;

		fn = call->fn = InferFunctionForCall((FuncExpr *) ((TargetEntry *) lfirst(lc))->expr,
											 CurrentMemoryContext);
		state->batch_rows = Max(state->batch_rows, state->bound > 0 ?
								fn->batch_size : fn->batch_size * fn->max_in_flight);
	}
	if (state->bound > 0)
		state->batch_rows = Min(state->batch_rows, state->bound);
	foreach(lc, calls)
		BeginCall(state, &state->calls[foreach_current_index(lc)],
				  (FuncExpr *) ((TargetEntry *) lfirst(lc))->expr);

	state->rows = palloc(sizeof(MinimalTuple) * state->batch_rows);
	state->row_slot = ExecInitExtraTupleSlot(estate,
											 ExecGetResultType(outerPlanState(node)),
											 &TTSOpsMinimalTuple);
	state->batch_context = AllocSetContextCreate(CurrentMemoryContext,
												 "SageMaker Batch rows",
												 ALLOCSET_DEFAULT_SIZES);
}

/* Evaluates the arguments of every call for one child row of the batch */
static void
EvaluateArgs(InferScanState *state, TupleTableSlot *slot, int row)
{
	ExprContext *econtext = state->css.ss.ps.ps_ExprContext;

	econtext->ecxt_outertuple = slot;
	for (int c = 0; c < state->ncalls; c++)
	{
		InferCall  *call = &state->calls[c];
		ListCell   *lc;

		foreach(lc, call->arg_states)
		{
			int			i = row * call->fn->nargs + foreach_current_index(lc);
			InferArg   *arg = &call->fn->args[foreach_current_index(lc)];
			Datum		value;

			value = ExecEvalExprSwitchContext(lfirst(lc), econtext,
											  &call->nulls[i]);
			call->args[i] = call->nulls[i] ? (Datum) 0 :
				datumCopy(value, arg->typbyval, arg->typlen);
		}
	}
	ResetExprContext(econtext);
}

/*
 * Reads the next batch from the child and calls every endpoint for it.
 * The child runs in the caller's context (it may allocate state that must
 * outlive the batch); its rows, arguments and results go to batch_context.
 */
static void
FillBatch(InferScanState *state)
{
	PlanState  *child = outerPlanState(state);
	MemoryContext caller = CurrentMemoryContext;

	MemoryContextReset(state->batch_context);
	state->nrows = 0;
	state->next = 0;
	while (state->nrows < state->batch_rows)
	{
		TupleTableSlot *slot = ExecProcNode(child);

		if (TupIsNull(slot))
		{
			state->child_done = true;
			break;
		}
		MemoryContextSwitchTo(state->batch_context);
		state->rows[state->nrows] = ExecCopySlotMinimalTuple(slot);
		EvaluateArgs(state, slot, state->nrows);
		MemoryContextSwitchTo(caller);
		state->nrows++;
	}
	MemoryContextSwitchTo(state->batch_context);
	for (int c = 0; c < state->ncalls && state->nrows > 0; c++)
	{
		InferCall  *call = &state->calls[c];

		InferInvoke(call->fn, state->nrows, call->args, call->nulls,
					call->results, call->result_nulls, &state->counters);
	}
	MemoryContextSwitchTo(caller);
}

/* Returns the next row of the batch as the scan tuple, or an empty slot */
static TupleTableSlot *
InferScanNext(ScanState *ss)
{
	InferScanState *state = (InferScanState *) ss;
	TupleTableSlot *scan = ss->ss_ScanTupleSlot;
	int			row;

	if (state->next >= state->nrows && !state->child_done)
		FillBatch(state);
	ExecClearTuple(scan);
	if (state->next >= state->nrows)
		return scan;

	row = state->next++;
	ExecStoreMinimalTuple(state->rows[row], state->row_slot, false);
	slot_getallattrs(state->row_slot);
	memcpy(scan->tts_values, state->row_slot->tts_values,
		   sizeof(Datum) * state->npassthrough);
	memcpy(scan->tts_isnull, state->row_slot->tts_isnull,
		   sizeof(bool) * state->npassthrough);
	for (int c = 0; c < state->ncalls; c++)
	{
		scan->tts_values[state->npassthrough + c] = state->calls[c].results[row];
		scan->tts_isnull[state->npassthrough + c] = state->calls[c].result_nulls[row];
	}
	return ExecStoreVirtualTuple(scan);
}

/* Rows of this node are never rechecked (it is no relation scan) */
static bool
InferScanRecheck(ScanState *ss, TupleTableSlot *slot)
{
	return true;
}

/* Returns the next row, with quals and projection applied by ExecScan */
static TupleTableSlot *
ExecInferScan(CustomScanState *node)
{
	return ExecScan(&node->ss, InferScanNext, InferScanRecheck);
}

/* Shuts the child down */
static void
EndInferScan(CustomScanState *node)
{
	ExecEndNode(outerPlanState(node));
}

/* Forgets the batch and restarts the child */
static void
ReScanInferScan(CustomScanState *node)
{
	InferScanState *state = (InferScanState *) node;
	PlanState  *child = outerPlanState(node);

	MemoryContextReset(state->batch_context);
	state->nrows = 0;
	state->next = 0;
	state->child_done = false;
	if (child->chgParam == NULL)
		ExecReScan(child);
}

/* EXPLAIN: the endpoints and batch size; with ANALYZE, what was spent */
static void
ExplainInferScan(CustomScanState *node, List *ancestors, ExplainState *es)
{
	InferScanState *state = (InferScanState *) node;
	StringInfoData endpoints;
	InferCounters *c = &state->counters;

	initStringInfo(&endpoints);
	for (int i = 0; i < state->ncalls; i++)
		appendStringInfo(&endpoints, "%s%s", i > 0 ? ", " : "",
						 state->calls[i].fn->endpoint);
	ExplainPropertyText("Endpoints", endpoints.data, es);
	ExplainPropertyInteger("Rows per Batch", NULL, state->batch_rows, es);
	if (!es->analyze)
		return;
	ExplainPropertyInteger("Requests", NULL, c->calls, es);
	ExplainPropertyInteger("Rows Sent", NULL, c->rows, es);
	ExplainPropertyInteger("Retries", NULL, c->retries, es);
	ExplainPropertyInteger("Bytes Sent", "bytes", c->bytes_sent, es);
	ExplainPropertyInteger("Bytes Received", "bytes", c->bytes_received, es);
	if (es->timing)
		ExplainPropertyFloat("Inference Time", "ms", c->time_ms, 3, es);
}
