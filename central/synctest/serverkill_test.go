package synctest

import (
	"bufio"
	"context"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"mensakiosk/app"
	"mensakiosk/central"
	"mensakiosk/central/server"
	"mensakiosk/storage"
)

// centralDir is a server data directory with the Comune imported and a
// token for kiosk "porta-1", made offline as an IT person does before the
// first start.
func centralDir(t *testing.T, c comune) (dir, token string) {
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
	if token, err = srv.CreateToken("porta-1", server.RoleCanteen); err != nil {
		t.Fatal(err)
	}
	return dir, token
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

// centralChild is the real cmd/central binary serving a data dir.
type centralChild struct {
	cmd  *exec.Cmd
	done chan struct{}
}

func buildCentral(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "central")
	cmd := exec.Command("go", "build", "-o", bin, "../../cmd/central")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func startCentral(t *testing.T, bin, dir, addr string) *centralChild {
	t.Helper()
	return startCentralArgs(t, bin, "-addr", addr, "-data", dir)
}

// startCentralArgs runs the binary with args and waits for "listening".
func startCentralArgs(t *testing.T, bin string, args ...string) *centralChild {
	t.Helper()
	cmd := exec.Command(bin, args...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &centralChild{cmd: cmd, done: make(chan struct{})}
	t.Cleanup(func() { // a test that fails half-way leaves no server behind
		select {
		case <-c.done:
		default:
			cmd.Process.Kill()
			<-c.done
		}
	})
	listening := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stderr)
		once := false
		for sc.Scan() {
			if !once && strings.Contains(sc.Text(), `"msg":"listening"`) {
				once = true
				close(listening)
			}
		}
		cmd.Wait()
		close(c.done)
	}()
	select {
	case <-listening:
	case <-c.done:
		t.Fatal("central exited before listening")
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		t.Fatal("central did not listen within 20 s")
	}
	return c
}

// TestServerKilledDuringSync: the real server process is SIGKILLed again
// and again while a kiosk serves pupils and syncs with the real engine; it
// restarts on the same data. In the end the server holds every meal of the
// kiosk exactly once and every balance is right.
func TestServerKilledDuringSync(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the central binary (not in -short)")
	}
	bin := buildCentral(t)
	c := newComune(1500)
	dir, tok := centralDir(t, c)
	addr := freeAddr(t)

	st, err := storage.Open(filepath.Join(t.TempDir(), "kiosk.db"), storage.Options{SkipCheck: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	clock := newClock(day)
	cc := app.CanteenConfig{KioskID: "porta-1", Location: rome, Window: app.ServiceWindow{Start: 0, End: 24 * 60}, Debounce: time.Second}
	canteen, err := app.NewCanteen(st, clock, cc, nil)
	if err != nil {
		t.Fatal(err)
	}
	client, err := central.NewClient(central.ClientConfig{BaseURL: "http://" + addr, Token: tok, Epoch: st.Epoch(),
		Timeout: time.Second, Retries: 1, MinBackoff: 5 * time.Millisecond, MaxBackoff: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	sy := app.NewSyncer(st, client, clock, app.SyncConfig{KioskID: "porta-1", PushBatch: 40, PullLimit: 300}, nil)

	// The kiosk's first pull, before the storm: without a roster every
	// badge is unknown.
	first := startCentral(t, bin, dir, addr)
	if err := sy.SyncOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	first.cmd.Process.Signal(syscall.SIGKILL)
	<-first.done

	rng := rand.New(rand.NewPCG(3, uint64(time.Now().UnixNano())))
	next, okSyncs := 0, 0
	const rounds = 6
	for round := range rounds {
		ch := startCentral(t, bin, dir, addr)
		go func(d time.Duration) {
			time.Sleep(d)
			ch.cmd.Process.Signal(syscall.SIGKILL)
		}(time.Duration(100+rng.IntN(400)) * time.Millisecond)
		for alive := true; alive; {
			select {
			case <-ch.done:
				alive = false
			default:
			}
			for range 1 + rng.IntN(60) {
				if next < len(c.badges) {
					r, err := canteen.Tap(context.Background(), c.badges[next])
					if err != nil {
						t.Fatal(err)
					}
					if r.Outcome != app.OutcomeServed {
						t.Fatalf("tap %d: %s", next, r.Outcome)
					}
					next++
				}
			}
			if sy.SyncOnce(context.Background()) == nil {
				okSyncs++
			}
		}
		ss, _ := st.SyncState()
		t.Logf("round %d: %d served, %d acknowledged, %d waiting", round, next, ss.Acked, ss.Waiting)
	}
	// A last, clean run delivers what is left.
	ch := startCentral(t, bin, dir, addr)
	if err := sy.SyncOnce(context.Background()); err != nil {
		t.Fatal(err)
	}
	ch.cmd.Process.Signal(syscall.SIGTERM)
	<-ch.done
	if okSyncs == 0 {
		t.Fatal("no sync succeeded between the kills: the test proved nothing")
	}

	var meals []app.Meal
	if err := st.ForEachMeal(func(m app.Meal) error { meals = append(meals, m); return nil }); err != nil {
		t.Fatal(err)
	}
	srv, err := server.Open(dir, server.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	cnt, err := srv.Counts()
	if err != nil {
		t.Fatal(err)
	}
	if cnt.Events != len(meals) || cnt.MealsCharged != len(meals) || len(meals) != next {
		t.Fatalf("server holds %d events (%d charged); the kiosk served %d and recorded %d", cnt.Events, cnt.MealsCharged, next, len(meals))
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
	t.Logf("%d rounds: %d meals, %d syncs succeeded between kills; each meal on the server once", rounds, len(meals), okSyncs)
}
