/*-------------------------------------------------------------------------
 *
 * aws_profile.h
 *	  A reader for the AWS shared credentials and config files.
 *
 * Pure C: no PostgreSQL header and no allocation, so the C unit tests link
 * aws_profile.c directly.  The backend reads a file into memory and asks
 * for one key of one profile at a time.
 *
 *-------------------------------------------------------------------------
 */
#ifndef AWS_PROFILE_H
#define AWS_PROFILE_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Looks up key in the section of profile within len bytes of an AWS shared
 * file's text.  In the config file (config_file true) sections are named
 * "[profile NAME]", except "[default]" (and "[profile default]"); other
 * sections ("[sso-session x]", "[services x]") are skipped.  In the
 * credentials file the name is the whole bracketed text.  Lines starting
 * with '#' or ';' are comments, as is the rest of a property line from a
 * '#' or ';' that follows a blank; blanks around '=' and the value are
 * dropped; indented lines after a property continue it and are ignored
 * (sub-properties).  Key names match case-insensitively; when a key occurs
 * more than once the last one counts.
 *
 * Copies the value with its terminator into out when it fits in outsize
 * bytes (truncated otherwise) and returns its full length, like snprintf;
 * returns -1 when the profile or the key is missing.
 */
extern int	aws_profile_get(const char *text, size_t len, const char *profile,
							bool config_file, const char *key,
							char *out, size_t outsize);

#endif							/* AWS_PROFILE_H */
