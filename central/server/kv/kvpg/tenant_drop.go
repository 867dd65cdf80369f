package kvpg

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// A Comune that leaves a shared service takes its data with it: DropTenant
// removes the tenant's partition (every row of its key space, one DROP
// TABLE rather than a DELETE of millions of rows) and its entry in
// tenants. It cannot be undone: the operator's command (cmd/central
// remove-comune) asks for a dump first and for the code twice.

// dropLockTimeout bounds how long DropTenant waits for the tables' locks:
// dropping a partition locks the partitioned table too, so a long
// transaction of another tenant (an import) makes it wait, and every
// tenant's statements would queue behind the waiting DROP. It gives up
// instead; the operator runs it again at a quieter moment.
var dropLockTimeout = 5 * time.Second

// ErrTenantBusy is DropTenant's error when the tables stayed locked.
var ErrTenantBusy = errors.New("kvpg: the tables stayed busy (a long transaction, an import?): nothing was removed; try again at a quieter moment")

// TenantSize is tenant code's partition (its table, kv_<id>: what
// pg_dump --table dumps alone) and its number of rows (what DropTenant
// would remove); ErrUnknownTenant when there is no such tenant.
func (s *Store) TenantSize(ctx context.Context, code string) (partition string, rows int64, err error) {
	var id int64
	err = s.pool.QueryRow(ctx, `SELECT id FROM tenants WHERE code = $1`, code).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", 0, fmt.Errorf("%w: %q", ErrUnknownTenant, code)
	}
	if err == nil {
		partition = fmt.Sprintf("kv_%d", id)
		err = s.pool.QueryRow(ctx, `SELECT count(*) FROM `+partition).Scan(&rows)
	}
	if err != nil {
		return "", 0, fmt.Errorf("kvpg: tenant %q: %w", code, err)
	}
	return partition, rows, nil
}

// DropTenant removes tenant code and all its rows, in one transaction,
// after its Updates in flight (it takes the tenant's write turn). A DB of
// that tenant still open (a server not restarted without it) then fails
// every write (no partition holds the tenant's rows) but reads an empty
// key space without an error, as a View or an Update that only reads:
// only a new DB fails its first transaction with ErrUnknownTenant. So no
// server may still serve the tenant. ErrUnknownTenant when there is no
// such tenant; ErrTenantBusy when the tables stayed locked.
func (s *Store) DropTenant(ctx context.Context, code string) (rows int64, err error) {
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		// As CreateTenant: one tenant change at a time.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, migrateLock); err != nil {
			return err
		}
		// The tenant's write turn (tx.go), held to COMMIT: no Update of
		// it is half-way.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(1803970672, hashtext($1))`, code); err != nil {
			return err
		}
		var id int64
		err := tx.QueryRow(ctx, `SELECT id FROM tenants WHERE code = $1`, code).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("%w: %q", ErrUnknownTenant, code)
		}
		if err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, fmt.Sprintf(`SELECT count(*) FROM kv_%d`, id)).Scan(&rows); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, fmt.Sprintf(`SET LOCAL lock_timeout = %d`, dropLockTimeout.Milliseconds())); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, fmt.Sprintf(`DROP TABLE IF EXISTS kv_%d`, id)); err != nil {
			if isLockTimeout(err) {
				return ErrTenantBusy
			}
			return err
		}
		_, err = tx.Exec(ctx, `DELETE FROM tenants WHERE code = $1`, code)
		return err
	})
	if err != nil {
		if errors.Is(err, ErrUnknownTenant) || errors.Is(err, ErrTenantBusy) {
			return 0, err
		}
		return 0, fmt.Errorf("kvpg: drop tenant %q: %w", code, err)
	}
	return rows, nil
}

// isLockTimeout tells lock_timeout's error (lock_not_available).
func isLockTimeout(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "55P03"
}
