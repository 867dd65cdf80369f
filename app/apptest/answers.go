package apptest

import (
	"strings"
	"testing"
)

// SameAnswers fails tb unless a fake gave, line by line, the answers the
// real part gave to the same story: the check that shows a fake (Store,
// Central) may stand in for the real part in a test. On a failure, and
// with -v, it logs the real part's answers.
func SameAnswers(tb testing.TB, fake, real []string) {
	tb.Helper()
	if len(fake) != len(real) {
		tb.Errorf("the fake gave %d answers, the real part %d", len(fake), len(real))
	}
	for i := range min(len(fake), len(real)) {
		if fake[i] != real[i] {
			tb.Errorf("the fake and the real part differ:\nfake: %s\nreal: %s", fake[i], real[i])
		}
	}
	if tb.Failed() || testing.Verbose() {
		tb.Logf("the real part's answers:\n%s", strings.Join(real, "\n"))
	}
}
