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
//
// Fyne also reads FYNE_CACHE there: how long it keeps what it drew and no
// longer draws (the texture of each run of text, each widget's renderer),
// one minute by default. At the canteen door every pupil's name, class and
// balance is a new run of text, and Mesa's software renderer holds each
// texture in the C heap, 30–40 MiB more than the screen needs during a
// class of taps (the soak's RssAnon peak: 83 MiB with a minute against 67
// with 20 s in classes of 50 taps; 93 with 20 s against 80 with 12 s in
// classes of 250). The kiosk keeps them
// MK_FYNE_CACHE, 12 s (not much less: while the screen does not change,
// Fyne walks the shown tree to keep it alive every FYNE_CACHE−10 s, and
// at 10 s or less at every frame) unless FYNE_CACHE is set, and starts
// again with it in the same way (one exec for both).

/*
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MK_FYNE_CACHE "12s"

static int mk_c_locale(const char *v) {
	return strncmp(v, "C.", 2) == 0 || strncmp(v, "POSIX.", 6) == 0;
}

// mk_toolkit_cache returns whether it set FYNE_CACHE.
static int mk_toolkit_cache(void) {
	const char *c = getenv("FYNE_CACHE");
	if (c != NULL && c[0] != '\0') return 0;
	return setenv("FYNE_CACHE", MK_FYNE_CACHE, 1) == 0;
}

// mk_toolkit_locale returns whether it set LANGUAGE.
static int mk_toolkit_locale(void) {
	const char *names[] = {"LC_ALL", "LC_MESSAGES", "LANG"};
	const char *v = NULL;
	for (int i = 0; i < 3; i++) {
		v = getenv(names[i]);
		if (v != NULL && v[0] != '\0') break;
		v = NULL;
	}
	if (v == NULL || !mk_c_locale(v)) return 0;
	const char *l = getenv("LANGUAGE");
	if (l != NULL && l[0] != '\0') return 0;
	return setenv("LANGUAGE", "en", 1) == 0;
}

__attribute__((constructor)) static void mk_toolkit_env(int argc, char **argv, char **envp) {
	(void)argc; (void)envp;
	int changed = mk_toolkit_locale();
	changed |= mk_toolkit_cache();
	if (!changed || argv == NULL) return;
	execv("/proc/self/exe", argv); // only returns on failure: then start as is
}
*/
import "C"
