package synctest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"mensakiosk/app"
	"mensakiosk/central"
	"mensakiosk/central/server"
	"mensakiosk/internal/centraltest"
	"mensakiosk/internal/netfault"
	"mensakiosk/storage"
)

// centralDir is a server data directory with the Comune imported and a
// token for kiosk "porta-1", made offline as an IT person does before the
// first start.
func centralDir(t *testing.T, c comune) (dir, token string) {
	t.Helper()
	dir, tokens := centralDirFor(t, c, []string{"porta-1"})
	return dir, tokens[0]
}

// freeAddr is a loopback address free a moment ago: a server restarted on
// it keeps its address, as a real one does.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// centralFleet is the real cmd/central processes serving one store (one
// on a bbolt data directory; or several on one PostgreSQL database),
// behind a balancing fault proxy (netfault.NewBalanced) that sends each
// request to the next server in turn and skips one that is down. A
// restarted server keeps its address.
type centralFleet struct {
	bin   string
	args  [][]string // each server's arguments
	procs []*centraltest.Process
	proxy *netfault.Proxy
	// open opens the store in-process (every server stopped, or on
	// PostgreSQL beside them) for the checks at the end.
	open func(t *testing.T) *server.Server
}

// newFleet starts nothing: the proxy in front of addrs, args[i] serving
// addrs[i].
func newFleet(t *testing.T, bin string, addrs []string, args [][]string, open func(t *testing.T) *server.Server) *centralFleet {
	t.Helper()
	var urls []string
	for _, a := range addrs {
		urls = append(urls, "http://"+a)
	}
	p, err := netfault.NewBalanced(urls...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return &centralFleet{bin: bin, args: args, procs: make([]*centraltest.Process, len(args)), proxy: p, open: open}
}

func (f *centralFleet) alive(i int) bool {
	return f.procs[i] != nil && f.procs[i].Alive()
}

// startDead starts every server that is not running.
func (f *centralFleet) startDead(t *testing.T) {
	t.Helper()
	for i := range f.procs {
		if !f.alive(i) {
			f.procs[i] = centraltest.Start(t, f.bin, f.args[i]...)
		}
	}
}

// stopAll stops every running server with SIGTERM.
func (f *centralFleet) stopAll() {
	for i, p := range f.procs {
		if f.alive(i) {
			p.Cmd.Process.Signal(syscall.SIGTERM)
			p.Wait()
		}
	}
}

// boltFleet is one server on a bbolt data directory with the Comune and
// the kiosks' tokens.
func boltFleet(t *testing.T, bin string, c comune, kiosks []string) (*centralFleet, []string) {
	t.Helper()
	dir, tokens := centralDirFor(t, c, kiosks)
	addr := freeAddr(t)
	return newFleet(t, bin, []string{addr}, [][]string{{"-addr", addr, "-data", dir}}, func(t *testing.T) *server.Server {
		srv, err := server.Open(dir, server.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return srv
	}), tokens
}

// centralDirFor is centralDir with a canteen token for each kiosk.
func centralDirFor(t *testing.T, c comune, kiosks []string) (dir string, tokens []string) {
	t.Helper()
	dir = t.TempDir()
	srv, err := server.Open(dir, server.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if _, err := srv.Import(c.data); err != nil {
		t.Fatal(err)
	}
	for _, k := range kiosks {
		tok, err := srv.CreateToken(k, server.RoleCanteen)
		if err != nil {
			t.Fatal(err)
		}
		tokens = append(tokens, tok)
	}
	return dir, tokens
}

// TestServerKilledDuringSync: the real server process is SIGKILLed again
// and again while two kiosks serve pupils and sync with the real engine,
// through a fault proxy that also loses answers; it restarts on the same
// data. In the end the server holds every meal of the kiosks exactly once,
// every balance is right, and no alarm was raised.
func TestServerKilledDuringSync(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the central binary (not in -short)")
	}
	bin := centraltest.Binary(t)
	c := newComune(1500)
	kiosks := []string{"porta-1", "porta-2"}
	f, tokens := boltFleet(t, bin, c, kiosks)
	serverKills(t, f, c, kiosks, tokens, 6)
}

// killKiosk is a kiosk of serverKills: its store, canteen, engine and the
// badges it serves.
type killKiosk struct {
	st      *storage.Store
	canteen *app.Canteen
	sy      *app.Syncer
	badges  []app.BadgeID
	next    int
	okSyncs int
}

// serverKills runs the kiosks against the fleet for rounds rounds: in
// each, one server picked at random is SIGKILLed 100–500 ms after the
// round starts while the kiosks tap and sync; it restarts at the next
// round. Then a clean sync delivers the rest and the store is checked: each
// meal once, balances exact, no alarm.
func serverKills(t *testing.T, f *centralFleet, c comune, kiosks, tokens []string, rounds int) {
	t.Helper()
	clock := newClock(day)
	ks := make([]*killKiosk, len(kiosks))
	per := len(c.badges) / len(kiosks)
	for i, id := range kiosks {
		st, err := storage.Open(filepath.Join(t.TempDir(), "kiosk.db"), storage.Options{SkipCheck: true})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		cc := app.CanteenConfig{KioskID: id, Location: rome, Window: app.ServiceWindow{Start: 0, End: 24 * 60}, Debounce: time.Second}
		canteen, err := app.NewCanteen(st, clock, cc, nil)
		if err != nil {
			t.Fatal(err)
		}
		client, err := central.NewClient(central.ClientConfig{BaseURL: f.proxy.URL(), Token: tokens[i], Epoch: st.Epoch(),
			Timeout: time.Second, Retries: 1, MinBackoff: 5 * time.Millisecond, MaxBackoff: 20 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		sy := app.NewSyncer(st, client, clock, app.SyncConfig{KioskID: id, PushBatch: 40, PullLimit: 300}, nil)
		ks[i] = &killKiosk{st: st, canteen: canteen, sy: sy, badges: c.badges[i*per : (i+1)*per]}
	}

	// The kiosks' first pull, before the storm: without a roster every
	// badge is unknown.
	f.startDead(t)
	for _, k := range ks {
		if err := k.sy.SyncOnce(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	// Answers lost after the server committed, and garbled, beside the
	// kills.
	if err := f.proxy.SetPlan(netfault.Plan{Seed: 11, DropAfter: 0.05, Garble: 0.03}); err != nil {
		t.Fatal(err)
	}

	rng := rand.New(rand.NewPCG(3, uint64(time.Now().UnixNano())))
	kills := make([]int, len(f.procs))
	for round := range rounds {
		f.startDead(t)
		victim := rng.IntN(len(f.procs))
		kills[victim]++
		ch := f.procs[victim]
		go func(d time.Duration) {
			time.Sleep(d)
			ch.Cmd.Process.Signal(syscall.SIGKILL)
		}(time.Duration(100+rng.IntN(400)) * time.Millisecond)
		var wg sync.WaitGroup
		errs := make(chan error, len(ks))
		for i, k := range ks {
			wg.Add(1)
			krng := rand.New(rand.NewPCG(uint64(round), uint64(i)))
			go func() {
				defer wg.Done()
				for alive := true; alive; {
					select {
					case <-ch.Done:
						alive = false
					default:
					}
					for range 1 + krng.IntN(3) {
						if k.next < len(k.badges) {
							r, err := k.canteen.Tap(context.Background(), k.badges[k.next])
							if err != nil {
								errs <- err
								return
							}
							if r.Outcome != app.OutcomeServed {
								errs <- fmt.Errorf("tap %s: %s", k.badges[k.next], r.Outcome)
								return
							}
							k.next++
						}
					}
					if k.sy.SyncOnce(context.Background()) == nil {
						k.okSyncs++
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		for i, k := range ks {
			ss, _ := k.st.SyncState()
			t.Logf("round %d (server %d killed): kiosk %d: %d served, %d acknowledged, %d waiting", round, victim, i, k.next, ss.Acked, ss.Waiting)
		}
	}
	// A last, clean run delivers what is left.
	f.startDead(t)
	f.proxy.SetPlan(netfault.Plan{})
	for _, k := range ks {
		if err := k.sy.SyncOnce(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	f.stopAll()
	okSyncs := 0
	for _, k := range ks {
		okSyncs += k.okSyncs
	}
	if okSyncs == 0 {
		t.Fatal("no sync succeeded between the kills: the test proved nothing")
	}

	var meals []app.Meal
	served := 0
	for _, k := range ks {
		if err := k.st.ForEachMeal(func(m app.Meal) error { meals = append(meals, m); return nil }); err != nil {
			t.Fatal(err)
		}
		served += k.next
	}
	srv := f.open(t)
	defer srv.Close()
	cnt, err := srv.Counts()
	if err != nil {
		t.Fatal(err)
	}
	if cnt.Events != len(meals) || cnt.MealsCharged != len(meals) || len(meals) != served {
		t.Fatalf("server holds %d events (%d charged); the kiosks served %d and recorded %d", cnt.Events, cnt.MealsCharged, served, len(meals))
	}
	spent := map[app.AccountID]app.Cents{}
	for _, m := range meals {
		spent[m.AccountID] += m.Price
		if _, ok, err := srv.Event(m.EventID); err != nil || !ok {
			t.Fatalf("meal %s not on the server: %v", m.EventID, err)
		}
	}
	for a, open := range c.opening {
		if b, _ := srv.Balance(a); b != open-spent[a] {
			t.Errorf("balance of %s = %d, want %d", a, b, open-spent[a])
		}
	}
	al, _ := srv.Alarms()
	for _, a := range al {
		t.Errorf("alarm after server kills: %+v", a)
	}
	t.Logf("%d rounds, kills per server %v: %d meals, %d syncs succeeded between kills; proxy %+v; each meal on the server once",
		rounds, kills, len(meals), okSyncs, f.proxy.Stats())
}
