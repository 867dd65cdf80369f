package servertest_test

import (
	"context"
	"testing"
	"time"

	"mensakiosk/app"
	"mensakiosk/central"
	"mensakiosk/central/server"
	"mensakiosk/central/server/servertest"
)

// pull pulls every page of the roster as kiosk token at url.
func pull(t *testing.T, url, token string) ([]app.Pupil, error) {
	t.Helper()
	c, err := central.NewClient(central.ClientConfig{BaseURL: url, Token: token, Retries: -1, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var pupils []app.Pupil
	for cursor := ""; ; {
		p, err := c.Pull(context.Background(), cursor, 100)
		if err != nil {
			return nil, err
		}
		pupils = append(pupils, p.Pupils...)
		if cursor = p.Cursor; !p.More {
			return pupils, nil
		}
	}
}

// TestStartServesTheImportToTheKiosksToken: what Start imports reaches a
// kiosk's client over real HTTP with the token Start made; after Stop the
// address answers nothing; Reopen serves the same data at the same URL.
func TestStartServesTheImportToTheKiosksToken(t *testing.T) {
	data := server.ImportData{
		Accounts: []app.Account{{ID: "F1", Holder: "Rossi Mario", Balance: 1000}},
		Pupils: []app.Pupil{{ID: "P1", AccountID: "F1", FirstName: "Giulia", LastName: "Rossi", School: "Primaria",
			Class: "3A", Weekdays: []time.Weekday{time.Monday}, MealPrice: 450}},
	}
	s := servertest.Start(t, servertest.Import(data), servertest.Kiosk("porta-1", server.RoleCanteen))
	tok := s.Tokens["porta-1"]
	if tok == "" {
		t.Fatal("no token for porta-1")
	}
	got, err := pull(t, s.URL, tok)
	if err != nil || len(got) != 1 || got[0].ID != "P1" {
		t.Fatalf("pull: %v %+v", err, got)
	}
	if _, err := pull(t, s.URL, "not-a-token"); err == nil {
		t.Fatal("a pull without a valid token succeeded")
	}
	url := s.URL
	s.Stop()
	if _, err := pull(t, url, tok); err == nil {
		t.Fatal("the stopped server still answers")
	}
	s.Reopen()
	if s.URL != url {
		t.Fatalf("reopened at %s, was %s", s.URL, url)
	}
	if got, err := pull(t, s.URL, tok); err != nil || len(got) != 1 {
		t.Fatalf("pull after Reopen: %v %+v", err, got)
	}
}
