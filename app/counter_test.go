package app_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"mensakiosk/app"
	"mensakiosk/app/apptest"
	"mensakiosk/central"
	"mensakiosk/central/pinhash"
	"mensakiosk/central/server"
	"mensakiosk/central/server/servertest"
	"mensakiosk/storage"
	"mensakiosk/storage/storagetest"
)

// counterEnv is the counter on a real kiosk store, against the real
// reference server on loopback (or none).
type counterEnv struct {
	clk    *apptest.Clock
	store  *storage.Store
	srv    *server.Server
	stop   func() // stops serving: the server becomes unreachable
	c      *app.Counter
	checks atomic.Int32 // calls of the code checker
	// cl is the counter's client (nil without the server).
	cl *central.Client
}

const (
	marcoCF    = "RSSMRC15A01H501I"
	accessCode = "482913"
)

// counterRoster: family F1 (two children, balance 36,50 €), family F2 (one
// child), a blocked badge.
func counterRoster() server.ImportData {
	days := []time.Weekday{time.Monday, time.Wednesday, time.Friday}
	return server.ImportData{
		Accounts: []app.Account{
			{ID: "F1", Holder: "Rossi Anna", HolderFiscalCode: "RSSNNA80A41H501L", Balance: 3650},
			{ID: "F2", Holder: "Bianchi Luca", HolderFiscalCode: "BNCLCU79B12H501C", Balance: 1200},
		},
		Pupils: []app.Pupil{
			{ID: "P1", AccountID: "F1", FirstName: "Marco", LastName: "Rossi", FiscalCode: marcoCF, School: "Primaria Dante", Class: "3B", Weekdays: days, FeeBand: "B", MealPrice: 390},
			{ID: "P2", AccountID: "F1", FirstName: "Sara", LastName: "Rossi", FiscalCode: "RSSSRA17C41H501W", School: "Primaria Dante", Class: "1A", Weekdays: days, FeeBand: "B", MealPrice: 390},
			{ID: "P3", AccountID: "F2", FirstName: "Giulia", LastName: "Bianchi", FiscalCode: "BNCGLI16D50H501X", School: "Primaria Dante", Class: "2A", Weekdays: days, FeeBand: "A", MealPrice: 250},
		},
		Badges: []app.Badge{
			{ID: "0A00000001", PupilID: "P1"},
			{ID: "0A00000002", PupilID: "P2", Blocked: true},
			{ID: "0A00000003", PupilID: "P3"},
		},
		AccessCodes: map[app.AccountID]string{"F1": accessCode, "F2": "111222"},
	}
}

// newCounterEnv starts the server (when withServer), pulls the roster into
// a fresh kiosk store the way the sync engine does, and builds the counter
// at Monday 23 November 2026, 08:00 in Rome.
func newCounterEnv(t *testing.T, withServer bool, cfg app.CounterConfig) *counterEnv {
	t.Helper()
	pinhash.Cost = 4 // bcrypt's least: the tests check logic, not strength
	e := &counterEnv{clk: apptest.NewClock(at("2026-11-23", "08:00:00"))}
	st := storagetest.Open(t)
	e.store = st
	var cc app.CounterCentral
	if withServer {
		srv := servertest.Start(t, servertest.Options(server.Options{Clock: e.clk, Location: rome}),
			servertest.Import(counterRoster()), servertest.Kiosk("counter-1", server.RoleCounter))
		e.srv, e.stop = srv.Server, srv.Stop
		cl, err := central.NewClient(central.ClientConfig{BaseURL: srv.URL, Token: srv.Tokens["counter-1"],
			Retries: -1, Timeout: 5 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		for cursor := ""; ; {
			p, err := cl.Pull(context.Background(), cursor, 100)
			if err != nil {
				t.Fatal(err)
			}
			if err := st.ApplyPull(p); err != nil {
				t.Fatal(err)
			}
			if cursor = p.Cursor; !p.More {
				break
			}
		}
		cc, e.cl = cl, cl
	} else {
		r := counterRoster()
		for i := range r.Accounts {
			h, err := pinhash.Hash(r.AccessCodes[r.Accounts[i].ID])
			if err != nil {
				t.Fatal(err)
			}
			r.Accounts[i].AccessHash = h
			r.Accounts[i].BalanceAsOf = at("2026-11-22", "20:15:00")
		}
		if err := st.PutRoster(app.Roster{Accounts: r.Accounts, Pupils: r.Pupils, Badges: r.Badges}); err != nil {
			t.Fatal(err)
		}
	}
	if cfg.Location == nil {
		cfg.Location = rome
	}
	check := func(hash, code string) bool { e.checks.Add(1); return pinhash.Verify(hash, code) }
	c, err := app.NewCounter(st, cc, e.clk, cfg, check, nil)
	if err != nil {
		t.Fatal(err)
	}
	c.SetOnline(withServer)
	e.c = c
	return e
}

// identify identifies the family of badge at the counter, and fails the
// test if it cannot.
func (e *counterEnv) identify(t *testing.T, badge app.BadgeID) {
	t.Helper()
	if _, err := e.c.IdentifyBadge(context.Background(), badge); err != nil {
		t.Fatal(err)
	}
}

func TestCounterIdentify(t *testing.T) {
	e := newCounterEnv(t, true, app.CounterConfig{})
	ctx := context.Background()
	f, err := e.c.IdentifyBadge(ctx, "0A00000001")
	if err != nil {
		t.Fatal(err)
	}
	if f.Account.ID != "F1" || f.Account.Balance != 3650 || len(f.Pupils) != 2 || f.Cached || f.BookingCutoff != "09:30" {
		t.Errorf("family by badge = %+v", f)
	}
	if f.Account.AccessHash != "" {
		t.Error("the family view carries the access hash")
	}
	if _, err := e.c.IdentifyBadge(ctx, "0A00000002"); !errors.Is(err, app.ErrBlockedBadge) {
		t.Errorf("blocked badge: %v", err)
	}
	if _, err := e.c.IdentifyBadge(ctx, "0A0000FFFF"); !errors.Is(err, app.ErrUnknownBadge) {
		t.Errorf("unknown badge: %v", err)
	}
	// The codice fiscale as typed, in lower case with spaces.
	f, err = e.c.IdentifyFiscalCode(ctx, "  rssmrc15a01 h501i ", accessCode)
	if err != nil || f.Account.ID != "F1" {
		t.Fatalf("by fiscal code: %+v, %v", f.Account, err)
	}
	if cur, ok := e.c.Current(); !ok || cur.Account.ID != "F1" {
		t.Errorf("Current = %v, %v", cur.Account.ID, ok)
	}
	// Unknown code and wrong access code: the same error, and the checker
	// runs for both (the answer takes as long).
	before := e.checks.Load()
	_, errUnknown := e.c.IdentifyFiscalCode(ctx, "XXXXXX00X00X000X", accessCode)
	_, errWrong := e.c.IdentifyFiscalCode(ctx, marcoCF, "000000")
	if errUnknown != app.ErrIdentification || errWrong != app.ErrIdentification {
		t.Errorf("unknown cf: %v; wrong code: %v; want both ErrIdentification", errUnknown, errWrong)
	}
	if got := e.checks.Load() - before; got != 2 {
		t.Errorf("code checker ran %d times for two attempts", got)
	}
	// Another family's code does not open this one.
	if _, err := e.c.IdentifyFiscalCode(ctx, marcoCF, "111222"); err != app.ErrIdentification {
		t.Errorf("another family's code: %v", err)
	}
}

func TestCounterSlowdown(t *testing.T) {
	e := newCounterEnv(t, false, app.CounterConfig{MaxFailures: 3})
	ctx := context.Background()
	fail := func() error { _, err := e.c.IdentifyFiscalCode(ctx, marcoCF, "999999"); return err }
	for i := range 3 {
		e.clk.Add(time.Second)
		if err := fail(); err != app.ErrIdentification {
			t.Fatalf("failure %d: %v", i+1, err)
		}
	}
	lastFail := e.clk.Now()
	e.clk.Add(time.Second)
	// The fourth attempt, one second after the third failure: 4 s to wait.
	checks := e.checks.Load()
	var tm *app.TooManyAttempts
	if err := fail(); !errors.As(err, &tm) || tm.Wait != 4*time.Second {
		t.Fatalf("4th attempt 1 s after: %v", err)
	}
	if _, err := e.c.IdentifyFiscalCode(ctx, marcoCF, accessCode); !errors.As(err, &tm) {
		t.Fatalf("even the right code must wait: %v", err)
	}
	if e.checks.Load() != checks {
		t.Error("a refused attempt was checked")
	}
	// After the wait it may try; failing doubles the wait: 10 s, then 20 s.
	for _, wait := range []time.Duration{5 * time.Second, 10 * time.Second, 20 * time.Second} {
		e.clk.Set(lastFail.Add(wait - time.Millisecond))
		if err := fail(); !errors.As(err, &tm) || tm.Wait != time.Millisecond {
			t.Fatalf("1 ms before the %s wait ends: %v", wait, err)
		}
		e.clk.Add(time.Millisecond)
		if err := fail(); err != app.ErrIdentification {
			t.Fatalf("after the %s wait: %v", wait, err)
		}
		lastFail = e.clk.Now()
		if got := e.c.AttemptWait(); got != 2*wait {
			t.Fatalf("next wait %s, want %s", got, 2*wait)
		}
	}
	// The cap: 5 minutes.
	for range 6 {
		e.clk.Add(e.c.AttemptWait())
		_ = fail()
	}
	if got := e.c.AttemptWait(); got != app.MaxSlowdown {
		t.Errorf("wait after many failures %s, want %s", got, app.MaxSlowdown)
	}
	// Success resets: three failures are free again.
	e.clk.Add(app.MaxSlowdown)
	if _, err := e.c.IdentifyFiscalCode(ctx, marcoCF, accessCode); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if err := fail(); err != app.ErrIdentification {
			t.Fatalf("failure %d after success: %v", i+1, err)
		}
	}
}

func TestCounterIdleForget(t *testing.T) {
	e := newCounterEnv(t, false, app.CounterConfig{IdleTimeout: time.Minute})
	f, err := e.c.IdentifyBadge(context.Background(), "0A00000001")
	if err != nil {
		t.Fatal(err)
	}
	if !f.Cached || f.Account.Balance != 3650 || !f.AsOf.Equal(at("2026-11-22", "20:15:00")) || len(f.Meals) != 0 {
		t.Errorf("standalone family = %+v", f)
	}
	e.clk.Add(50 * time.Second)
	e.c.Touch()
	e.clk.Add(59 * time.Second)
	if e.c.IdleExpired() {
		t.Fatal("expired 59 s after a touch")
	}
	e.clk.Add(time.Second)
	if !e.c.IdleExpired() {
		t.Fatal("not expired a minute after a touch")
	}
	e.c.Forget()
	if _, ok := e.c.Current(); ok {
		t.Error("Current after Forget")
	}
	if e.c.IdleExpired() {
		t.Error("idle with no family")
	}
	// The slices handed out were wiped in place: no copy of a name lingers.
	for _, p := range f.Pupils {
		if p.FirstName != "" || p.FiscalCode != "" {
			t.Errorf("pupil left in memory after Forget: %+v", p)
		}
	}
}

func TestCounterTopUp(t *testing.T) {
	e := newCounterEnv(t, true, app.CounterConfig{})
	ctx := context.Background()
	if _, err := e.c.TopUp(ctx, 2000); !errors.Is(err, app.ErrNotIdentified) {
		t.Errorf("top-up with no family: %v", err)
	}
	e.identify(t, "0A00000001")
	for _, bad := range []app.Cents{0, 99, 50001} {
		if _, err := e.c.TopUp(ctx, bad); !errors.Is(err, app.ErrAmountRange) {
			t.Errorf("top-up of %d: %v", bad, err)
		}
	}
	// Offline: refused without asking the server.
	e.c.SetOnline(false)
	if _, err := e.c.TopUp(ctx, 2000); !errors.Is(err, app.ErrOffline) {
		t.Errorf("offline top-up: %v", err)
	}
	if ns, err := e.srv.FamilyNotices("F1"); err != nil || len(ns) != 0 {
		t.Errorf("server notices after an offline top-up: %d, %v", len(ns), err)
	}
	e.c.SetOnline(true)
	n1, err := e.c.TopUp(ctx, 2000)
	if err != nil {
		t.Fatal(err)
	}
	if n1.Amount != 2000 || n1.AccountID != "F1" || n1.State != app.NoticeValid || len(n1.NoticeCode) != 18 {
		t.Errorf("notice = %+v", n1)
	}
	// A retried tap: the same notice.
	n2, err := e.c.TopUp(ctx, 2000)
	if err != nil || n2.NoticeCode != n1.NoticeCode {
		t.Errorf("retried top-up: %s, %v; want %s", n2.NoticeCode, err, n1.NoticeCode)
	}
	e.c.NewTopUp()
	n3, err := e.c.TopUp(ctx, 2000)
	if err != nil || n3.NoticeCode == n1.NoticeCode {
		t.Errorf("new top-up: %s, %v", n3.NoticeCode, err)
	}
	// Paid: the poll reloads the family with the new balance.
	n, f, err := e.c.PollNotice(ctx, n1.NoticeCode)
	if err != nil || n.State != app.NoticeValid {
		t.Fatalf("poll before payment: %v, %v", n.State, err)
	}
	if _, err := e.srv.RecordReceipt(app.Receipt{ReceiptID: "R1", NoticeCode: n1.NoticeCode, Amount: 2000,
		PaidAt: e.clk.Now(), PSP: "Banca Test"}); err != nil {
		t.Fatal(err)
	}
	n, f, err = e.c.PollNotice(ctx, n1.NoticeCode)
	if err != nil || n.State != app.NoticePaid || f.Account.Balance != 5650 {
		t.Errorf("poll after payment: %v, balance %d, %v", n.State, f.Account.Balance, err)
	}
	if cur, _ := e.c.Current(); cur.Account.Balance != 5650 || len(cur.Notices) != 2 {
		t.Errorf("current family after payment: balance %d, %d notices", cur.Account.Balance, len(cur.Notices))
	}
}

func TestCounterCacheFallback(t *testing.T) {
	e := newCounterEnv(t, true, app.CounterConfig{})
	ctx := context.Background()
	online, err := e.c.IdentifyBadge(ctx, "0A00000001")
	if err != nil {
		t.Fatal(err)
	}
	asOf := online.AsOf
	e.c.Forget()
	e.clk.Add(2 * time.Hour)
	e.stop() // the server goes away; the sync status has not noticed yet
	f, err := e.c.IdentifyBadge(ctx, "0A00000001")
	if err != nil {
		t.Fatal(err)
	}
	if !f.Cached || !f.AsOf.Equal(asOf) || f.Account.Balance != 3650 || len(f.Pupils) != 2 {
		t.Errorf("cached family: cached %v, as of %v (want %v), balance %d", f.Cached, f.AsOf, asOf, f.Account.Balance)
	}
	// A family never viewed here: the roster's data, no meals.
	f, err = e.c.IdentifyBadge(ctx, "0A00000003")
	if err != nil {
		t.Fatal(err)
	}
	if !f.Cached || f.Account.ID != "F2" || f.Account.Balance != 1200 || f.AsOf.IsZero() || len(f.Meals) != 0 || len(f.Pupils) != 1 {
		t.Errorf("roster family = %+v", f)
	}
}

func TestCounterBooking(t *testing.T) {
	e := newCounterEnv(t, true, app.CounterConfig{})
	ctx := context.Background()
	e.identify(t, "0A00000001")
	today, tomorrow, yesterday := app.Day("2026-11-23"), app.Day("2026-11-24"), app.Day("2026-11-22")
	for _, tc := range []struct {
		at     string
		day    app.Day
		online bool
		want   bool
	}{
		{"09:29:59", today, true, true},
		{"09:30:00", today, true, false},
		{"23:59:00", tomorrow, true, true},
		{"08:00:00", yesterday, true, false},
		{"08:00:00", tomorrow, false, false},
	} {
		e.clk.Set(at("2026-11-23", tc.at))
		e.c.SetOnline(tc.online)
		if got := e.c.BookingOpen(tc.day); got != tc.want {
			t.Errorf("BookingOpen(%s) at %s online %v = %v", tc.day, tc.at, tc.online, got)
		}
	}
	e.c.SetOnline(true)
	e.clk.Set(at("2026-11-23", "08:00:00"))
	wed := app.Day("2026-11-25")
	f, err := e.c.Book(ctx, app.BookingRequest{PupilID: "P1", Day: wed, Cancelled: true})
	if err != nil {
		t.Fatal(err)
	}
	if b := f.Booking("P1", wed); !b.Cancelled {
		t.Errorf("booking after cancel = %+v (bookings %+v)", b, f.Bookings)
	}
	e.clk.Set(at("2026-11-23", "10:00:00"))
	if _, err := e.c.Book(ctx, app.BookingRequest{PupilID: "P1", Day: today, Cancelled: true}); !errors.Is(err, app.ErrAfterCutoff) {
		t.Errorf("booking after the cut-off: %v", err)
	}
	if _, err := e.c.Book(ctx, app.BookingRequest{PupilID: "P3", Day: wed, Cancelled: true}); err == nil {
		t.Error("booked another family's child")
	}
	// The server's own refusals keep their reason: Marco eats on Monday,
	// Wednesday and Friday, so Thursday is not his canteen day, not a
	// matter of the cut-off.
	e.clk.Set(at("2026-11-23", "08:00:00"))
	thu := app.Day("2026-11-26")
	_, err = e.c.Book(ctx, app.BookingRequest{PupilID: "P1", Day: thu, Cancelled: true})
	if !errors.Is(err, app.ErrNotCanteenDay) || errors.Is(err, app.ErrAfterCutoff) {
		t.Errorf("booking a day he does not eat: %v", err)
	}
}

func TestCounterConfigValidate(t *testing.T) {
	c := app.CounterConfig{Location: rome}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.IdleTimeout != time.Minute || c.TopUpMin != 100 || c.TopUpMax != 50000 || len(c.Presets) != 4 || c.MonthsBack != 3 || c.MaxFailures != 3 {
		t.Errorf("defaults = %+v", c)
	}
	for _, bad := range []app.CounterConfig{
		{},
		{Location: rome, TopUpMin: 500, TopUpMax: 100},
		{Location: rome, Presets: []app.Cents{60000}},
		{Location: rome, MonthsBack: -1},
	} {
		if err := bad.Validate(); err == nil {
			t.Errorf("Validate(%+v) = nil", bad)
		}
	}
}
