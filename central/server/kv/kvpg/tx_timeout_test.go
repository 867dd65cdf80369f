package kvpg_test

import (
	"context"
	"testing"
	"time"

	"mensakiosk/central/server/kv"
	"mensakiosk/central/server/kv/kvpg"
	"mensakiosk/internal/pgtest"
)

// TestStuckUpdateReleasesTheWriteTurn: one server (a Store) stops inside
// an Update of a Comune, holding its write turn; after its
// TxIdleTimeout, PostgreSQL ends the stuck session, and another server's
// Update of the same Comune gets the turn and commits. The stuck Update,
// when it wakes, fails and commits nothing; its Store goes on working.
// Without the bound the other server waits as long as the stuck one.
func TestStuckUpdateReleasesTheWriteTurn(t *testing.T) {
	dsn := newDSN(t)
	// A bound long enough that a busy machine does not end a working
	// transaction between its statements (300 ms did, at load 7).
	stuck := open(t, dsn, kvpg.Options{TxIdleTimeout: 2 * time.Second})
	other := open(t, dsn, kvpg.Options{})
	dbS, dbO := tenant(t, stuck, "H501"), other.Tenant("H501")
	put := func(key string) func(kv.Tx) error {
		return func(tx kv.Tx) error {
			b, err := tx.CreateBucketIfNotExists([]byte("t"))
			if err != nil {
				return err
			}
			return b.Put([]byte(key), []byte("v"))
		}
	}
	if err := dbO.Update(put("before")); err != nil {
		t.Fatal(err)
	}

	inside, wake := make(chan struct{}), make(chan struct{})
	stuckErr := make(chan error, 1)
	go func() {
		stuckErr <- dbS.Update(func(tx kv.Tx) error {
			b := tx.Bucket([]byte("t"))
			if b == nil || b.Get([]byte("before")) == nil { // a read: the transaction is open
				t.Error("the stuck Update does not see the committed key")
			}
			if err := b.Put([]byte("stuck"), []byte("v")); err != nil {
				return err
			}
			close(inside)
			<-wake // a frozen server
			return nil
		})
	}()
	<-inside
	defer func() {
		select {
		case <-wake:
		default:
			close(wake)
		}
	}()

	start := time.Now()
	otherErr := make(chan error, 1)
	go func() { otherErr <- dbO.Update(put("other")) }()
	select {
	case err := <-otherErr:
		if err != nil {
			t.Fatalf("the other server's Update: %v", err)
		}
		t.Logf("the other server's Update committed %s after the turn was taken", time.Since(start).Round(time.Millisecond))
	case <-time.After(20 * time.Second):
		close(wake)
		t.Fatal("the other server's Update still waits for the turn 20 s after the stuck one stopped")
	}

	close(wake)
	if err := <-stuckErr; err == nil {
		t.Error("the stuck Update, ended by the database, reported success")
	}
	err := dbO.View(func(tx kv.Tx) error {
		b := tx.Bucket([]byte("t"))
		if b.Get([]byte("other")) == nil || b.Get([]byte("before")) == nil || b.Get([]byte("stuck")) != nil {
			t.Errorf("after: other %q, before %q, stuck %q", b.Get([]byte("other")), b.Get([]byte("before")), b.Get([]byte("stuck")))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The stuck server's pool dropped the ended connection.
	if err := dbS.Update(put("after")); err != nil {
		t.Errorf("the stuck server's next Update: %v", err)
	}
}

// TestTxIdleTimeoutSetting: every connection carries the bound: the
// default, the options', none when negative, and the DSN's own when it
// names one.
func TestTxIdleTimeoutSetting(t *testing.T) {
	dsn := newDSN(t)
	for _, c := range []struct {
		name string
		dsn  string
		opts kvpg.Options
		want string
	}{
		{"default", dsn, kvpg.Options{}, "30s"},
		{"options", dsn, kvpg.Options{TxIdleTimeout: 2 * time.Second}, "2s"},
		{"off", dsn, kvpg.Options{TxIdleTimeout: -1}, "0"},
		{"dsn", dsn + " idle_in_transaction_session_timeout=45000", kvpg.Options{TxIdleTimeout: 2 * time.Second}, "45s"},
		{"dsn options", dsn + " options='-c idle_in_transaction_session_timeout=7s'", kvpg.Options{}, "7s"},
	} {
		st := open(t, c.dsn, c.opts)
		var got string
		if err := st.Pool().QueryRow(context.Background(), "SHOW idle_in_transaction_session_timeout").Scan(&got); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got != c.want {
			t.Errorf("%s: idle_in_transaction_session_timeout %s, want %s", c.name, got, c.want)
		}
		st.Close()
	}
}

// TestDeadPeerKeepalives: the connections over TCP ask PostgreSQL to end
// the session of a peer silent for about a minute (a server's machine that
// is gone, holding a turn), unless the DSN says otherwise.
func TestDeadPeerKeepalives(t *testing.T) {
	dsn := pgtest.NewDB(t) // TCP: keepalives do not apply to a Unix socket
	for _, c := range []struct {
		name, dsn, want string
	}{
		{"default", dsn, "30 10 3"},
		{"dsn", dsn + "&tcp_keepalives_idle=120", "120 10 3"},
	} {
		st := open(t, c.dsn, kvpg.Options{})
		var idle, interval, count string
		err := st.Pool().QueryRow(context.Background(), "SELECT current_setting('tcp_keepalives_idle'), current_setting('tcp_keepalives_interval'), current_setting('tcp_keepalives_count')").Scan(&idle, &interval, &count)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got := idle + " " + interval + " " + count; got != c.want {
			t.Errorf("%s: keepalives %s, want %s", c.name, got, c.want)
		}
		st.Close()
	}
}
