package kvpg

import (
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// A transaction's bounded life. An Update holds its tenant's write turn
// (the advisory lock of tx.go) from before BEGIN to COMMIT: a server that
// stops in the middle of one — its process frozen, its machine cut off
// from the database, a bug that blocks inside fn — would otherwise hold
// the Comune's turn, and every other server's writes of that Comune, for
// as long as PostgreSQL keeps its session: without a limit, until TCP
// notices a dead peer (hours with the usual keepalive settings), or never
// for a process that is only stopped.
//
// statement_timeout cannot bound it: waiting for the turn is itself a
// statement (pg_advisory_lock), which may rightly wait long behind an
// import. What a stuck server's transaction does is nothing: its session
// sits idle inside the transaction. So every connection of the pool
// carries idle_in_transaction_session_timeout (Options.TxIdleTimeout,
// DefaultTxIdleTimeout): PostgreSQL ends a session that sent nothing for
// that long inside a transaction, which rolls the transaction back and
// releases the session's advisory lock, the turn. The stuck server's
// Update then fails (its connection is closed and not pooled again: see
// once) and nothing of it is committed; the kiosk retries its push, as
// after any failure. A live transaction is never idle that long: fn runs
// the server's rules between round trips of milliseconds (an import's
// access codes and staff PINs, bcrypt hashes, are hashed before its
// transaction opens: central/server/import_staff_pins.go). The whole life of a
// transaction is not bounded: an import's may rightly take a minute.
//
// A session stopped between the turn and BEGIN, or between ROLLBACK and
// the turn's release (microseconds of Go code each, no transaction open),
// is not idle in a transaction. For a server's machine that is gone (cut
// off, powered off) at any moment, the connections also ask PostgreSQL for
// TCP keepalives (deadPeer): it ends the session of a peer silent for
// about a minute, where the usual system defaults wait two hours. On a
// Unix socket (the database on the server's machine) they do not apply,
// and are not needed. Only a process stopped in those microseconds, on a
// machine that still answers, keeps the turn until it runs again.

// DefaultTxIdleTimeout is Options.TxIdleTimeout's default.
const DefaultTxIdleTimeout = 30 * time.Second

// txIdleSetting is PostgreSQL's setting that ends a session idle in a
// transaction.
const txIdleSetting = "idle_in_transaction_session_timeout"

// deadPeer are the TCP keepalive settings of every connection (seconds;
// a count): a silent peer's session ends after about 30 + 3×10 s.
var deadPeer = [...][2]string{{"tcp_keepalives_idle", "30"}, {"tcp_keepalives_interval", "10"}, {"tcp_keepalives_count", "3"}}

// boundTxIdle sets txIdleSetting and deadPeer on every connection cfg
// makes (startup parameters: no round trip), each unless the DSN sets it
// itself, which then wins.
func boundTxIdle(cfg *pgxpool.Config, d time.Duration) {
	params := cfg.ConnConfig.RuntimeParams
	for _, kv := range deadPeer {
		if !dsnSets(params, kv[0]) {
			params[kv[0]] = kv[1]
		}
	}
	if dsnSets(params, txIdleSetting) {
		return
	}
	switch {
	case d < 0:
		return // the server's own setting (0: none)
	case d == 0:
		d = DefaultTxIdleTimeout
	}
	params[txIdleSetting] = strconv.FormatInt(max(d.Milliseconds(), 1), 10)
}

// dsnSets tells whether the DSN set the setting name: as a parameter, or
// in its options (-c name=…).
func dsnSets(params map[string]string, name string) bool {
	_, set := params[name]
	return set || strings.Contains(params["options"], name)
}
