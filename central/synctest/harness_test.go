package synctest

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"mensakiosk/app"
	"mensakiosk/app/apptest"
	"mensakiosk/central"
	"mensakiosk/central/server"
	"mensakiosk/central/server/servertest"
	"mensakiosk/internal/netfault"
	"mensakiosk/storage"
)

// day is the school day the tests serve on; newClock walks through it.
const day app.Day = "2026-11-23"

var rome = mustLoc("Europe/Rome")

func mustLoc(n string) *time.Location {
	l, err := time.LoadLocation(n)
	if err != nil {
		panic(err)
	}
	return l
}

// newClock is apptest's clock at 12:00 (Rome) on d, moving one second
// per reading, so that taps of different badges are never debounced and
// every meal has its own time.
func newClock(d app.Day) *apptest.Clock {
	c := apptest.NewClock(noon(d))
	c.StepEachRead(time.Second)
	return c
}

// noon is 12:00 (Rome) on d.
func noon(d app.Day) time.Time {
	t, err := time.ParseInLocation(time.DateOnly+" 15:04", string(d)+" 12:00", rome)
	if err != nil {
		panic(err)
	}
	return t
}

// realServer is the reference server on loopback, on its own data dir
// (servertest), behind a proxy whose faults and cable the tests control.
type realServer struct {
	*servertest.Server
	proxy *netfault.Proxy
}

func logger(t testing.TB) *slog.Logger {
	if testing.Verbose() && os.Getenv("SYNCTEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// startServer opens the reference server on dir (a new temp dir if "") and
// serves it on loopback behind a proxy. A restart (Stop, then Reopen) keeps
// its address, behind the same proxy.
func startServer(t testing.TB, dir string) *realServer {
	t.Helper()
	opts := []servertest.Option{servertest.Options(server.Options{Log: logger(t)})}
	if dir != "" {
		opts = append(opts, servertest.Dir(dir))
	}
	rs := &realServer{Server: servertest.Start(t, opts...)}
	p, err := netfault.New(rs.URL)
	if err != nil {
		t.Fatal(err)
	}
	rs.proxy = p
	t.Cleanup(rs.stop)
	return rs
}

func (rs *realServer) stop() {
	rs.Stop()
	rs.proxy.Close()
}

// kiosk is a canteen kiosk without its screen: a real bbolt store, the
// canteen rules, a resty client through the proxy, and the sync engine.
type kiosk struct {
	id      string
	store   *storage.Store
	canteen *app.Canteen
	syncer  *app.Syncer
	client  *central.Client
}

func newKiosk(t testing.TB, rs *realServer, id, path string, clock app.Clock) *kiosk {
	t.Helper()
	token, err := rs.CreateToken(id, server.RoleCanteen)
	if err != nil {
		t.Fatal(err)
	}
	return newKioskAt(t, rs.proxy.URL(), token, id, path, clock)
}

// newKioskAt is newKiosk for a server at url, with its token.
func newKioskAt(t testing.TB, url, token, id, path string, clock app.Clock) *kiosk {
	t.Helper()
	if path == "" {
		path = filepath.Join(t.TempDir(), "kiosk.db")
	}
	st, err := storage.Open(path, storage.Options{SkipCheck: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	cc := app.CanteenConfig{KioskID: id, Location: rome, Window: app.ServiceWindow{Start: 0, End: 24 * 60}, Debounce: 3 * time.Second}
	ct, err := app.NewCanteen(st, clock, cc, nil)
	if err != nil {
		t.Fatal(err)
	}
	client, err := central.NewClient(central.ClientConfig{BaseURL: url, Token: token, Epoch: st.Epoch(),
		Timeout: 2 * time.Second, Retries: 2, MinBackoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	sy := app.NewSyncer(st, client, clock, app.SyncConfig{KioskID: id, PushBatch: 200, PullLimit: 500, CycleTimeout: 30 * time.Second}, logger(t))
	return &kiosk{id: id, store: st, canteen: ct, syncer: sy, client: client}
}

// syncOK syncs and fails the test on error.
func (k *kiosk) syncOK(t testing.TB) {
	t.Helper()
	if err := k.syncer.SyncOnce(context.Background()); err != nil {
		t.Fatalf("%s: sync: %v", k.id, err)
	}
}

// tap taps a badge and fails the test unless the outcome is want.
func (k *kiosk) tap(t testing.TB, id app.BadgeID, want app.Outcome) app.TapResult {
	t.Helper()
	r, err := k.canteen.Tap(context.Background(), id)
	if err != nil {
		t.Fatalf("%s: tap %s: %v", k.id, id, err)
	}
	if r.Outcome != want {
		t.Fatalf("%s: tap %s: outcome %s, want %s", k.id, id, r.Outcome, want)
	}
	return r
}

// comune is a roster of n pupils in families of up to three siblings,
// with one badge each, price 450 cents for band A and 230 for band B.
type comune struct {
	data    server.ImportData
	badges  []app.BadgeID
	pupils  []app.Pupil
	opening map[app.AccountID]app.Cents
}

func newComune(n int) comune {
	c := comune{opening: map[app.AccountID]app.Cents{}}
	var r app.Roster
	for i := 0; i < n; i++ {
		acc := app.AccountID(fmt.Sprintf("fam%05d", i/3))
		if i%3 == 0 {
			bal := app.Cents(5000)
			r.Accounts = append(r.Accounts, app.Account{ID: acc, Holder: fmt.Sprintf("Genitore %d", i/3), Balance: bal})
			c.opening[acc] = bal
		}
		price, band := app.Cents(450), "A"
		if i%2 == 1 {
			price, band = 230, "B"
		}
		p := app.Pupil{ID: app.PupilID(fmt.Sprintf("pup%05d", i)), AccountID: acc, FirstName: fmt.Sprintf("Alunno%d", i),
			LastName: "Rossi", School: "Dante", Class: "3A", FeeBand: band, MealPrice: price,
			Weekdays: []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}}
		b := app.BadgeID(fmt.Sprintf("01%08X", 0x100000+i))
		r.Pupils = append(r.Pupils, p)
		r.Badges = append(r.Badges, app.Badge{ID: b, PupilID: p.ID})
		c.badges = append(c.badges, b)
		c.pupils = append(c.pupils, p)
	}
	c.data = server.FromRoster(r)
	// The staff member the tests void meals as: the server lets only a
	// staff member of its roster void.
	c.data.Staff = []server.ImportStaff{{ID: "S1", Name: "Cuoca", Role: app.StaffCanteen, PINHash: staffPINHash}}
	return c
}

// staffPINHash is a bcrypt hash of the PIN 1234 at the lowest cost: a
// test's import need not spend bcrypt's real cost.
const staffPINHash = "$2a$04$dqwtwWMtb8KyECeaPWBJuO76xr.ZAKHmFdIPI/W4UP5Pl2fwDulhK"

// importedServer is a server with a Comune of n pupils imported.
func importedServer(t testing.TB, n int) (*realServer, comune) {
	t.Helper()
	rs := startServer(t, "")
	c := newComune(n)
	if _, err := rs.Import(c.data); err != nil {
		t.Fatal(err)
	}
	return rs, c
}

// syncedKiosk is importedServer with kiosk "porta-1" after its first sync.
func syncedKiosk(t testing.TB, n int) (*realServer, comune, *kiosk) {
	t.Helper()
	rs, c := importedServer(t, n)
	k := newKiosk(t, rs, "porta-1", "", newClock(day))
	k.syncOK(t)
	return rs, c, k
}

// twoSyncedKiosks is kiosks porta-1 (on clock1) and porta-2 (on clock2)
// at rs's doors, each after its first sync.
func twoSyncedKiosks(t testing.TB, rs *realServer, clock1, clock2 app.Clock) (k1, k2 *kiosk) {
	t.Helper()
	k1 = newKiosk(t, rs, "porta-1", "", clock1)
	k2 = newKiosk(t, rs, "porta-2", "", clock2)
	k1.syncOK(t)
	k2.syncOK(t)
	return k1, k2
}
