// Package pgtest gives tests a real PostgreSQL: one throwaway cluster per
// test binary (Debian's postgresql package, initdb and postgres from
// /usr/lib/postgresql/*/bin), in a temporary directory, listening on a free
// loopback port and on a Unix socket inside that directory, and a fresh
// database per test.
//
// A package whose tests use it calls Main from its TestMain:
//
//	func TestMain(m *testing.M) { pgtest.Main(m) }
//
// and each test asks for a database:
//
//	dsn := pgtest.NewDB(t) // postgres://postgres@127.0.0.1:PORT/t_3?sslmode=disable
//
// or for a copy of a template that Template filled once per binary (a
// migrated schema): pgtest.NewDBFrom(t, pgtest.Template(t, "schema", migrate)).
//
// The cluster starts on the first NewDB (a test binary none of whose tests
// asks pays nothing) and is stopped (pg_ctl stop -m immediate) and removed
// when the tests end. PostgreSQL refuses to run as root: as root the cluster
// runs as the postgres user (setpriv), otherwise as the current user. The
// postmaster gets SIGQUIT (PostgreSQL's immediate shutdown) if the test binary
// dies without stopping it, so a killed test leaves no server behind; only its
// temporary directory (pgtest-*) stays.
//
// It is for tests: fsync, synchronous_commit and full_page_writes are off, and
// every loopback connection is trusted.
package pgtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// User is the cluster's superuser, the user of every DSN.
const User = "postgres"

// StartTimeout bounds the cluster's start (initdb and the server's start).
const StartTimeout = 60 * time.Second

// Cluster is a running throwaway PostgreSQL server.
type Cluster struct {
	// Dir holds the data directory (data), the socket and the server's log.
	Dir string
	// Port is the TCP port on 127.0.0.1.
	Port int
	// Version is the server's major version (the /usr/lib/postgresql/N).
	Version string
	// InitTook and StartTook are how long initdb and the server's start
	// took.
	InitTook, StartTook time.Duration

	bin  string
	cred []string // setpriv's arguments when running as root; nil otherwise
	proc *exec.Cmd
	done chan struct{}

	durable bool // fsync and synchronous commits on (StartDurable)

	mu      sync.Mutex
	n       int
	stopped bool
}

// Bin is the directory of the newest installed PostgreSQL's programs.
func Bin() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	var found []string
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			found = append(found, d)
		}
	}
	if len(found) == 0 {
		return "", errors.New("pgtest: PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): run scripts/ensure-deps.sh test, or apt-get install postgresql")
	}
	sort.Slice(found, func(i, j int) bool { return majorOf(found[i]) < majorOf(found[j]) })
	return found[len(found)-1], nil
}

func majorOf(bin string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(bin)))
	return n
}

// Start initialises and starts a cluster in a new temporary directory. The
// caller stops it with Stop.
func Start() (*Cluster, error) { return start(false) }

// StartDurable is Start with fsync, synchronous_commit and
// full_page_writes on, as in production: for benchmarks that compare
// durable commits.
func StartDurable() (*Cluster, error) { return start(true) }

func start(durable bool) (*Cluster, error) {
	bin, err := Bin()
	if err != nil {
		return nil, err
	}
	c := &Cluster{bin: bin, Version: filepath.Base(filepath.Dir(bin)), durable: durable}
	var uid, gid int = -1, -1
	if os.Geteuid() == 0 {
		u, err := user.Lookup(User)
		if err != nil {
			return nil, fmt.Errorf("pgtest: running as root, and PostgreSQL refuses root: no %q user to run it as (the postgresql package creates it): %w", User, err)
		}
		uid, _ = strconv.Atoi(u.Uid)
		gid, _ = strconv.Atoi(u.Gid)
		c.cred = []string{"setpriv", "--reuid=" + u.Uid, "--regid=" + u.Gid, "--init-groups", "--pdeathsig=SIGQUIT", "--"}
	}
	dir, err := os.MkdirTemp("", "pgtest-")
	if err != nil {
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	c.Dir = dir
	if uid >= 0 {
		if err := os.Chown(dir, uid, gid); err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("pgtest: %w", err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), StartTimeout)
	defer cancel()
	t0 := time.Now()
	out, err := c.command(ctx, "initdb", "-D", c.data(), "-U", User, "--auth=trust",
		"-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions").CombinedOutput()
	if err != nil {
		os.RemoveAll(dir)
		hint := ""
		if c.cred != nil {
			hint = fmt.Sprintf(" (it runs as the %s user, who must be able to reach %s: set TMPDIR to a directory it can)", User, dir)
		}
		return nil, fmt.Errorf("pgtest: initdb%s: %w: %s", hint, err, tail(out))
	}
	c.InitTook = time.Since(t0)
	// A free port may be taken between Listen's close and the server's
	// bind: try a few.
	for attempt := 0; ; attempt++ {
		t1 := time.Now()
		err = c.startServer(ctx)
		if err == nil {
			c.StartTook = time.Since(t1)
			return c, nil
		}
		if attempt == 2 || ctx.Err() != nil {
			os.RemoveAll(dir)
			return nil, err
		}
	}
}

func (c *Cluster) data() string    { return filepath.Join(c.Dir, "data") }
func (c *Cluster) logPath() string { return filepath.Join(c.Dir, "postgres.log") }

// LogPath is the server's log file (removed with the cluster by Stop).
func (c *Cluster) LogPath() string { return c.logPath() }

// Socket is the directory of the server's Unix socket.
func (c *Cluster) Socket() string { return c.Dir }

// command runs one of the PostgreSQL programs as the cluster's user.
func (c *Cluster) command(ctx context.Context, prog string, args ...string) *exec.Cmd {
	argv := append(append(append([]string(nil), c.cred...), filepath.Join(c.bin, prog)), args...)
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), "LC_ALL=C", "TZ=UTC")
	cmd.Dir = c.Dir
	return cmd
}

// startServer starts postgres as a child (not daemonised by pg_ctl, so that
// it gets the parent-death signal) and waits until it accepts connections.
func (c *Cluster) startServer(ctx context.Context) error {
	port, err := freePort()
	if err != nil {
		return fmt.Errorf("pgtest: %w", err)
	}
	logf, err := os.OpenFile(c.logPath(), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("pgtest: %w", err)
	}
	defer logf.Close()
	durability := []string{"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"}
	if c.durable {
		durability = []string{"-c", "fsync=on", "-c", "synchronous_commit=on", "-c", "full_page_writes=on",
			// What a latency tail needs to be explained: checkpoints,
			// lock waits of deadlock_timeout (1 s) or more, autovacuums.
			"-c", "log_checkpoints=on", "-c", "log_lock_waits=on", "-c", "log_autovacuum_min_duration=0"}
	}
	args := []string{"-D", c.data(), "-p", strconv.Itoa(port),
		"-c", "listen_addresses=127.0.0.1",
		"-c", "unix_socket_directories=" + c.Dir}
	args = append(append(args, durability...),
		"-c", "max_connections=300",
		"-c", "log_min_messages=warning", "-c", "log_connections=off")
	cmd := c.command(context.Background(), "postgres", args...)
	cmd.Stdout, cmd.Stderr = logf, logf
	// Without setpriv (not root), the parent-death signal is set here.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGQUIT}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("pgtest: start postgres: %w", err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	dsn := c.dsnOn(port, "postgres")
	for {
		cctx, cancel := context.WithTimeout(ctx, time.Second)
		conn, err := pgx.Connect(cctx, dsn)
		cancel()
		if err == nil {
			conn.Close(context.Background())
			c.Port, c.proc, c.done = port, cmd, done
			return nil
		}
		select {
		case <-done:
			return fmt.Errorf("pgtest: postgres exited at start (port %d): %s", port, c.logTail())
		case <-ctx.Done():
			cmd.Process.Signal(syscall.SIGQUIT)
			<-done
			return fmt.Errorf("pgtest: postgres not ready within %s: %v: %s", StartTimeout, err, c.logTail())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func (c *Cluster) logTail() string {
	b, _ := os.ReadFile(c.logPath())
	return tail(b)
}

// tail is the last lines of a program's output, for an error.
func tail(b []byte) string {
	b = bytes.TrimSpace(b)
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}

func (c *Cluster) dsnOn(port int, db string) string {
	return fmt.Sprintf("postgres://%s@127.0.0.1:%d/%s?sslmode=disable", User, port, db)
}

// DSN is the postgres:// URL of database db on the cluster (TCP on
// loopback, no password: loopback is trusted).
func (c *Cluster) DSN(db string) string { return c.dsnOn(c.Port, db) }

// CreateDB creates a new empty database (a copy of template, template1 when
// empty) and returns its name and DSN.
func (c *Cluster) CreateDB(ctx context.Context, template string) (name, dsn string, err error) {
	if template == "" {
		template = "template1"
	}
	c.mu.Lock()
	c.n++
	name = fmt.Sprintf("t_%d", c.n)
	c.mu.Unlock()
	if err := c.createNamed(ctx, name, template); err != nil {
		return "", "", err
	}
	return name, c.DSN(name), nil
}

func (c *Cluster) createNamed(ctx context.Context, name, template string) error {
	conn, err := pgx.Connect(ctx, c.DSN("postgres"))
	if err != nil {
		return fmt.Errorf("pgtest: %w", err)
	}
	defer conn.Close(context.Background())
	// FILE_COPY: a copy of the template's files, faster than WAL_LOG for
	// the small databases of tests (its checkpoint costs nothing with
	// fsync off).
	q := fmt.Sprintf("CREATE DATABASE %s TEMPLATE %s STRATEGY FILE_COPY",
		pgx.Identifier{name}.Sanitize(), pgx.Identifier{template}.Sanitize())
	if _, err := conn.Exec(ctx, q); err != nil {
		return fmt.Errorf("pgtest: %s: %w", q, err)
	}
	return nil
}

// DropDB drops a database, closing its connections.
func (c *Cluster) DropDB(ctx context.Context, name string) error {
	conn, err := pgx.Connect(ctx, c.DSN("postgres"))
	if err != nil {
		return fmt.Errorf("pgtest: %w", err)
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(ctx, fmt.Sprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", pgx.Identifier{name}.Sanitize()))
	return err
}

// Stop stops the server at once (pg_ctl stop -m immediate: nothing is
// kept, no shutdown checkpoint) and removes its directory. It may be called
// more than once.
func (c *Cluster) Stop() error {
	c.mu.Lock()
	if c.stopped {
		c.mu.Unlock()
		return nil
	}
	c.stopped = true
	c.mu.Unlock()
	var err error
	if c.proc != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		out, perr := c.command(ctx, "pg_ctl", "stop", "-D", c.data(), "-m", "immediate", "-w").CombinedOutput()
		cancel()
		if perr != nil {
			err = fmt.Errorf("pgtest: pg_ctl stop: %w: %s", perr, tail(out))
			c.proc.Process.Signal(syscall.SIGQUIT)
		}
		select {
		case <-c.done:
		case <-time.After(10 * time.Second):
			c.proc.Process.Kill()
			<-c.done
		}
	}
	if rerr := os.RemoveAll(c.Dir); rerr != nil && err == nil {
		err = fmt.Errorf("pgtest: %w", rerr)
	}
	return err
}

// The test binary's shared clusters: the plain one (Shared) and the
// durable one (SharedDurable).
var (
	shared        = sharedCluster{start: Start}
	sharedDurable = sharedCluster{start: StartDurable}
	sharedMu      sync.Mutex
	inMain        bool
)

// sharedCluster is a cluster the test binary starts on first use and Main
// stops; err is why it did not start (not tried again).
type sharedCluster struct {
	c     *Cluster
	err   error
	start func() (*Cluster, error)
}

// get returns the cluster, starting it on the first call. It fails the
// test if PostgreSQL cannot start, or if the package's TestMain does not
// call Main (who else would stop it?).
func (sc *sharedCluster) get(t testing.TB) *Cluster {
	t.Helper()
	sharedMu.Lock()
	defer sharedMu.Unlock()
	if !inMain {
		t.Fatal("pgtest: the package's TestMain must call pgtest.Main(m), which stops the cluster at the end")
	}
	if sc.c == nil && sc.err == nil {
		sc.c, sc.err = sc.start()
		if sc.err == nil {
			t.Logf("pgtest: PostgreSQL %s in %s on 127.0.0.1:%d: initdb %s, start %s",
				sc.c.Version, sc.c.Dir, sc.c.Port, sc.c.InitTook.Round(time.Millisecond), sc.c.StartTook.Round(time.Millisecond))
		}
	}
	if sc.err != nil {
		t.Fatal(sc.err)
	}
	return sc.c
}

// Main runs the package's tests (m.Run) and stops the shared cluster, if a
// test started it, before the binary exits with the tests' status. Call it
// from TestMain.
func Main(m *testing.M) {
	sharedMu.Lock()
	inMain = true
	sharedMu.Unlock()
	code := m.Run()
	sharedMu.Lock()
	cs := []*Cluster{shared.c, sharedDurable.c}
	sharedMu.Unlock()
	for _, c := range cs {
		if c == nil {
			continue
		}
		if err := c.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			if code == 0 {
				code = 1
			}
		}
	}
	os.Exit(code)
}

// SharedDurable is Shared for a second cluster, started by StartDurable
// (fsync on): for benchmarks of durable commits.
func SharedDurable(t testing.TB) *Cluster {
	t.Helper()
	return sharedDurable.get(t)
}

// NewDurableDB is NewDB on the durable cluster (SharedDurable).
func NewDurableDB(t testing.TB) string {
	t.Helper()
	return newDBOn(t, SharedDurable(t), "")
}

// Shared returns the test binary's cluster, starting it on the first call.
// It fails the test if PostgreSQL cannot start, or if the package's TestMain
// does not call Main (who else would stop it?).
func Shared(t testing.TB) *Cluster {
	t.Helper()
	return shared.get(t)
}

// NewDB creates a fresh database on the shared cluster for this test, drops
// it when the test ends, and returns its DSN.
func NewDB(t testing.TB) string {
	t.Helper()
	return NewDBFrom(t, "")
}

// Templates made by Template, by name.
var (
	templatesMu sync.Mutex
	templates   = map[string]error{}
)

// Template makes, once per test binary, a database named name that setup
// fills (a schema's migrations, say), for NewDBFrom to copy: copying a
// template is cheaper than running setup in every test. setup gets the
// template's DSN; its connections must be closed when it returns (a
// template with connections cannot be copied). A failed setup fails every
// test that asks for the template.
func Template(t testing.TB, name string, setup func(ctx context.Context, dsn string) error) string {
	t.Helper()
	c := Shared(t)
	templatesMu.Lock()
	defer templatesMu.Unlock()
	err, done := templates[name]
	if !done {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		err = c.createNamed(ctx, name, "template0")
		if err == nil {
			err = setup(ctx, c.DSN(name))
		}
		if err != nil {
			err = fmt.Errorf("pgtest: template %s: %w", name, err)
		}
		templates[name] = err
	}
	if err != nil {
		t.Fatal(err)
	}
	return name
}

// NewDBFrom is NewDB with a copy of template (from Template; "" is an empty
// database).
func NewDBFrom(t testing.TB, template string) string {
	t.Helper()
	return newDBOn(t, Shared(t), template)
}

func newDBOn(t testing.TB, c *Cluster, template string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	name, dsn, err := c.CreateDB(ctx, template)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := c.DropDB(ctx, name); err != nil && !strings.Contains(err.Error(), "does not exist") {
			t.Errorf("pgtest: drop %s: %v", name, err)
		}
	})
	return dsn
}
