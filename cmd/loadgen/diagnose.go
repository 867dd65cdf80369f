package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"mensakiosk/central/server/kv/kvpg"
)

// slowRun is the time from which a transaction's run is listed by
// -diagnose (a request's p99 goal is 50 ms).
const slowRun = 25 * time.Millisecond

// diagnosis is what -diagnose gathers during a run on PostgreSQL: each
// transaction's timing (kvpg.Options.Observe), samples of what the
// database's sessions wait for (pg_stat_activity), the checkpoints, WAL
// and vacuums counted by the statistics views, and what the server wrote
// to its log (checkpoints, lock waits of a second or more).
type diagnosis struct {
	mu   sync.Mutex
	runs []kvpg.RunTiming // writable: every run; views: the slow ones
	// views counts every View run.
	views int

	conn    *pgx.Conn
	logPath string
	logFrom int64
	before  pgCounters
	waits   map[string]int
	samples int
	stop    chan struct{}
	done    chan struct{}
}

// observing is the diagnosis the servers' stores report their runs to
// (openPostgresServer); nil without -diagnose.
var observing struct {
	sync.Mutex
	d *diagnosis
}

func observeRun(t kvpg.RunTiming) {
	observing.Lock()
	d := observing.d
	observing.Unlock()
	if d == nil {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if !t.Writable {
		d.views++
		if t.Total < slowRun {
			return
		}
	}
	d.runs = append(d.runs, t)
}

// pgCounters are the cumulative statistics read before and after a run.
type pgCounters struct {
	at                                         time.Time
	ckptTimed, ckptReq                         int64
	ckptWriteMs, ckptSyncMs                    float64
	buffersCkpt, buffersClean, buffersBackend  int64
	walRecords, walFPI, walBytes               int64
	walSync                                    int64
	autovacuums, autoanalyzes, deadTup, liveTp int64
}

func readCounters(ctx context.Context, c *pgx.Conn) (pgCounters, error) {
	var p pgCounters
	p.at = time.Now()
	err := c.QueryRow(ctx, `SELECT checkpoints_timed, checkpoints_req, checkpoint_write_time, checkpoint_sync_time,
		buffers_checkpoint, buffers_clean, buffers_backend FROM pg_stat_bgwriter`).Scan(
		&p.ckptTimed, &p.ckptReq, &p.ckptWriteMs, &p.ckptSyncMs, &p.buffersCkpt, &p.buffersClean, &p.buffersBackend)
	if err != nil {
		return p, fmt.Errorf("pg_stat_bgwriter: %w", err)
	}
	err = c.QueryRow(ctx, `SELECT wal_records, wal_fpi, wal_bytes::bigint, wal_sync FROM pg_stat_wal`).Scan(
		&p.walRecords, &p.walFPI, &p.walBytes, &p.walSync)
	if err != nil {
		return p, fmt.Errorf("pg_stat_wal: %w", err)
	}
	err = c.QueryRow(ctx, `SELECT coalesce(sum(autovacuum_count),0)::bigint, coalesce(sum(autoanalyze_count),0)::bigint,
		coalesce(sum(n_dead_tup),0)::bigint, coalesce(sum(n_live_tup),0)::bigint FROM pg_stat_user_tables`).Scan(
		&p.autovacuums, &p.autoanalyzes, &p.deadTup, &p.liveTp)
	if err != nil {
		return p, fmt.Errorf("pg_stat_user_tables: %w", err)
	}
	return p, nil
}

// startDiagnosis begins gathering on database dsn, whose server logs to
// logPath.
func startDiagnosis(ctx context.Context, dsn, logPath string) (*diagnosis, error) {
	c, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return nil, err
	}
	d := &diagnosis{conn: c, logPath: logPath, waits: map[string]int{}, stop: make(chan struct{}), done: make(chan struct{})}
	if fi, err := os.Stat(logPath); err == nil {
		d.logFrom = fi.Size()
	}
	if d.before, err = readCounters(ctx, c); err != nil {
		c.Close(ctx)
		return nil, err
	}
	observing.Lock()
	observing.d = d
	observing.Unlock()
	go d.sample(ctx)
	return d, nil
}

// sample reads pg_stat_activity every 10 ms: what each session that is
// not idle waits for (or "CPU" when it waits for nothing), by statement.
func (d *diagnosis) sample(ctx context.Context) {
	defer close(d.done)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-d.stop:
			return
		case <-tick.C:
		}
		rows, err := d.conn.Query(ctx, `SELECT backend_type, coalesce(state, ''), coalesce(wait_event_type, ''), coalesce(wait_event, ''),
			left(regexp_replace(query, '\s+', ' ', 'g'), 48) FROM pg_stat_activity
			WHERE pid <> pg_backend_pid() AND (backend_type <> 'client backend' OR state NOT IN ('idle'))`)
		if err != nil {
			continue
		}
		var keys []string
		for rows.Next() {
			var bt, state, wt, we, q string
			if rows.Scan(&bt, &state, &wt, &we, &q) != nil {
				continue
			}
			if bt != "client backend" && wt == "Activity" {
				continue // a background process asleep between rounds
			}
			w := wt + ":" + we
			if wt == "" {
				w = "CPU"
			}
			if bt == "client backend" {
				if state != "active" {
					q = state
				}
				keys = append(keys, fmt.Sprintf("%-12s %-36s %s", "client", w, q))
			} else {
				keys = append(keys, fmt.Sprintf("%-12s %-36s", bt, w))
			}
		}
		rows.Close()
		d.mu.Lock()
		d.samples++
		for _, k := range keys {
			d.waits[k]++
		}
		d.mu.Unlock()
	}
}

// finish stops gathering and writes what was found.
func (d *diagnosis) finish(ctx context.Context, w io.Writer) error {
	close(d.stop)
	<-d.done
	observing.Lock()
	observing.d = nil
	observing.Unlock()
	defer d.conn.Close(ctx)
	after, err := readCounters(ctx, d.conn)
	if err != nil {
		return err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	b := d.before
	fmt.Fprintf(w, "  diagnosis (-diagnose) over %s:\n", after.at.Sub(b.at).Round(time.Millisecond))
	fmt.Fprintf(w, "    checkpoints: %d timed, %d requested; their writes %.0f ms, syncs %.0f ms; buffers written by checkpoints %d, bgwriter %d, backends %d\n",
		after.ckptTimed-b.ckptTimed, after.ckptReq-b.ckptReq, after.ckptWriteMs-b.ckptWriteMs, after.ckptSyncMs-b.ckptSyncMs,
		after.buffersCkpt-b.buffersCkpt, after.buffersClean-b.buffersClean, after.buffersBackend-b.buffersBackend)
	fmt.Fprintf(w, "    WAL: %d records, %d full-page images, %.1f MB, %d syncs; autovacuums %d, autoanalyzes %d; dead tuples %d → %d\n",
		after.walRecords-b.walRecords, after.walFPI-b.walFPI, float64(after.walBytes-b.walBytes)/1e6, after.walSync-b.walSync,
		after.autovacuums-b.autovacuums, after.autoanalyzes-b.autoanalyzes, b.deadTup, after.deadTup)

	var ups []kvpg.RunTiming
	var slowViews []kvpg.RunTiming
	for _, r := range d.runs {
		if r.Writable {
			ups = append(ups, r)
		} else {
			slowViews = append(slowViews, r)
		}
	}
	carried, grouped := 0, 0
	for _, r := range ups {
		carried += r.Updates
		if r.Updates > 1 {
			grouped++
		}
	}
	fmt.Fprintf(w, "    transactions: %d Update runs carrying %d Updates (%d runs a group of several, kvpg's group commit), %d View runs (%d of them ≥ %s)\n",
		len(ups), carried, grouped, d.views, len(slowViews), slowRun)
	if len(ups) > 0 {
		q := func(f func(kvpg.RunTiming) time.Duration) string {
			v := make([]time.Duration, len(ups))
			for i, r := range ups {
				v[i] = f(r)
			}
			slices.Sort(v)
			return fmt.Sprintf("%5.1f/%6.1f", ms(v[len(v)/2]), ms(v[min(len(v)-1, len(v)*99/100)]))
		}
		fmt.Fprintf(w, "    Update runs, p50/p99 ms: queued for the group committer %s (not in total); total %s = turn %s + conn %s + lock %s + begin %s + fn %s (reads' wait %s) + commit %s\n",
			q(func(r kvpg.RunTiming) time.Duration { return r.Queued }),
			q(func(r kvpg.RunTiming) time.Duration { return r.Total }), q(func(r kvpg.RunTiming) time.Duration { return r.Turn }),
			q(func(r kvpg.RunTiming) time.Duration { return r.Acquire }), q(func(r kvpg.RunTiming) time.Duration { return r.Lock }),
			q(func(r kvpg.RunTiming) time.Duration { return r.Begin }), q(func(r kvpg.RunTiming) time.Duration { return r.Fn }),
			q(func(r kvpg.RunTiming) time.Duration { return r.ReadWait }), q(func(r kvpg.RunTiming) time.Duration { return r.Commit }))
	}
	var slow []kvpg.RunTiming
	for _, r := range d.runs {
		if r.Total >= slowRun {
			slow = append(slow, r)
		}
	}
	sort.Slice(slow, func(i, j int) bool { return slow[i].Total > slow[j].Total })
	fmt.Fprintf(w, "    runs ≥ %s: %d; the slowest (ms: total = turn + conn + lock + begin + fn [reads, their wait] + commit [keys written] {Updates carried, queued ms}):\n", slowRun, len(slow))
	for _, r := range slow[:min(len(slow), 12)] {
		kind := "Update"
		if !r.Writable {
			kind = "View"
		}
		errs := ""
		if r.Err != nil {
			errs = " err: " + r.Err.Error()
		}
		fmt.Fprintf(w, "      %s +%6.0fms %-6s %6.1f = %5.1f + %5.1f + %5.1f + %5.1f + %6.1f [%4d, %6.1f] + %6.1f [%5d] {%d, %.1f}%s\n",
			r.Start.Format("15:04:05.000"), ms(r.Start.Sub(b.at)), kind, ms(r.Total), ms(r.Turn), ms(r.Acquire), ms(r.Lock), ms(r.Begin),
			ms(r.Fn), r.Reads, ms(r.ReadWait), ms(r.Commit), r.Writes, r.Updates, ms(r.Queued), errs)
	}
	type kc struct {
		k string
		n int
	}
	var waits []kc
	for k, n := range d.waits {
		waits = append(waits, kc{k, n})
	}
	sort.Slice(waits, func(i, j int) bool { return waits[i].n > waits[j].n })
	fmt.Fprintf(w, "    pg_stat_activity, %d samples every 10 ms: sessions seen (average per sample) by what they wait for:\n", d.samples)
	for _, x := range waits[:min(len(waits), 14)] {
		fmt.Fprintf(w, "      %5.2f  %s\n", float64(x.n)/float64(max(1, d.samples)), x.k)
	}
	if f, err := os.Open(d.logPath); err == nil {
		defer f.Close()
		if _, err := f.Seek(d.logFrom, io.SeekStart); err == nil {
			sc := bufio.NewScanner(f)
			n := 0
			for sc.Scan() {
				l := sc.Text()
				if strings.Contains(l, "checkpoint") || strings.Contains(l, "lock") || strings.Contains(l, "automatic vacuum") {
					if n++; n <= 20 {
						fmt.Fprintf(w, "    server log: %s\n", l)
					}
				}
			}
		}
	}
	return nil
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
