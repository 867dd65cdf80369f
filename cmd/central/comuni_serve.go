package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"mensakiosk/central/server"
	"mensakiosk/central/server/kv/kvpg"
)

// serveComuni serves the Comuni of cfg ("comuni", comuni_config.go): one
// server per Comune on its own store, each with its admin socket in its
// directory and its pagoPA GPD round, behind one front on cfg.Addr that
// routes each request by the Comune its token names.
func serveComuni(cfg Config, log *slog.Logger, tlsCfg *tls.Config) (err error) {
	codes, err := comuneCodes(cfg)
	if err != nil {
		return err
	}
	stores, err := openComuniStores(comuniPostgres(cfg))
	if err != nil {
		return err
	}
	var servers []*server.Server
	defer func() {
		for _, s := range servers {
			err = errors.Join(err, s.Close())
		}
		stores.close()
	}()
	for _, code := range codes {
		c := cfg
		if _, err := applyComune(&c, code); err != nil {
			return err
		}
		opts, err := comuneOptions(c, code)
		if err != nil {
			return err
		}
		opts.Log = log.With("comune", code)
		srv, err := stores.open(code, c.Data, opts)
		if err != nil {
			return err
		}
		servers = append(servers, srv)
		opts.Log.Info("Comune opened", "name", cfg.Comuni[code].Name, "data", c.Data)
	}
	front, err := server.NewComuni(servers, server.ComuniOptions{Log: log})
	if err != nil {
		return err
	}
	defer front.Close()
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	var adminLns []net.Listener
	for _, srv := range servers {
		aln, err := srv.ListenAdmin()
		if err != nil {
			ln.Close()
			for _, l := range adminLns {
				l.Close()
			}
			return err
		}
		adminLns = append(adminLns, aln)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	for i, srv := range servers {
		wg.Add(2)
		go func() {
			defer wg.Done()
			// The kiosks' service goes on without a Comune's admin
			// socket: logged, and its commands say nothing answers.
			if err := srv.ServeAdmin(ctx, adminLns[i]); err != nil {
				log.Error("admin socket", "comune", srv.Comune(), "err", err)
			}
		}()
		go func() { defer wg.Done(); srv.RunGPD(ctx) }() // pagoPA GPD: each Comune's own creditor
	}
	err = front.Serve(ctx, ln, tlsCfg)
	cancel()
	wg.Wait() // the sockets' files are removed
	return err
}

// comuniStores open the Comuni's stores: each its bbolt file in its
// directory, or, on PostgreSQL, its tenant of one database through one
// pool of connections for all (a pool per Comune would take the
// database's connections a hundred Comuni at a time).
type comuniStores struct{ pg *kvpg.Store }

// openComuniStores connects to PostgreSQL when dsn is not "".
func openComuniStores(dsn string) (comuniStores, error) {
	if dsn == "" {
		return comuniStores{}, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), comuniPGTimeout)
	defer cancel()
	st, err := kvpg.Open(ctx, dsn, kvpg.Options{})
	if err != nil {
		return comuniStores{}, fmt.Errorf("PostgreSQL store: %w", err)
	}
	return comuniStores{pg: st}, nil
}

// comuniPGTimeout bounds the connection to PostgreSQL and its migrations,
// and making a Comune's tenant.
const comuniPGTimeout = 30 * time.Second

// open opens Comune code's server with dir as its data directory.
func (c comuniStores) open(code, dir string, opts server.Options) (*server.Server, error) {
	if c.pg == nil {
		return server.Open(dir, opts)
	}
	ctx, cancel := context.WithTimeout(context.Background(), comuniPGTimeout)
	defer cancel()
	if err := c.pg.CreateTenant(ctx, code); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("comuni: %s: data directory: %w", code, err)
	}
	if err := server.MarkStoreKind(dir, server.StoreKindPostgres); err != nil { // no bbolt file here without -config
		return nil, err
	}
	return server.OpenStore(c.pg.Tenant(code), dir, opts)
}

// close closes the pool, after the servers.
func (c comuniStores) close() {
	if c.pg != nil {
		c.pg.Close()
	}
}
