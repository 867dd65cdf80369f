//go:build cgo

package main

// Fyne reads the system's language while its packages initialise, before
// any of the kiosk's code runs: from LC_ALL, LC_MESSAGES or LANG, then
// LANGUAGE. It cannot read a locale such as "C.UTF-8" (a minimal system's
// default, and a systemd service's) and printed "Fyne error: Error parsing
// user locale C" on stderr at each start, outside the kiosk's JSON log.
// The constructor below runs before Go's runtime reads the environment:
// when the locale is C or POSIX with a codeset and LANGUAGE is not set, it
// sets LANGUAGE=en (what Fyne takes C to mean) and starts the kiosk again
// with it, so that Go and C see the same environment. LANG itself is left
// as it is (C libraries keep UTF-8).

/*
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int mk_c_locale(const char *v) {
	return strncmp(v, "C.", 2) == 0 || strncmp(v, "POSIX.", 6) == 0;
}

__attribute__((constructor)) static void mk_toolkit_locale(int argc, char **argv, char **envp) {
	const char *names[] = {"LC_ALL", "LC_MESSAGES", "LANG"};
	const char *v = NULL;
	(void)argc; (void)envp;
	for (int i = 0; i < 3; i++) {
		v = getenv(names[i]);
		if (v != NULL && v[0] != '\0') break;
		v = NULL;
	}
	if (v == NULL || !mk_c_locale(v)) return;
	const char *l = getenv("LANGUAGE");
	if (l != NULL && l[0] != '\0') return;
	if (setenv("LANGUAGE", "en", 1) != 0 || argv == NULL) return;
	execv("/proc/self/exe", argv); // only returns on failure: then start as is
}
*/
import "C"
