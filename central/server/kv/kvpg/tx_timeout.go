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
// codes are hashed before its transaction opens). The whole life of a
// transaction is not bounded: an import's may rightly take a minute.
//
// What stays unbounded is a session stopped between the turn and BEGIN,
// or between ROLLBACK and the turn's release (microseconds of Go code
// each, no transaction open): PostgreSQL's TCP keepalives bound it for a
// machine that is gone (docs/central.md).

// DefaultTxIdleTimeout is Options.TxIdleTimeout's default.
const DefaultTxIdleTimeout = 30 * time.Second

// txIdleSetting is PostgreSQL's setting that ends a session idle in a
// transaction.
const txIdleSetting = "idle_in_transaction_session_timeout"

// boundTxIdle sets txIdleSetting on every connection cfg makes (a startup
// parameter: no round trip), unless the DSN sets it itself (as a
// parameter, or in its options: -c …), which then wins.
func boundTxIdle(cfg *pgxpool.Config, d time.Duration) {
	params := cfg.ConnConfig.RuntimeParams
	if _, set := params[txIdleSetting]; set || strings.Contains(params["options"], txIdleSetting) {
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
