package app_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"mensakiosk/app"
)

// TestCounterCertificate: the identified family's certificate from the
// real server; refused before identification, for a year out of range,
// and offline; the years offered are the previous and the current.
func TestCounterCertificate(t *testing.T) {
	e := newCounterEnv(t, true, app.CounterConfig{})
	ctx := context.Background()
	if got := e.c.CertificateYears(); !slices.Equal(got, []int{2025, 2026}) {
		t.Errorf("years %v, want [2025 2026]", got)
	}
	if _, err := e.c.Certificate(ctx, 2026); !errors.Is(err, app.ErrNotIdentified) {
		t.Errorf("before identification: %v", err)
	}
	e.identify(t, "0A00000001")
	n, err := e.c.TopUp(ctx, 2000)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.srv.MarkPaid(n.NoticeCode, "Banca", "R-1", 0); err != nil {
		t.Fatal(err)
	}
	c, err := e.c.Certificate(ctx, 2026)
	if err != nil {
		t.Fatal(err)
	}
	// No meals yet: 20,00 € split evenly between Marco and Sara.
	if c.AccountID != "F1" || c.Total != 2000 || len(c.Children) != 2 || c.Children[0].Amount != 1000 || c.Children[1].Amount != 1000 {
		t.Errorf("%+v", c)
	}
	for _, y := range []int{2027, 1999} {
		if _, err := e.c.Certificate(ctx, y); !errors.Is(err, app.ErrCertificateYear) {
			t.Errorf("year %d: %v", y, err)
		}
	}
	e.c.SetOnline(false)
	if _, err := e.c.Certificate(ctx, 2026); !errors.Is(err, app.ErrOffline) {
		t.Errorf("offline: %v", err)
	}
}
