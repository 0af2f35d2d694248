/*-------------------------------------------------------------------------
 *
 * infer_plan.c
 *	  The planner hook that batches endpoint calls: after the standard
 *	  planner, each plan node that calls an endpoint function for its rows
 *	  gets a "SageMaker Batch" custom scan that makes those calls once per
 *	  batch of rows instead of once per row.
 *
 * Two shapes, both leaving every other node's view of its input as it was:
 *
 *	 - calls in a node's targetlist or filter (SELECT f(x) FROM t WHERE ...):
 *	   the node now outputs the call-free pieces of those expressions, and a
 *	   batch scan above it evaluates the calls and the original expressions
 *	   (conjuncts of the filter without calls stay in the node, so rows they
 *	   reject are never sent);
 *	 - calls in the arguments of aggregates or window functions
 *	   (SELECT avg(f(x)) ...): a batch scan between the node and its input
 *	   appends the results as extra input columns.
 *
 * An inner join's condition counts as its filter.  Calls whose arguments
 * call endpoints too, calls in the join conditions of outer, semi and anti
 * joins (and of inner joins that stop at the first match), calls under
 * nodes that cannot take a custom scan (the inner side of a merge join),
 * and calls in parts of a CASE or COALESCE that are evaluated only for
 * some rows stay as they were: one request per row, made only when
 * PostgreSQL evaluates them.  Calls a parallel plan leaves to the
 * leader's Gather are batched above it.  The batch scan runs forward only:
 * a cursor that could scroll before gets a Material node on top, as the
 * planner gives a SCROLL cursor over a forward-only plan.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/executor.h"
#include "jit/jit.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/planner.h"
#include "parser/parsetree.h"

#include "infer/infer.h"

/* What splitting a node's expressions collected */
typedef struct SplitState
{
	List	   *pieces;			/* call-free expressions the node outputs */
	List	   *calls;			/* calls, arguments as OUTER_VAR of pieces */
	List	   *originals;		/* the calls as written, to share repeats */
	bool		conditional;	/* in a part of a CASE or COALESCE that may
								 * not be evaluated: calls stay per row */
} SplitState;

/* State of one planner hook run */
typedef struct BatchContext
{
	int			next_plan_id;	/* plan_node_id for new nodes */
	bool		local_calls;	/* a local model's calls were batched */
} BatchContext;

/*
 * A Var with this varno stands for the result of call number varattno
 * until the columns before the results are counted.
 */
#define CALL_RESULT_VARNO	(-100)

static planner_hook_type prev_planner_hook = NULL;

/* The sagemaker language's OID, looked up once per planner hook run */
static Oid	batch_language = InvalidOid;

/* Notes in the context whether calls about to be batched call local models */
static void
NoteLocalCalls(BatchContext *context, List *calls)
{
	ListCell   *lc;

	foreach(lc, calls)
		if (InferCallKindOf(((FuncExpr *) lfirst(lc))->funcid,
							batch_language) == INFER_CALL_LOCAL)
			context->local_calls = true;
}

/* Whether an expression is a call that can be batched */
static bool
IsBatchableCall(Node *node)
{
	FuncExpr   *call;
	InferCallKind kind;

	if (!IsA(node, FuncExpr))
		return false;
	call = (FuncExpr *) node;
	kind = InferCallKindOf(call->funcid, batch_language);
	if (kind == INFER_CALL_NONE || call->funcretset || call->funcvariadic)
		return false;
	/* sagemaker_infer needs a constant endpoint to batch */
	if (kind == INFER_CALL_ADHOC &&
		!(IsA(linitial(call->args), Const) &&
		  !((Const *) linitial(call->args))->constisnull))
		return false;
	return true;
}

/*
 * Whether an expression holds a batchable call, not counting calls inside
 * aggregates, window functions or subplans (those are not evaluated per
 * row of this node).
 */
static bool
ContainsCall(Node *node, void *context)
{
	if (node == NULL)
		return false;
	if (IsA(node, Aggref) || IsA(node, WindowFunc) || IsA(node, SubPlan) ||
		IsA(node, AlternativeSubPlan))
		return false;
	if (IsBatchableCall(node))
		return true;
	return expression_tree_walker(node, ContainsCall, context);
}

/* Whether a call's arguments hold another call (those are not batched) */
static bool
HasNestedCall(FuncExpr *call)
{
	return ContainsCall((Node *) call->args, NULL);
}

/* Whether an expression holds a CaseTestExpr */
static bool
ContainsCaseTest(Node *node, void *context)
{
	if (node == NULL)
		return false;
	if (IsA(node, CaseTestExpr))
		return true;
	return expression_tree_walker(node, ContainsCaseTest, context);
}

/*
 * Whether a call-free subtree can be computed by the node below as a
 * column: an expression (not a CaseWhen arm or an argument list) that does
 * not read the value of an enclosing CASE (CaseTestExpr), which only the
 * CASE itself can supply.
 */
static bool
IsPiece(Node *node)
{
	return !IsA(node, CaseWhen) && !IsA(node, List) &&
		!ContainsCaseTest(node, NULL);
}

/* The position of a piece among the pieces, adding it if new */
static int
PiecePosition(SplitState *state, Node *piece)
{
	ListCell   *lc;

	foreach(lc, state->pieces)
		if (equal(lfirst(lc), piece))
			return foreach_current_index(lc) + 1;
	state->pieces = lappend(state->pieces, piece);
	return list_length(state->pieces);
}

/* A Var of the given varno for an expression's type */
static Var *
VarFor(int varno, int attno, Node *expr)
{
	return makeVar(varno, attno, exprType(expr), exprTypmod(expr),
				   exprCollation(expr), 0);
}

/* The placeholder Var of a call's result, adding the call to *calls if new */
static Node *
CallResult(List **calls, Node *call)
{
	ListCell   *lc;

	foreach(lc, *calls)
		if (equal(lfirst(lc), call))
			return (Node *) VarFor(CALL_RESULT_VARNO,
								   foreach_current_index(lc) + 1, call);
	*calls = lappend(*calls, call);
	return (Node *) VarFor(CALL_RESULT_VARNO, list_length(*calls), call);
}

/* The call with its arguments made pieces, and its placeholder Var */
static Node *
SplitCall(FuncExpr *call, SplitState *state)
{
	int			known = list_length(state->originals);
	Node	   *result = CallResult(&state->originals, (Node *) call);
	FuncExpr   *batched;
	ListCell   *lc;

	if (list_length(state->originals) == known)
		return result;
	batched = copyObject(call);
	batched->args = NIL;
	foreach(lc, call->args)
	{
		Node	   *arg = lfirst(lc);

		/* constants (sagemaker_infer's endpoint among them) stay constants */
		if (IsA(arg, Const))
			batched->args = lappend(batched->args, copyObject(arg));
		else
			batched->args = lappend(batched->args,
									VarFor(OUTER_VAR, PiecePosition(state, arg), arg));
	}
	state->calls = lappend(state->calls, batched);
	return result;
}

static Node *SplitMutator(Node *node, SplitState *state);

/* Splits an expression that is evaluated only for some rows */
static Node *
SplitConditional(Node *node, SplitState *state)
{
	bool		outer = state->conditional;
	Node	   *result;

	state->conditional = true;
	result = SplitMutator(node, state);
	state->conditional = outer;
	return result;
}

/*
 * Splits a CASE: its argument and first condition are evaluated for every
 * row, the other conditions and the results only when reached, so calls
 * there stay calls made row by row, and a branch not taken sends nothing.
 */
static Node *
SplitCase(CaseExpr *expr, SplitState *state)
{
	CaseExpr   *result = makeNode(CaseExpr);
	ListCell   *lc;

	memcpy(result, expr, sizeof(CaseExpr));
	result->arg = (Expr *) SplitMutator((Node *) expr->arg, state);
	result->args = NIL;
	foreach(lc, expr->args)
	{
		CaseWhen   *when = copyObject((CaseWhen *) lfirst(lc));

		when->expr = (Expr *) (foreach_current_index(lc) == 0 ?
							   SplitMutator((Node *) when->expr, state) :
							   SplitConditional((Node *) when->expr, state));
		when->result = (Expr *) SplitConditional((Node *) when->result, state);
		result->args = lappend(result->args, when);
	}
	result->defresult = (Expr *) SplitConditional((Node *) expr->defresult, state);
	return (Node *) result;
}

/* Splits a COALESCE: arguments after the first are evaluated when reached */
static Node *
SplitCoalesce(CoalesceExpr *expr, SplitState *state)
{
	CoalesceExpr *result = makeNode(CoalesceExpr);
	ListCell   *lc;

	memcpy(result, expr, sizeof(CoalesceExpr));
	result->args = NIL;
	foreach(lc, expr->args)
		result->args = lappend(result->args,
							   foreach_current_index(lc) == 0 ?
							   SplitMutator(lfirst(lc), state) :
							   SplitConditional(lfirst(lc), state));
	return (Node *) result;
}

/*
 * Rewrites an expression for the batch scan: call-free subexpressions
 * become pieces the node below outputs, calls become result columns
 * (those in conditional parts stay calls, with pieces as arguments).
 */
static Node *
SplitMutator(Node *node, SplitState *state)
{
	if (node == NULL)
		return NULL;
	if (IsA(node, Const))
		return copyObject(node);
	if (!ContainsCall(node, NULL) && IsPiece(node))
		return (Node *) VarFor(INDEX_VAR, PiecePosition(state, node), node);
	if (!state->conditional && IsBatchableCall(node) &&
		!HasNestedCall((FuncExpr *) node))
		return SplitCall((FuncExpr *) node, state);
	if (IsA(node, CaseExpr))
		return SplitCase((CaseExpr *) node, state);
	if (IsA(node, CoalesceExpr))
		return SplitCoalesce((CoalesceExpr *) node, state);
	return expression_tree_mutator(node, SplitMutator, state);
}

/* Where result placeholders go once the columns before them are counted */
typedef struct ResultPlace
{
	int			varno;			/* INDEX_VAR or OUTER_VAR */
	int			offset;			/* columns before the first result */
} ResultPlace;

/* Turns result placeholders into columns after the first "offset" ones */
static Node *
PlaceResults(Node *node, ResultPlace *place)
{
	if (node == NULL)
		return NULL;
	if (IsA(node, Var) && ((Var *) node)->varno == CALL_RESULT_VARNO)
	{
		Var		   *var = copyObject((Var *) node);

		var->varno = place->varno;
		var->varattno += place->offset;
		return (Node *) var;
	}
	return expression_tree_mutator(node, PlaceResults, place);
}

/* Whether a node's targetlist and filter may be split */
static bool
CanSplit(Plan *plan)
{
	switch (nodeTag(plan))
	{
		case T_SeqScan:
		case T_SampleScan:
		case T_IndexScan:
		case T_IndexOnlyScan:
		case T_BitmapHeapScan:
		case T_TidScan:
		case T_TidRangeScan:
		case T_SubqueryScan:
		case T_FunctionScan:
		case T_ValuesScan:
		case T_CteScan:
		case T_WorkTableScan:
		case T_ForeignScan:
		case T_NestLoop:
		case T_MergeJoin:
		case T_HashJoin:
		case T_Agg:
		case T_WindowAgg:
		case T_Group:
			/* calls PARALLEL RESTRICTED are evaluated by the leader here */
		case T_Gather:
		case T_GatherMerge:
			return true;
		case T_Result:

			/*
			 * A Result without input makes one row: nothing to batch, and
			 * PL/pgSQL requires its simple expressions (x := f(1)) to be
			 * planned as a bare Result.
			 */
			return outerPlan(plan) != NULL;
		default:
			return false;
	}
}

/* Gives a new node a plan_node_id of its own */
static Plan *
Numbered(Plan *plan, BatchContext *context)
{
	plan->plan_node_id = context->next_plan_id++;
	return plan;
}

/*
 * Moves the conjuncts of an inner join's join condition that hold calls to
 * its filter, where SplitNode batches them.  For an inner join the two are
 * the same test, made in the same order (the join condition first), unless
 * the join stops at each outer row's first match (inner_unique): the
 * planner proved one match with the whole condition, not with what stays.
 * Outer, semi and anti joins need their condition to tell matches.
 */
static void
LiftJoinFilter(Plan *plan)
{
	Join	   *join = (Join *) plan;
	List	   *kept = NIL;
	ListCell   *lc;

	if (!(IsA(plan, NestLoop) || IsA(plan, MergeJoin) || IsA(plan, HashJoin)) ||
		join->jointype != JOIN_INNER || join->inner_unique)
		return;
	foreach(lc, join->joinqual)
	{
		if (ContainsCall(lfirst(lc), NULL))
			plan->qual = lappend(plan->qual, lfirst(lc));
		else
			kept = lappend(kept, lfirst(lc));
	}
	join->joinqual = kept;
}

/*
 * Batches the calls in a node's targetlist and filter: the node outputs the
 * pieces, and the returned batch scan above it outputs what it did.
 */
static Plan *
SplitNode(Plan *plan, BatchContext *context)
{
	SplitState state = {0};
	List	   *tlist = NIL;
	List	   *quals = NIL;
	List	   *kept_quals = NIL;
	ResultPlace place = {INDEX_VAR, 0};
	ListCell   *lc;

	if (!ContainsCall((Node *) plan->targetlist, NULL) &&
		!ContainsCall((Node *) plan->qual, NULL))
		return plan;
	foreach(lc, plan->targetlist)
	{
		TargetEntry *tle = flatCopyTargetEntry(lfirst(lc));

		tle->expr = (Expr *) SplitMutator((Node *) tle->expr, &state);
		tlist = lappend(tlist, tle);
	}
	foreach(lc, plan->qual)
	{
		if (ContainsCall(lfirst(lc), NULL))
			quals = lappend(quals, SplitMutator(lfirst(lc), &state));
		else
			kept_quals = lappend(kept_quals, lfirst(lc));
	}
	if (state.calls == NIL)
		return plan;

	place.offset = list_length(state.pieces);
	tlist = (List *) PlaceResults((Node *) tlist, &place);
	quals = (List *) PlaceResults((Node *) quals, &place);
	plan->targetlist = NIL;
	foreach(lc, state.pieces)
		plan->targetlist = lappend(plan->targetlist,
								   makeTargetEntry(lfirst(lc),
												   foreach_current_index(lc) + 1,
												   NULL, false));
	plan->qual = kept_quals;
	NoteLocalCalls(context, state.calls);
	return Numbered(InferMakeBatchScan(plan, state.calls, tlist, quals),
					context);
}

/* The calls found in aggregate arguments, and whether the walk is in one */
typedef struct AggArgState
{
	List	   *calls;
	bool		in_aggregate;
} AggArgState;

static Node *AggArgMutator(Node *node, AggArgState *state);

/*
 * In aggregate arguments, a CASE or COALESCE has its calls batched only
 * where it evaluates them for every row (the CASE argument and first
 * condition, the first COALESCE argument); the rest is left as written, so
 * a branch not taken sends nothing.
 */
static Node *
AggArgConditional(Node *node, AggArgState *state)
{
	if (IsA(node, CaseExpr))
	{
		CaseExpr   *expr = copyObject((CaseExpr *) node);

		expr->arg = (Expr *) AggArgMutator((Node *) expr->arg, state);
		if (expr->args != NIL)
			linitial_node(CaseWhen, expr->args)->expr = (Expr *)
				AggArgMutator((Node *) linitial_node(CaseWhen, expr->args)->expr,
							  state);
		return (Node *) expr;
	}
	else
	{
		CoalesceExpr *expr = copyObject((CoalesceExpr *) node);

		linitial(expr->args) = AggArgMutator(linitial(expr->args), state);
		return (Node *) expr;
	}
}

/* Replaces batchable calls inside aggregate and window function arguments */
static Node *
AggArgMutator(Node *node, AggArgState *state)
{
	if (node == NULL)
		return NULL;
	if (state->in_aggregate && (IsA(node, CaseExpr) || IsA(node, CoalesceExpr)))
		return AggArgConditional(node, state);
	if (IsA(node, Aggref) || IsA(node, WindowFunc))
	{
		bool		outer = state->in_aggregate;
		Node	   *result;

		state->in_aggregate = true;
		result = expression_tree_mutator(node, AggArgMutator, state);
		state->in_aggregate = outer;
		return result;
	}
	if (state->in_aggregate && IsBatchableCall(node) &&
		!HasNestedCall((FuncExpr *) node))
		return CallResult(&state->calls, node);
	return expression_tree_mutator(node, AggArgMutator, state);
}

/* Whether an expression refers to anything but the outer input */
static bool
RefersBeyondOuter(Node *node, void *context)
{
	if (node == NULL)
		return false;
	if (IsA(node, Var) && ((Var *) node)->varno != OUTER_VAR)
		return true;
	return expression_tree_walker(node, RefersBeyondOuter, context);
}

/*
 * Batches the calls in the arguments of an Agg's or WindowAgg's aggregates:
 * a batch scan between the node and its input adds their results as input
 * columns.
 */
static void
BatchAggregateInput(Plan *plan, BatchContext *context)
{
	AggArgState state = {NIL, false};
	List	   *tlist = (List *) AggArgMutator((Node *) plan->targetlist, &state);
	List	   *qual = (List *) AggArgMutator((Node *) plan->qual, &state);
	Plan	   *input = plan->lefttree;
	List	   *scan_tlist = NIL;
	ResultPlace place = {OUTER_VAR, 0};
	int			ncolumns;

	if (state.calls == NIL || input == NULL ||
		RefersBeyondOuter((Node *) state.calls, NULL))
		return;
	place.offset = list_length(input->targetlist);
	ncolumns = place.offset + list_length(state.calls);
	for (int i = 1; i <= ncolumns; i++)
	{
		Node	   *expr = i <= place.offset ?
			(Node *) ((TargetEntry *) list_nth(input->targetlist, i - 1))->expr :
			list_nth(state.calls, i - place.offset - 1);

		scan_tlist = lappend(scan_tlist,
							 makeTargetEntry((Expr *) VarFor(INDEX_VAR, i, expr),
											 i, NULL, false));
	}
	plan->targetlist = (List *) PlaceResults((Node *) tlist, &place);
	plan->qual = (List *) PlaceResults((Node *) qual, &place);
	NoteLocalCalls(context, state.calls);
	plan->lefttree = Numbered(InferMakeBatchScan(input, state.calls, scan_tlist,
												 NIL),
							  context);
}

/*
 * Bounds a batch scan right below a LIMIT of constant count (and offset),
 * so that it reads no more rows than the LIMIT needs.
 */
static void
BoundBatchScan(Limit *limit)
{
	Const	   *count = (Const *) limit->limitCount;
	Const	   *offset = (Const *) limit->limitOffset;
	int64		rows;

	if (!InferIsBatchScan(limit->plan.lefttree) || count == NULL ||
		!IsA(count, Const) || count->constisnull ||
		(offset != NULL && (!IsA(offset, Const) || offset->constisnull)) ||
		limit->limitOption != LIMIT_OPTION_COUNT)
		return;
	rows = DatumGetInt64(count->constvalue);
	if (offset != NULL)
		rows += DatumGetInt64(offset->constvalue);
	if (rows > 0)
		InferBoundBatchScan(limit->plan.lefttree, rows);
}

static Plan *BatchPlan(Plan *plan, BatchContext *context, bool needs_mark);

/* Batches each plan in a list of subplans */
static void
BatchPlanList(List *plans, BatchContext *context)
{
	ListCell   *lc;

	foreach(lc, plans)
		lfirst(lc) = BatchPlan(lfirst(lc), context, false);
}

/* Batches the children of a node, whatever kind of node it is */
static void
BatchChildren(Plan *plan, BatchContext *context)
{
	bool		inner_marks = IsA(plan, MergeJoin);

	plan->lefttree = BatchPlan(plan->lefttree, context, false);
	plan->righttree = BatchPlan(plan->righttree, context, inner_marks);
	if (IsA(plan, Append))
		BatchPlanList(((Append *) plan)->appendplans, context);
	else if (IsA(plan, MergeAppend))
		BatchPlanList(((MergeAppend *) plan)->mergeplans, context);
	else if (IsA(plan, SubqueryScan))
		((SubqueryScan *) plan)->subplan =
			BatchPlan(((SubqueryScan *) plan)->subplan, context, false);
	else if (IsA(plan, CustomScan))
		BatchPlanList(((CustomScan *) plan)->custom_plans, context);
}

/*
 * Batches the calls of a plan tree, children first.  A node whose parent
 * needs mark/restore (the inner side of a merge join) keeps its calls.
 */
static Plan *
BatchPlan(Plan *plan, BatchContext *context, bool needs_mark)
{
	if (plan == NULL)
		return NULL;
	BatchChildren(plan, context);
	if (IsA(plan, Limit))
		BoundBatchScan((Limit *) plan);
	if (IsA(plan, Agg) || IsA(plan, WindowAgg))
		BatchAggregateInput(plan, context);
	if (!needs_mark && CanSplit(plan))
	{
		LiftJoinFilter(plan);
		return SplitNode(plan, context);
	}
	return plan;
}

/* The largest plan_node_id in a plan tree */
static int
MaxPlanId(Plan *plan)
{
	int			result;
	List	   *children = NIL;
	ListCell   *lc;

	if (plan == NULL)
		return 0;
	result = Max(plan->plan_node_id, Max(MaxPlanId(plan->lefttree),
										  MaxPlanId(plan->righttree)));
	if (IsA(plan, Append))
		children = ((Append *) plan)->appendplans;
	else if (IsA(plan, MergeAppend))
		children = ((MergeAppend *) plan)->mergeplans;
	else if (IsA(plan, SubqueryScan))
		children = list_make1(((SubqueryScan *) plan)->subplan);
	else if (IsA(plan, CustomScan))
		children = ((CustomScan *) plan)->custom_plans;
	foreach(lc, children)
		result = Max(result, MaxPlanId(lfirst(lc)));
	return result;
}

/*
 * Whether the plan must be able to run backward once batched: a SCROLL
 * cursor, or a cursor declared without SCROLL or NO SCROLL (DECLARE and
 * PL/pgSQL cursors plan with CURSOR_OPT_FAST_PLAN) whose plan could run
 * backward before, which PostgreSQL then makes scrollable.
 */
static bool
NeedsBackward(PlannedStmt *stmt, int cursorOptions)
{
	if (cursorOptions & CURSOR_OPT_SCROLL)
		return true;
	return (cursorOptions & CURSOR_OPT_FAST_PLAN) &&
		!(cursorOptions & CURSOR_OPT_NO_SCROLL) &&
		stmt->rowMarks == NIL && ExecSupportsBackwardScan(stmt->planTree);
}

/*
 * A Material node above a finished plan, as the planner adds under a
 * SCROLL cursor: the batch scan runs forward only, and Material keeps the
 * rows for going back (and only passes them on when no cursor scrolls).
 */
static Plan *
Materialized(Plan *plan, BatchContext *context)
{
	Material   *material = makeNode(Material);
	Plan	   *top = &material->plan;
	ListCell   *lc;

	foreach(lc, plan->targetlist)
	{
		TargetEntry *tle = flatCopyTargetEntry(lfirst(lc));

		tle->expr = (Expr *) makeVarFromTargetEntry(OUTER_VAR, lfirst(lc));
		top->targetlist = lappend(top->targetlist, tle);
	}
	top->lefttree = plan;
	top->startup_cost = plan->startup_cost;
	top->total_cost = plan->total_cost;
	top->plan_rows = plan->plan_rows;
	top->plan_width = plan->plan_width;
	top->parallel_safe = plan->parallel_safe;
	top->extParam = bms_copy(plan->extParam);
	top->allParam = bms_copy(plan->allParam);
	return Numbered(top, context);
}

/* The planner hook: plans as usual, then batches endpoint calls */
static PlannedStmt *
InferPlanner(Query *parse, const char *query_string, int cursorOptions,
			 ParamListInfo boundParams)
{
	PlannedStmt *stmt;
	BatchContext context;
	bool		backward;
	ListCell   *lc;

	if (prev_planner_hook)
		stmt = prev_planner_hook(parse, query_string, cursorOptions, boundParams);
	else
		stmt = standard_planner(parse, query_string, cursorOptions, boundParams);

	if (!infer_batching || stmt->commandType == CMD_UTILITY)
		return stmt;
	batch_language = InferLanguageOid();
	if (!OidIsValid(batch_language))
		return stmt;

	context.next_plan_id = MaxPlanId(stmt->planTree) + 1;
	context.local_calls = false;
	foreach(lc, stmt->subplans)
		context.next_plan_id = Max(context.next_plan_id, MaxPlanId(lfirst(lc)) + 1);
	backward = NeedsBackward(stmt, cursorOptions);
	stmt->planTree = BatchPlan(stmt->planTree, &context, false);
	BatchPlanList(stmt->subplans, &context);
	if (backward && !ExecSupportsBackwardScan(stmt->planTree))
		stmt->planTree = Materialized(stmt->planTree, &context);

	/*
	 * A plan that scores local models in batches spends its time in the
	 * models' C code, which JIT does not compile; around it are a few
	 * expressions a row.  Its cost counts the model calls (and in the join
	 * form PostgreSQL's guess of 1,360 rows for a model table never
	 * analyzed), so it passes JIT's thresholds: measured, compiling took
	 * some 0.2 s in each process and gained nothing.
	 */
	if (context.local_calls && !infer_local_batch_jit)
		stmt->jitFlags = PGJIT_NONE;
	return stmt;
}

/* Installs the planner hook */
void
InferPlanInit(void)
{
	prev_planner_hook = planner_hook;
	planner_hook = InferPlanner;
}
