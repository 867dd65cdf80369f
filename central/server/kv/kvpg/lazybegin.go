package kvpg

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// lazyBegin is the querier of a transaction whose BEGIN (and, on a DB's
// first transaction, the tenant's check) is not sent yet: it goes in the
// same round trip as the transaction's first statement, one round trip
// fewer per transaction (a View that reads one query's worth is one round
// trip, and its ROLLBACK). A snapshot is taken at the first statement
// after BEGIN, not at BEGIN, so the transaction is the same; and a View
// that reads nothing sends nothing at all.
type lazyBegin struct {
	q      querier
	begin  string // qBeginView or qBeginUpdate
	d      *DB
	check  bool // the tenant's check goes with BEGIN
	open   bool // BEGIN was sent and the transaction is not ended (ROLLBACK ends it)
	failed error
}

// SendBatch sends b, after BEGIN when it is not sent yet.
func (l *lazyBegin) SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	if l.open {
		return l.q.SendBatch(ctx, b)
	}
	if l.failed != nil {
		return failedResults{l.failed}
	}
	nb := &pgx.Batch{}
	nb.Queue(l.begin)
	if l.check {
		nb.Queue(qTenant, l.d.tenant)
	}
	nb.QueuedQueries = append(nb.QueuedQueries, b.QueuedQueries...)
	br := l.q.SendBatch(ctx, nb)
	l.open = true // whatever the answer: a ROLLBACK after is harmless
	err := func() error {
		if _, err := br.Exec(); err != nil {
			return fmt.Errorf("kvpg: begin: %w", err)
		}
		if !l.check {
			return nil
		}
		var known bool
		if err := br.QueryRow().Scan(&known); err != nil {
			return fmt.Errorf("kvpg: tenant: %w", err)
		}
		if !known {
			return fmt.Errorf("%w: %q", ErrUnknownTenant, l.d.tenant)
		}
		l.d.known.Store(true)
		l.check = false
		return nil
	}()
	if err != nil {
		br.Close()
		l.failed = err
		return failedResults{err}
	}
	return br
}

// one sends one statement through SendBatch.
func (l *lazyBegin) one(ctx context.Context, sql string, args []any) pgx.BatchResults {
	var b pgx.Batch
	b.Queue(sql, args...)
	return l.SendBatch(ctx, &b)
}

func (l *lazyBegin) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	if l.open {
		return l.q.Query(ctx, sql, args...)
	}
	br := l.one(ctx, sql, args)
	rows, err := br.Query()
	if err != nil {
		br.Close()
		return nil, err
	}
	return batchRows{Rows: rows, br: br}, nil
}

func (l *lazyBegin) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	if l.open {
		return l.q.QueryRow(ctx, sql, args...)
	}
	br := l.one(ctx, sql, args)
	return batchRow{row: br.QueryRow(), br: br}
}

func (l *lazyBegin) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	if l.open {
		return l.q.Exec(ctx, sql, args...)
	}
	br := l.one(ctx, sql, args)
	tag, err := br.Exec()
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	return tag, err
}

// batchRows are the rows of a batch's one statement: closing them closes
// the batch.
type batchRows struct {
	pgx.Rows
	br pgx.BatchResults
}

func (r batchRows) Close() {
	r.Rows.Close()
	r.br.Close()
}

// batchRow is the row of a batch's one statement: scanning it closes the
// batch.
type batchRow struct {
	row pgx.Row
	br  pgx.BatchResults
}

func (r batchRow) Scan(dest ...any) error {
	err := r.row.Scan(dest...)
	if cerr := r.br.Close(); err == nil {
		err = cerr
	}
	return err
}

// failedResults answers every result with the failure of BEGIN.
type failedResults struct{ err error }

func (f failedResults) Exec() (pgconn.CommandTag, error) { return pgconn.CommandTag{}, f.err }
func (f failedResults) Query() (pgx.Rows, error)         { return nil, f.err }
func (f failedResults) QueryRow() pgx.Row                { return failedRow(f) }
func (f failedResults) Close() error                     { return f.err }
func (f failedResults) Tx() pgx.Tx                       { return nil }

type failedRow struct{ err error }

func (f failedRow) Scan(...any) error { return f.err }
