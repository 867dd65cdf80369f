package main

import (
	"context"
	"sync"

	"mensakiosk/central/server"
	"mensakiosk/central/server/kv/kvpg"
)

// PoolConns is each server's connection pool: pgxpool's default (4 on
// two cores) makes the pulls wait behind the pushes that hold the
// connections (measured at 1,000 kiosks: pull p99 1.05 s with 4, 0.12 s
// with 16); docs/central.md recommends pool_max_conns=16 in the DSN.
const PoolConns = 16

// pgGroupCommit is -pggroup: kvpg's group commit (on by default).
var pgGroupCommit = true

// loadTenant is the Comune the load's servers serve.
const loadTenant = "load"

// openPostgresServer opens a reference server on the PostgreSQL database
// dsn (one Comune), with dir for what is never in the store; closing the
// server closes its connections.
func openPostgresServer(ctx context.Context, dsn, dir string, opts server.Options) (*server.Server, error) {
	st, err := kvpg.Open(ctx, dsn, kvpg.Options{MaxConns: PoolConns, Observe: observeRun, NoGroupCommit: !pgGroupCommit})
	if err != nil {
		return nil, err
	}
	if err := st.CreateTenant(ctx, loadTenant); err != nil {
		st.Close()
		return nil, err
	}
	openStores.Lock()
	openStores.s = append(openStores.s, st)
	openStores.Unlock()
	srv, err := server.OpenStore(ownedTenant{st.Tenant(loadTenant), st}, dir, opts)
	if err != nil {
		st.Close()
		return nil, err
	}
	return srv, nil
}

// openStores are the stores opened, for their retry counts.
var openStores struct {
	sync.Mutex
	s []*kvpg.Store
}

// pgRetries is how many Updates ran again after a serialization conflict,
// on every store opened so far.
func pgRetries() int64 {
	openStores.Lock()
	defer openStores.Unlock()
	var n int64
	for _, s := range openStores.s {
		n += s.Retries()
	}
	return n
}

// ownedTenant is a tenant's kv.DB whose Close also closes its store.
type ownedTenant struct {
	*kvpg.DB
	st *kvpg.Store
}

func (o ownedTenant) Close() error {
	err := o.DB.Close()
	if cerr := o.st.Close(); err == nil {
		err = cerr
	}
	return err
}
