package pgtest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

func TestMain(m *testing.M) { Main(m) }

func connect(t *testing.T, dsn string) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// pgCode is the SQLSTATE of a PostgreSQL error, "" for any other error.
func pgCode(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

// A fresh database takes a table, a SERIALIZABLE transaction commits, and
// a second row with the same key is refused as a unique violation (23505)
// that the driver reports as such.
func TestNewDBTakesSerializableTransactionsAndReportsUniqueViolation(t *testing.T) {
	ctx := context.Background()
	conn := connect(t, NewDB(t))
	if _, err := conn.Exec(ctx, `CREATE TABLE events (id text PRIMARY KEY, kiosk text NOT NULL, seq bigint NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	tx, err := conn.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.Serializable})
	if err != nil {
		t.Fatal(err)
	}
	var level string
	if err := tx.QueryRow(ctx, `SHOW transaction_isolation`).Scan(&level); err != nil {
		t.Fatal(err)
	}
	if level != "serializable" {
		t.Fatalf("transaction isolation %q, want serializable", level)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO events VALUES ('e1', 'k1', 1)`); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	_, err = conn.Exec(ctx, `INSERT INTO events VALUES ('e1', 'k2', 7)`)
	if code := pgCode(err); code != "23505" {
		t.Fatalf("second insert of e1: %v (SQLSTATE %q), want a unique violation 23505", err, code)
	}
	var n int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM events`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Fatalf("%d rows, want 1", n)
	}
}

// Two SERIALIZABLE transactions that each read what the other writes
// cannot both commit: the second gets a serialization failure (40001), the
// error a store must retry on.
func TestSerializableConflictIsReported(t *testing.T) {
	ctx := context.Background()
	dsn := NewDB(t)
	a, b := connect(t, dsn), connect(t, dsn)
	if _, err := a.Exec(ctx, `CREATE TABLE balances (account text PRIMARY KEY, cents bigint NOT NULL);
		INSERT INTO balances VALUES ('A1', 100), ('A2', 100)`); err != nil {
		t.Fatal(err)
	}
	ser := pgx.TxOptions{IsoLevel: pgx.Serializable}
	ta, err := a.BeginTx(ctx, ser)
	if err != nil {
		t.Fatal(err)
	}
	tb, err := b.BeginTx(ctx, ser)
	if err != nil {
		t.Fatal(err)
	}
	sum := func(tx pgx.Tx) {
		var s int
		if err := tx.QueryRow(ctx, `SELECT sum(cents) FROM balances`).Scan(&s); err != nil {
			t.Fatal(err)
		}
	}
	sum(ta)
	sum(tb)
	if _, err := ta.Exec(ctx, `UPDATE balances SET cents = cents - 50 WHERE account = 'A1'`); err != nil {
		t.Fatal(err)
	}
	if _, err := tb.Exec(ctx, `UPDATE balances SET cents = cents - 50 WHERE account = 'A2'`); err != nil {
		t.Fatal(err)
	}
	if err := ta.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	err = tb.Commit(ctx)
	if code := pgCode(err); code != "40001" {
		t.Fatalf("second commit: %v (SQLSTATE %q), want a serialization failure 40001", err, code)
	}
}

// Each test's database is its own: a table made in one is not in another.
func TestNewDBIsFresh(t *testing.T) {
	ctx := context.Background()
	one := connect(t, NewDB(t))
	if _, err := one.Exec(ctx, `CREATE TABLE only_here (x int)`); err != nil {
		t.Fatal(err)
	}
	other := connect(t, NewDB(t))
	var exists bool
	if err := other.QueryRow(ctx, `SELECT to_regclass('only_here') IS NOT NULL`).Scan(&exists); err != nil {
		t.Fatal(err)
	}
	if exists {
		t.Fatal("a new database holds another test's table")
	}
}

// Start runs the server as a non-root user on loopback and Stop ends it and
// removes its directory: the port then refuses connections.
func TestStartAndStopLeaveNothing(t *testing.T) {
	t0 := time.Now()
	c, err := Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("PostgreSQL %s started in %s (initdb %s, server %s)", c.Version, time.Since(t0).Round(time.Millisecond),
		c.InitTook.Round(time.Millisecond), c.StartTook.Round(time.Millisecond))
	conn := connect(t, c.DSN("postgres"))
	var user string
	var root bool
	if err := conn.QueryRow(context.Background(),
		`SELECT current_user, (SELECT usesuper FROM pg_user WHERE usename = current_user)`).Scan(&user, &root); err != nil {
		t.Fatal(err)
	}
	if user != User || !root {
		t.Fatalf("connected as %q (superuser %v), want %q superuser", user, root, User)
	}
	pid := c.proc.Process.Pid
	uid := processUID(t, pid)
	if uid == 0 {
		t.Fatalf("postgres (pid %d) runs as root", pid)
	}
	conn.Close(context.Background())
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(c.Dir); !os.IsNotExist(err) {
		t.Fatalf("%s still there after Stop: %v", c.Dir, err)
	}
	if nc, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(c.Port), time.Second); err == nil {
		nc.Close()
		t.Fatalf("127.0.0.1:%d still accepts connections after Stop", c.Port)
	}
	if err := c.Stop(); err != nil {
		t.Fatalf("second Stop: %v", err)
	}
}

// processUID reads a process's real uid from /proc.
func processUID(t *testing.T, pid int) int {
	t.Helper()
	st, err := os.Stat("/proc/" + strconv.Itoa(pid))
	if err != nil {
		t.Fatal(err)
	}
	return int(st.Sys().(*syscall.Stat_t).Uid)
}

// A test binary killed (SIGKILL: no cleanup runs) leaves no server behind:
// the postmaster gets the parent-death signal and shuts down at once. The
// test runs itself as the child that starts a cluster and is killed.
func TestKilledTestBinaryLeavesNoServer(t *testing.T) {
	if os.Getenv("PGTEST_CHILD") == "1" {
		c, err := Start()
		if err != nil {
			fmt.Println("ERR", err)
			os.Exit(1)
		}
		fmt.Printf("READY %d %d %s\n", c.proc.Process.Pid, c.Port, c.Dir)
		select {}
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestKilledTestBinaryLeavesNoServer$")
	cmd.Env = append(os.Environ(), "PGTEST_CHILD=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("child: %v", err)
	}
	var pid, port int
	var dir string
	if _, err := fmt.Sscanf(line, "READY %d %d %s", &pid, &port, &dir); err != nil {
		t.Fatalf("child said %q", line)
	}
	defer os.RemoveAll(dir)
	if err := syscall.Kill(pid, 0); err != nil {
		t.Fatalf("postgres (pid %d) not running before the kill: %v", pid, err)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	deadline := time.Now().Add(20 * time.Second)
	for {
		nc, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(port), time.Second)
		if err != nil {
			break
		}
		nc.Close()
		if time.Now().After(deadline) {
			syscall.Kill(pid, syscall.SIGQUIT)
			t.Fatalf("postgres (pid %d) still serves 127.0.0.1:%d 20 s after its test binary was killed", pid, port)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// A template is filled once per binary; each test gets its own copy, and
// what one test writes in its copy is not in another's.
func TestNewDBFromTemplateCopiesItOncePerTest(t *testing.T) {
	ctx := context.Background()
	setups := 0
	setup := func(ctx context.Context, dsn string) error {
		setups++
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			return err
		}
		defer conn.Close(ctx)
		_, err = conn.Exec(ctx, `CREATE TABLE schema_version (v int); INSERT INTO schema_version VALUES (7)`)
		return err
	}
	a := connect(t, NewDBFrom(t, Template(t, "tmpl_schema", setup)))
	b := connect(t, NewDBFrom(t, Template(t, "tmpl_schema", setup)))
	if setups != 1 {
		t.Fatalf("setup ran %d times, want once", setups)
	}
	if _, err := a.Exec(ctx, `INSERT INTO schema_version VALUES (8)`); err != nil {
		t.Fatal(err)
	}
	var n, v int
	if err := b.QueryRow(ctx, `SELECT count(*), max(v) FROM schema_version`).Scan(&n, &v); err != nil {
		t.Fatal(err)
	}
	if n != 1 || v != 7 {
		t.Fatalf("the other copy holds %d rows, max %d: want the template's one row, 7", n, v)
	}
}

// Tests running in parallel each get their own copy of one template, at
// the same time.
func TestNewDBFromTemplateInParallel(t *testing.T) {
	tmpl := Template(t, "tmpl_parallel", func(ctx context.Context, dsn string) error {
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			return err
		}
		defer conn.Close(ctx)
		_, err = conn.Exec(ctx, `CREATE TABLE seen (who text PRIMARY KEY)`)
		return err
	})
	for i := range 6 {
		t.Run(strconv.Itoa(i), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			conn := connect(t, NewDBFrom(t, tmpl))
			if _, err := conn.Exec(ctx, `INSERT INTO seen VALUES ($1)`, t.Name()); err != nil {
				t.Fatal(err)
			}
			var n int
			if err := conn.QueryRow(ctx, `SELECT count(*) FROM seen`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n != 1 {
				t.Fatalf("%d rows in this test's copy, want its own 1", n)
			}
		})
	}
}

// The shared cluster runs without fsync; the durable one (for benchmarks
// of durable commits) with fsync and synchronous commits.
func TestDurableClusterSyncsItsCommits(t *testing.T) {
	for _, c := range []struct {
		dsn  string
		want string
	}{{NewDB(t), "off"}, {NewDurableDB(t), "on"}} {
		conn := connect(t, c.dsn)
		for _, setting := range []string{"fsync", "synchronous_commit", "full_page_writes"} {
			var got string
			if err := conn.QueryRow(context.Background(), "SHOW "+setting).Scan(&got); err != nil {
				t.Fatal(err)
			}
			if got != c.want {
				t.Errorf("%s: %s = %s, want %s", c.dsn, setting, got, c.want)
			}
		}
	}
}
