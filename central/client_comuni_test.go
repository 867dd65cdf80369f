package central_test

// The kiosk's client against a service of many Comuni: the token is opaque
// to it, the front routes it to its Comune.

import (
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"mensakiosk/app"
	"mensakiosk/central"
	"mensakiosk/central/server"
)

func TestClientManyComuni(t *testing.T) {
	dir := t.TempDir()
	var servers []*server.Server
	tokens := map[string]string{}
	for _, code := range []string{"A001", "B002"} {
		s, err := server.Open(filepath.Join(dir, code), server.Options{Comune: code})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		if _, err := s.Import(server.ImportData{Accounts: []app.Account{{ID: "F1", Holder: "Famiglia " + code, Balance: 1000}}}); err != nil {
			t.Fatal(err)
		}
		if tokens[code], err = s.CreateToken("k1", server.RoleCounter); err != nil {
			t.Fatal(err)
		}
		servers = append(servers, s)
	}
	front, err := server.NewComuni(servers, server.ComuniOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer front.Close()
	ts := httptest.NewServer(front.Handler())
	defer ts.Close()
	for code, tok := range tokens {
		c, err := central.NewClient(central.ClientConfig{BaseURL: ts.URL, Token: tok, Timeout: 5 * time.Second, Retries: -1})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Health(t.Context()); err != nil {
			t.Errorf("%s: health: %v", code, err)
		}
		p, err := c.Pull(t.Context(), "", 0)
		if err != nil || len(p.Accounts) != 1 || p.Accounts[0].Holder != "Famiglia "+code {
			t.Errorf("%s: pull %+v %v", code, p.Accounts, err)
		}
		c.Close()
	}
}
