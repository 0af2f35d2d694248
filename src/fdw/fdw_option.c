/*-------------------------------------------------------------------------
 *
 * fdw_option.c
 *	  Table-driven validation of foreign data wrapper options, and typed
 *	  reads of the validated values (see fdw_option.h).
 *
 *	  Unknown names get the closest valid name for the same kind of object
 *	  as a hint, or the name of the object the option belongs on, or the
 *	  list of valid names; values are checked by type; an option marked
 *	  secret never has its value quoted.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <errno.h>
#include <limits.h>

#include "catalog/pg_attribute.h"
#include "catalog/pg_foreign_data_wrapper.h"
#include "catalog/pg_foreign_server.h"
#include "catalog/pg_foreign_table.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_user_mapping.h"
#include "commands/defrem.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/varlena.h"

#include "fdw/fdw_option.h"

/* Largest edit distance at which an unknown name is taken for a typo */
#define FDW_OPTION_MAX_DISTANCE 3

/* The kind of object a catalog OID stands for, as a user would name it */
const char *
FdwCatalogObjectName(Oid catalog)
{
	switch (catalog)
	{
		case ForeignDataWrapperRelationId:
			return "foreign-data wrapper";
		case ForeignServerRelationId:
			return "foreign server";
		case UserMappingRelationId:
			return "user mapping";
		case ForeignTableRelationId:
			return "foreign table";
		case AttributeRelationId:
			return "foreign table column";
		case NamespaceRelationId:
			return "schema import";
	}
	return "object";
}

/* The entry for "name" on the given catalog, or NULL */
static const FdwOption *
FindOption(const FdwOption *table, const char *name, Oid catalog)
{
	for (const FdwOption *opt = table; opt->name != NULL; opt++)
		if (opt->context == catalog && strcmp(opt->name, name) == 0)
			return opt;
	return NULL;
}

/* The valid name on this catalog closest to "name", if close enough */
static const char *
ClosestOption(const FdwOption *table, const char *name, Oid catalog)
{
	const char *best = NULL;
	int			best_distance = FDW_OPTION_MAX_DISTANCE + 1;
	int			len = strlen(name);

	for (const FdwOption *opt = table; opt->name != NULL; opt++)
	{
		int			distance;

		if (opt->context != catalog)
			continue;
		distance = varstr_levenshtein_less_equal(name, len, opt->name,
												 strlen(opt->name), 1, 1, 1,
												 FDW_OPTION_MAX_DISTANCE,
												 true);
		/* a short name is not "close" to something twice as far away */
		if (distance < best_distance && distance * 2 <= Max(len, 2))
		{
			best = opt->name;
			best_distance = distance;
		}
	}
	return best;
}

/* The valid names on this catalog as "a, b, c", or NULL when there are none */
static char *
ValidOptionList(const FdwOption *table, Oid catalog)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (const FdwOption *opt = table; opt->name != NULL; opt++)
		if (opt->context == catalog)
			appendStringInfo(&buf, "%s%s", buf.len ? ", " : "", opt->name);
	return buf.len ? buf.data : NULL;
}

/* Fails on an option name the wrapper does not accept on this catalog */
static void
ReportUnknownOption(const char *wrapper, const FdwOption *table,
					const char *name, Oid catalog)
{
	const char *object = FdwCatalogObjectName(catalog);
	const char *closest = ClosestOption(table, name, catalog);
	const char *valid = ValidOptionList(table, catalog);
	const FdwOption *elsewhere = NULL;

	for (const FdwOption *opt = table; opt->name != NULL && !elsewhere; opt++)
		if (strcmp(opt->name, name) == 0)
			elsewhere = opt;

	ereport(ERROR,
			(errcode(ERRCODE_FDW_INVALID_OPTION_NAME),
			 errmsg("invalid option \"%s\" for a %s of %s", name, object, wrapper),
			 closest ? errhint("Perhaps you meant the option \"%s\".", closest) :
			 elsewhere ? errhint("Set option \"%s\" on the %s instead.", name,
								 FdwCatalogObjectName(elsewhere->context)) :
			 valid ? errhint("Valid options for a %s of %s are: %s.",
							 object, wrapper, valid) :
			 errhint("A %s of %s takes no options.", object, wrapper)));
}

/* Parses a whole number; false if "value" is not one or is out of range */
static bool
ParseInt64(const char *value, int64 *result)
{
	char	   *end;
	long long	number;

	errno = 0;
	number = strtoll(value, &end, 10);
	if (end == value || *end != '\0' || errno == ERANGE)
		return false;
	*result = (int64) number;
	return true;
}

/* True if "value" is one of the entry's choices (case-insensitively) */
static bool
IsChoice(const FdwOption *opt, const char *value)
{
	for (const char *const *choice = opt->choices; *choice; choice++)
		if (pg_strcasecmp(*choice, value) == 0)
			return true;
	return false;
}

/* The choices of an enum option as "a, b, c" */
static char *
ChoiceList(const FdwOption *opt)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (const char *const *choice = opt->choices; *choice; choice++)
		appendStringInfo(&buf, "%s%s", buf.len ? ", " : "", *choice);
	return buf.data;
}

/* Fails with the wrapper's, option's and (unless secret) value's names */
static void
ReportBadValue(const char *wrapper, const FdwOption *opt, const char *value,
			   const char *expected)
{
	if (opt->secret)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
				 errmsg("invalid value for option \"%s\" of %s",
						opt->name, wrapper),
				 errdetail("%s", expected)));
	ereport(ERROR,
			(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
			 errmsg("invalid value for option \"%s\" of %s: \"%s\"",
					opt->name, wrapper, value),
			 errdetail("%s", expected)));
}

/* Checks one value against its entry's type */
static void
CheckValue(const char *wrapper, const FdwOption *opt, const char *value)
{
	bool		flag;
	int64		number;

	switch (opt->type)
	{
		case FDW_OPTION_TEXT:
			if (value[0] == '\0')
				ReportBadValue(wrapper, opt, value,
							   "The value must not be empty.");
			break;
		case FDW_OPTION_BOOL:
			if (!parse_bool(value, &flag))
				ReportBadValue(wrapper, opt, value,
							   "The value must be a Boolean: true or false.");
			break;
		case FDW_OPTION_INT:
			if (!ParseInt64(value, &number) ||
				number < opt->min || number > opt->max)
				ReportBadValue(wrapper, opt, value,
							   psprintf("The value must be a whole number from "
										INT64_FORMAT " to " INT64_FORMAT ".",
										opt->min, opt->max));
			break;
		case FDW_OPTION_ENUM:
			if (!IsChoice(opt, value))
				ReportBadValue(wrapper, opt, value,
							   psprintf("The value must be one of: %s.",
										ChoiceList(opt)));
			break;
	}
}

/* Validates the options given for one catalog (see fdw_option.h) */
void
FdwValidateOptions(const char *wrapper, const FdwOption *table,
				   List *options, Oid catalog)
{
	ListCell   *lc;

	foreach(lc, options)
	{
		DefElem    *def = lfirst_node(DefElem, lc);
		const FdwOption *opt = FindOption(table, def->defname, catalog);

		if (opt == NULL)
			ReportUnknownOption(wrapper, table, def->defname, catalog);
		if (opt->superuser_only && !superuser())
			ereport(ERROR,
					(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
					 errmsg("permission denied to set option \"%s\" of %s",
							opt->name, wrapper),
					 errdetail("Only a superuser may set it.")));
		CheckValue(wrapper, opt, defGetString(def));
	}
}

/* The value of option "name" in a DefElem list, or dflt when absent */
const char *
FdwOptionText(List *options, const char *name, const char *dflt)
{
	ListCell   *lc;

	foreach(lc, options)
	{
		DefElem    *def = lfirst_node(DefElem, lc);

		if (strcmp(def->defname, name) == 0)
			return defGetString(def);
	}
	return dflt;
}

/* The Boolean value of option "name", or dflt when absent */
bool
FdwOptionBool(List *options, const char *name, bool dflt)
{
	const char *value = FdwOptionText(options, name, NULL);
	bool		result;

	if (value == NULL)
		return dflt;
	if (!parse_bool(value, &result))
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
				 errmsg("option \"%s\" must be a Boolean, not \"%s\"",
						name, value)));
	return result;
}

/* The whole-number value of option "name", or dflt when absent */
int64
FdwOptionInt(List *options, const char *name, int64 dflt)
{
	const char *value = FdwOptionText(options, name, NULL);
	int64		result;

	if (value == NULL)
		return dflt;
	if (!ParseInt64(value, &result))
		ereport(ERROR,
				(errcode(ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE),
				 errmsg("option \"%s\" must be a whole number, not \"%s\"",
						name, value)));
	return result;
}
