/*-------------------------------------------------------------------------
 *
 * fdw_option.h
 *	  Table-driven option validation shared by pg_infer's foreign data
 *	  wrappers (federated_mysql, federated_s3).
 *
 *	  A wrapper describes its options once, as an array of FdwOption ending
 *	  in an entry whose name is NULL; its validator function hands each
 *	  catalog's options to FdwValidateOptions, and its planner and executor
 *	  read the (already validated) values back with FdwOptionText/Bool/Int.
 *
 *-------------------------------------------------------------------------
 */
#ifndef FDW_OPTION_H
#define FDW_OPTION_H

#include "nodes/pg_list.h"

/* How an option's value is checked */
typedef enum FdwOptionType
{
	FDW_OPTION_TEXT,			/* any string */
	FDW_OPTION_BOOL,			/* what parse_bool accepts */
	FDW_OPTION_INT,				/* a whole number within [min, max] */
	FDW_OPTION_ENUM				/* one of choices */
} FdwOptionType;

/* One option a wrapper accepts on one kind of object */
typedef struct FdwOption
{
	const char *name;
	Oid			context;		/* ForeignServerRelationId,
								 * UserMappingRelationId,
								 * ForeignTableRelationId or
								 * AttributeRelationId */
	FdwOptionType type;
	bool		superuser_only; /* only a superuser may set it */
	bool		secret;			/* its value never appears in a message */
	int64		min,
				max;			/* FDW_OPTION_INT bounds */
	const char *const *choices; /* FDW_OPTION_ENUM: NULL-terminated list */
} FdwOption;

/*
 * Validates the options given for one catalog against a table ending in
 * {NULL}: an unknown name is ERRCODE_FDW_INVALID_OPTION_NAME with a "did you
 * mean" hint (closest valid name for that object, else the list), a bad value
 * ERRCODE_FDW_INVALID_ATTRIBUTE_VALUE naming the option and the wrapper
 * (never echoing a secret), a superuser-only option set by another role
 * ERRCODE_INSUFFICIENT_PRIVILEGE.
 */
extern void FdwValidateOptions(const char *wrapper, const FdwOption *table,
							   List *options, Oid catalog);

/* The value of option "name" in a DefElem list, or dflt when absent */
extern const char *FdwOptionText(List *options, const char *name,
								 const char *dflt);
extern bool FdwOptionBool(List *options, const char *name, bool dflt);
extern int64 FdwOptionInt(List *options, const char *name, int64 dflt);

/*
 * The kind of object a catalog OID stands for, as a user would name it;
 * NamespaceRelationId stands for IMPORT FOREIGN SCHEMA's options.
 */
extern const char *FdwCatalogObjectName(Oid catalog);

#endif							/* FDW_OPTION_H */
