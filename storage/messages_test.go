package storage

import (
	"path/filepath"
	"testing"
	"time"

	"mensakiosk/app"
)

// TestMessageCache: a database that never pulled a message reads none; a
// page pulled is kept with its last id and time across a reopen (with the
// file check), and a message pulled again replaces itself.
func TestMessageCache(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kiosk.db")
	s := mustOpen(t, path, Options{})
	if ms, last, asOf, err := s.MessageCache(); err != nil || ms != nil || last != "" || !asOf.IsZero() {
		t.Fatalf("empty: %v %q %v %v", ms, last, asOf, err)
	}
	at := time.Date(2026, 11, 23, 7, 0, 0, 0, time.UTC)
	page := []app.Message{
		{ID: "M000001", Title: "Uno", Sent: at, Audience: app.MessageAudience{Kind: app.AudienceAll}, ReadAt: at},
		{ID: "M000002", Title: "Due", Sent: at, Audience: app.MessageAudience{Kind: app.AudienceFamily, AccountID: "F1"}},
	}
	if err := s.PutMessages(page, "M000002", at); err != nil {
		t.Fatal(err)
	}
	if err := s.PutMessages([]app.Message{{ID: "M000002", Title: "Due, corretto", Sent: at, Audience: page[1].Audience}}, "M000002", at.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = mustOpen(t, path, Options{})
	defer s.Close()
	ms, last, asOf, err := s.MessageCache()
	if err != nil || len(ms) != 2 || ms[1].Title != "Due, corretto" || !ms[0].ReadAt.IsZero() || last != "M000002" || !asOf.Equal(at.Add(time.Hour)) {
		t.Fatalf("after reopen: %+v %q %v %v", ms, last, asOf, err)
	}
}
