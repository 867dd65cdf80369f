package app_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"mensakiosk/app"
	"mensakiosk/central/pinhash"
)

// TestCounterIdentifyOfflineByImportedHash: the access code hash the
// server made on import (bcrypt at pinhash.AccessCodeCost), pulled into
// the kiosk's store, identifies the family at the counter with the server
// gone; a wrong code does not.
func TestCounterIdentifyOfflineByImportedHash(t *testing.T) {
	e := newCounterEnv(t, true, app.CounterConfig{})
	a, err := e.store.FamilyAccount("F1")
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf("$2a$%02d$", pinhash.AccessCodeCost); !strings.HasPrefix(a.AccessHash, want) {
		t.Fatalf("pulled access hash %.7s…, want the import's %s…", a.AccessHash, want)
	}
	e.stop()
	e.c.SetOnline(false)
	ctx := context.Background()
	if _, err := e.c.IdentifyFiscalCode(ctx, marcoCF, "482914"); err != app.ErrIdentification {
		t.Fatalf("a wrong code offline: %v", err)
	}
	f, err := e.c.IdentifyFiscalCode(ctx, marcoCF, accessCode)
	if err != nil || f.Account.ID != "F1" || !f.Cached {
		t.Fatalf("offline by fiscal code and access code: %+v cached %v, %v", f.Account.ID, f.Cached, err)
	}
}
