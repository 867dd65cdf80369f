package central

import (
	"testing"
)

// With a Version, every request carries it: as the Mensakiosk-Version
// header and in the User-Agent. Without one, neither.
func TestClientSendsVersion(t *testing.T) {
	f := newFake("tok", 3)
	s := startFake(t, f)
	cfg := testConfig(s.URL)
	cfg.Version = "0.9.0"
	c := newTestClient(t, cfg)
	ctx := testCtx(t)
	check := func(what, wantVersion, wantUA string) {
		t.Helper()
		f.mu.Lock()
		defer f.mu.Unlock()
		if v := f.last.Header.Get(HeaderKioskVersion); v != wantVersion {
			t.Errorf("%s: %s %q, want %q", what, HeaderKioskVersion, v, wantVersion)
		}
		if ua := f.last.Header.Get("User-Agent"); ua != wantUA {
			t.Errorf("%s: User-Agent %q, want %q", what, ua, wantUA)
		}
	}
	if _, err := c.Pull(ctx, "", 10); err != nil {
		t.Fatal(err)
	}
	check("pull", "0.9.0", "mensakiosk/0.9.0")
	if _, err := c.Push(ctx, batch("ep1", 0, 1)); err != nil {
		t.Fatal(err)
	}
	check("push", "0.9.0", "mensakiosk/0.9.0")

	c2 := newTestClient(t, testConfig(s.URL))
	if _, err := c2.Pull(ctx, "", 10); err != nil {
		t.Fatal(err)
	}
	check("pull without a version", "", DefaultUserAgent)
}
