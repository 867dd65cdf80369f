package server

import (
	"context"
	"errors"
	"time"

	"mensakiosk/central/server/kv"

	"mensakiosk/app"
	"mensakiosk/central"
	"mensakiosk/central/gpd"
)

// Payments come back from pagoPA's GPD by reading: every poll interval
// the server lists the positions PAID (and REPORTED, which follows) whose
// payment time is at or after the last payment it saw, less an overlap,
// page by page; each paid option of a position of ours becomes a receipt
// through RecordReceipt, the path of POST /v1/receipts, which credits a
// notice once whatever the number of times it is seen. The cursor moves
// only after a whole listing succeeded.

var kGPDPaidSince = []byte("gpd_paid_since") // meta: payment time of the last payment seen (RFC 3339)

const (
	// gpdOverlap is re-read before the cursor at every poll: a payment
	// GPD records late, with an earlier payment time, is still seen.
	gpdOverlap = 30 * time.Minute
	// gpdFirstWindow is how far back the first poll reads.
	gpdFirstWindow = 29 * 24 * time.Hour
	// gpdMaxWindow is the longest interval one listing asks for: GPD
	// refuses more than 30 days.
	gpdMaxWindow = 29 * 24 * time.Hour
	// gpdPSP names the PSP of a GPD payment that names none.
	gpdPSP = "pagoPA"
)

// gpdCashPaid tells GPD that the office took a notice's payment in cash
// (central paid), when the position is on GPD and this receipt credited
// it.
func (s *Server) gpdCashPaid(code, receiptID string) error {
	queued := false
	err := s.db.Update(func(tx kv.Tx) error {
		queued = false
		p, ok, err := getPosition(tx, code)
		if err != nil || !ok || p.GPD == nil || p.Receipt == nil || p.Receipt.ReceiptID != receiptID || !p.GPD.MarkPaid.IsZero() {
			return err
		}
		p.GPD.MarkPaid = p.Receipt.PaidAt
		if err := s.gpdQueue(tx, &p); err != nil {
			return err
		}
		queued = true
		return putPosition(tx, p)
	})
	if queued {
		s.gpdKick()
	}
	return err
}

// gpdPollPayments reads the payments GPD recorded since the cursor (less
// the overlap) and records each once.
func (s *Server) gpdPollPayments(ctx context.Context) (credited int, err error) {
	c := s.pagopa.gpd
	if c == nil {
		return 0, nil
	}
	var since time.Time
	if err := s.db.View(func(tx kv.Tx) error {
		if v := tx.Bucket(bMeta).Get(kGPDPaidSince); v != nil {
			return since.UnmarshalText(v)
		}
		return nil
	}); err != nil {
		return 0, err
	}
	now := s.now()
	to := now.Add(time.Hour) // the payment clock may run a little ahead of ours
	from := to.Add(-gpdFirstWindow)
	if !since.IsZero() {
		from = since.Add(-gpdOverlap)
	}
	latest := since
	// GPD refuses an interval over 30 days (max.days.interval): a longer
	// gap (a server stopped for weeks) is read window by window.
	for wFrom := from; wFrom.Before(to); wFrom = wFrom.Add(gpdMaxWindow) {
		wTo := wFrom.Add(gpdMaxWindow)
		if wTo.After(to) {
			wTo = to
		}
		for _, status := range []string{gpd.StatusPaid, gpd.StatusReported} {
			for page := 0; ; page++ {
				pg, err := c.client.List(ctx, gpd.ListQuery{Page: page, Limit: gpd.MaxLimit, Status: status, PaidFrom: wFrom, PaidTo: wTo, OrderBy: "INSERTED_DATE", Ordering: "ASC"})
				if err != nil {
					return credited, err
				}
				for _, pos := range pg.Positions {
					for _, o := range pos.PaymentOption {
						n, at, err := s.gpdRecordOption(o)
						if err != nil {
							return credited, err
						}
						credited += n
						if at.After(latest) && !at.After(now.Add(time.Hour)) {
							latest = at
						}
					}
				}
				if page+1 >= pg.PageInfo.TotalPages || len(pg.Positions) == 0 {
					break
				}
			}
		}
	}
	if latest.After(since) {
		err = s.db.Update(func(tx kv.Tx) error {
			// Another server polling beside this one (one database,
			// several servers) may have moved it further: it never goes
			// back.
			var stored time.Time
			if v := tx.Bucket(bMeta).Get(kGPDPaidSince); v != nil && stored.UnmarshalText(v) == nil && !latest.After(stored) {
				return nil
			}
			v, err := latest.UTC().MarshalText()
			if err != nil {
				return err
			}
			return tx.Bucket(bMeta).Put(kGPDPaidSince, v)
		})
	}
	return credited, err
}

// gpdRecordOption records a paid option of GPD as a receipt: 1 when it
// credited a notice now. Options of positions that are not ours (the
// Comune's other services share its GPD), unpaid ones, ones seen before
// and the office's own cash marks are passed over.
func (s *Server) gpdRecordOption(o gpd.OptionResponse) (int, time.Time, error) {
	var at time.Time
	if o.PaymentDate != nil {
		at = o.PaymentDate.Time
	}
	switch o.Status {
	case gpd.OptionPaid, gpd.OptionReported, gpd.OptionPartiallyReported:
	default:
		return 0, at, nil
	}
	code := o.NAV
	if code == "" {
		code = "3" + o.IUV
	}
	var p position
	var ok bool
	if err := s.db.View(func(tx kv.Tx) error {
		var err error
		p, ok, err = getPosition(tx, code)
		return err
	}); err != nil {
		return 0, at, err
	}
	rid := o.IDReceipt
	if rid == "" {
		rid = "gpd-" + code
	}
	switch {
	case !ok || p.GPD == nil || p.IUPD == "":
		return 0, at, nil // not a top-up of ours
	case p.GPD.MarkedPaid:
		return 0, at, nil // the office's cash, marked by us
	case p.Receipt != nil && p.Receipt.ReceiptID == rid:
		return 0, at, nil // seen before (the polls overlap)
	}
	if at.IsZero() {
		at = s.now()
	}
	psp := o.PSPCompany
	if psp == "" {
		psp = gpdPSP
	}
	_, again, err := s.recordReceipt(app.Receipt{ReceiptID: rid, NoticeCode: code, Amount: app.Cents(o.Amount), PaidAt: at, PSP: truncateRunes(psp, maxPSP)})
	var ce *central.Error
	switch {
	case err == nil && again:
		return 0, at, nil // credited meanwhile (another server's poll)
	case err == nil:
		return 1, at, nil
	case errors.As(err, &ce):
		// Kept and alarmed by RecordReceipt (a second payment, …).
		return 0, at, nil
	}
	return 0, at, err
}

// GPDRound works the outbox once and reads the payments once: what RunGPD
// does at each tick (the tests call it to be deterministic).
func (s *Server) GPDRound(ctx context.Context) (credited int, err error) {
	if s.pagopa.gpd == nil {
		return 0, nil
	}
	if err := s.gpdWorkOutbox(ctx); err != nil {
		return 0, err
	}
	return s.gpdPollPayments(ctx)
}

// GPDConfigured tells whether notices are published on pagoPA.
func (s *Server) GPDConfigured() bool { return s.pagopa.gpd != nil }

// RunGPD publishes the positions and reads the payments back until ctx
// ends. Without GPD it says once, plainly, that notices are not payable,
// and returns.
func (s *Server) RunGPD(ctx context.Context) {
	c := s.pagopa.gpd
	if c == nil {
		s.log.Warn("pagoPA GPD not configured: notices are NOT payable on pagoPA (the positions exist on this server only: demo and tests); configure \"pagopa\".\"gpd\" (docs/central.md)")
		return
	}
	s.log.Info("pagoPA GPD: publishing notices and reading payments", "url", c.url, "poll", c.poll.String())
	outboxTick := time.NewTicker(time.Second)
	defer outboxTick.Stop()
	var nextPoll time.Time
	pollWait := c.poll
	failing := false
	for {
		if err := s.gpdWorkOutbox(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("pagoPA GPD: outbox", "err", err)
		}
		if now := time.Now(); !now.Before(nextPoll) {
			n, err := s.gpdPollPayments(ctx)
			switch {
			case ctx.Err() != nil:
				return
			case err != nil:
				// Backoff on 429 and 5xx, at most ten times the interval.
				pollWait = min(max(pollWait*2, gpd.RetryAfterOf(err)), 10*c.poll)
				if !failing {
					s.log.Warn("pagoPA GPD: reading payments failed; will retry", "err", err.Error(), "retry_in", pollWait.String())
				}
				failing = true
			default:
				if failing {
					s.log.Info("pagoPA GPD: reading payments works again")
				}
				failing, pollWait = false, c.poll
				if n > 0 {
					s.log.Info("pagoPA GPD: payments credited", "count", n)
				}
			}
			nextPoll = now.Add(pollWait)
		}
		select {
		case <-ctx.Done():
			return
		case <-c.kick:
		case <-outboxTick.C:
		}
	}
}

// GPDFlush sends GPD what it must still be told (the outbox), at once:
// the office's commands run it after a change.
func (s *Server) GPDFlush(ctx context.Context) error {
	if s.pagopa.gpd == nil {
		return nil
	}
	return s.gpdWorkOutbox(ctx)
}
