package server

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"mensakiosk/central/server/kv"

	"mensakiosk/app"
	"mensakiosk/central/gpd"
)

// Publishing the positions on pagoPA's GPD (specs/pagopa-gpd.md).
//
// A top-up made while GPD is configured is stored with a gpdState and its
// notice code in the outbox bucket, in the transaction that creates it:
// what GPD must still be told survives a restart. The outbox is worked by
// gpdProcess — once at once for a new top-up (so that the counter shows
// the avviso straight away), then by RunGPD's rounds with backoff. Every
// call is safe to repeat: a create answered 409 is read back and, with
// the same IUV and amount, is the earlier attempt that succeeded; an
// invalidate or a mark-paid answered 404/409/422 has nothing more to do.
//
// A notice is payable (Publication empty) only once GPD accepted it.
// Until then it is "preparing" (the first attempts) or "unavailable" (GPD
// could not be reached for a while; the server keeps trying). A position
// GPD refuses (400) is INVALID here and alarms the office.

var bGPDOutbox = []byte("gpd_outbox") // notice code → nil: GPD must still be told something

func init() { topUpBuckets = append(topUpBuckets, bGPDOutbox) }

// AlarmGPDRefused: GPD refused a position (its data); the notice is
// withdrawn, nothing is payable.
const AlarmGPDRefused = "gpd_refused"

// gpdState is what GPD knows of a position, and what it must still be
// told.
type gpdState struct {
	// Accepted: GPD holds the position (201, or 409 with our IUV and
	// amount).
	Accepted bool `json:"accepted,omitempty"`
	// Refused is GPD's reason for refusing it (a 400): final.
	Refused string `json:"refused,omitempty"`
	// Invalidate: the office withdrew the notice; Invalidated once GPD
	// took it (or had nothing to withdraw).
	Invalidate  bool `json:"invalidate,omitempty"`
	Invalidated bool `json:"invalidated,omitempty"`
	// MarkPaid is when the office took the payment in cash; MarkedPaid
	// once GPD marked the option paid (a receipt GPD then shows for it is
	// that cash, not a second payment).
	MarkPaid   time.Time `json:"mark_paid,omitzero"`
	MarkedPaid bool      `json:"marked_paid,omitempty"`
	// Attempts, LastError and NextTry: the current operation's retries.
	Attempts  int       `json:"attempts,omitempty"`
	LastError string    `json:"last_error,omitempty"`
	NextTry   time.Time `json:"next_try,omitzero"`
}

// gpdPreparingAttempts is how many failed attempts a notice stays
// "preparing" before it reads "unavailable".
const gpdPreparingAttempts = 3

// gpdMaxBackoff bounds the wait between two attempts.
const gpdMaxBackoff = 5 * time.Minute

// gpdOp is the next thing GPD must be told about a position.
type gpdOp int

const (
	gpdNothing gpdOp = iota
	gpdCreate
	gpdInvalidate
	gpdMarkPaid
)

func (g *gpdState) next() gpdOp {
	switch {
	case g == nil || g.Refused != "":
		return gpdNothing
	case g.Invalidate && !g.Invalidated:
		// Withdrawn before GPD accepted it: an invalidate answered 404 is
		// "nothing there", and a create whose answer was lost is found.
		return gpdInvalidate
	case !g.Accepted && !g.Invalidate:
		return gpdCreate
	case g.Accepted && !g.MarkPaid.IsZero() && !g.MarkedPaid:
		return gpdMarkPaid
	}
	return gpdNothing
}

// gpdNew marks a new position for GPD, in its creating transaction.
func (s *Server) gpdNew(tx kv.Tx, p *position) error {
	if s.pagopa.gpd == nil {
		return nil
	}
	p.GPD = &gpdState{}
	p.Publication = app.NoticePreparing
	return tx.Bucket(bGPDOutbox).Put([]byte(p.NoticeCode), nil)
}

// gpdQueue puts a position in the outbox (its gpdState says what to do)
// and wakes the worker. An entry already there keeps its lease
// (gpd_lease.go): the server working the position finds the new operation
// when it stores the outcome of its call.
func (s *Server) gpdQueue(tx kv.Tx, p *position) error {
	if p.GPD == nil {
		return nil
	}
	p.GPD.Attempts, p.GPD.NextTry = 0, time.Time{}
	if tx.Bucket(bGPDOutbox).Get([]byte(p.NoticeCode)) != nil {
		return nil
	}
	return tx.Bucket(bGPDOutbox).Put([]byte(p.NoticeCode), nil)
}

func (s *Server) gpdKick() {
	if c := s.pagopa.gpd; c != nil {
		select {
		case c.kick <- struct{}{}:
		default:
		}
	}
}

// gpdInflight keeps two goroutines from working one position at once.
var gpdInflight sync.Map // *Server \0 notice code → struct{}

// gpdPosition builds GPD's position from ours.
func (s *Server) gpdPosition(p position) gpd.Position {
	c := s.pagopa.gpd
	cfg := s.pagopa.cfg
	iuv := p.NoticeCode[1:]
	due, _ := time.ParseInLocation(time.DateOnly, string(p.DueDate), s.zone())
	// Payable through the whole due day, in the Comune's time zone.
	dueAt := due.AddDate(0, 0, 1).Add(-time.Second)
	desc := truncateRunes(p.Subject, 140)
	typ := gpd.TypeNaturalPerson
	if len(p.DebtorFiscalCode) == 11 { // a partita IVA: a legal person
		typ = gpd.TypeLegalPerson
	}
	return gpd.Position{
		IUPD:            p.IUPD,
		Type:            typ,
		FiscalCode:      p.DebtorFiscalCode,
		FullName:        p.DebtorName,
		SwitchToExpired: c.switchToExpired,
		CompanyName:     truncateRunes(cfg.Creditor.Name, 140),
		OfficeName:      truncateRunes(cfg.Creditor.Sector, 140),
		PaymentOption: []gpd.Option{{
			IUV:              iuv,
			Amount:           int64(p.Amount),
			Description:      desc,
			IsPartialPayment: false,
			DueDate:          gpd.At(dueAt),
			Transfer: []gpd.Transfer{{
				IDTransfer:            "1",
				Amount:                int64(p.Amount),
				RemittanceInformation: desc,
				Category:              c.category,
				IBAN:                  c.iban,
			}},
		}},
	}
}

// gpdPublishNow makes one attempt at once for a new top-up, bounded, and
// answers the notice as it then stands.
func (s *Server) gpdPublishNow(n app.Notice) app.Notice {
	if s.pagopa.gpd == nil || n.Publication != app.NoticePreparing {
		return n
	}
	ctx, cancel := context.WithTimeout(context.Background(), gpdCreateWait)
	defer cancel()
	if err := s.gpdProcess(ctx, n.NoticeCode, true); err != nil {
		s.log.Error("pagoPA GPD: publishing", "notice", n.NoticeCode, "err", err)
	}
	if cur, err := s.Notice(n.NoticeCode); err == nil {
		return cur
	}
	return n
}

// gpdCreateWait bounds the attempt a top-up waits for.
const gpdCreateWait = 5 * time.Second

// gpdProcess works one position of the outbox: one call to GPD (force:
// even before its NextTry), and its outcome stored. The error is the
// database's; GPD's failures are stored in the position and retried.
func (s *Server) gpdProcess(ctx context.Context, code string, force bool) error {
	c := s.pagopa.gpd
	if c == nil {
		return nil
	}
	k := fmt.Sprintf("%p\x00%s", s, code)
	if _, busy := gpdInflight.LoadOrStore(k, struct{}{}); busy {
		return nil
	}
	defer gpdInflight.Delete(k)
	p, op, expired, err := s.gpdClaim(code, force) // gpd_lease.go
	if expired {
		s.log.Warn("pagoPA GPD: the notice expired before GPD could take it; not published", "notice", code)
	}
	if err != nil || op == gpdNothing {
		return err
	}
	var callErr error
	var refused string
	switch op {
	case gpdCreate:
		_, callErr = c.client.Create(ctx, s.gpdPosition(p), true)
		if gpd.StatusOf(callErr) == http.StatusConflict {
			// The position exists: an earlier attempt whose answer was
			// lost, if it has our IUV and amount.
			got, gerr := c.client.Get(ctx, p.IUPD)
			switch {
			case gerr != nil:
				callErr = gerr
			case len(got.PaymentOption) == 1 && got.PaymentOption[0].IUV == p.NoticeCode[1:] && got.PaymentOption[0].Amount == int64(p.Amount):
				s.log.Info("pagoPA GPD: the position existed already (an earlier attempt): taken as published", "notice", code, "iupd", p.IUPD)
				callErr = nil
			default:
				callErr, refused = nil, fmt.Sprintf("GPD holds another position with IUPD %s (status %s): refused as a duplicate", p.IUPD, got.Status)
			}
		}
	case gpdInvalidate:
		callErr = c.client.Invalidate(ctx, p.IUPD)
		switch gpd.StatusOf(callErr) {
		case http.StatusNotFound:
			callErr = nil // nothing on GPD to withdraw
		case http.StatusConflict:
			// Paid (or expired) on pagoPA before the office withdrew it:
			// the payment poll brings the receipt in (credited, alarmed).
			s.log.Warn("pagoPA GPD: the position could not be withdrawn (paid or expired on pagoPA)", "notice", code, "err", callErr.Error())
			callErr = nil
		}
	case gpdMarkPaid:
		callErr = c.client.MarkPaid(ctx, code, p.GPD.MarkPaid)
		switch gpd.StatusOf(callErr) {
		case http.StatusConflict:
			// Paid on pagoPA as well: its receipt arrives as a second
			// one (receipt_already_paid: refund).
			s.log.Warn("pagoPA GPD: the notice paid in cash at the office was paid on pagoPA too", "notice", code)
			op, callErr = gpdNothing, nil
		case http.StatusNotFound, http.StatusUnprocessableEntity:
			s.log.Warn("pagoPA GPD: the notice paid in cash could not be marked paid on pagoPA (not payable there)", "notice", code, "err", callErr.Error())
			op, callErr = gpdNothing, nil
		}
	}
	if callErr != nil && !gpd.IsTransient(callErr) && op == gpdCreate {
		// A 404 is no refusal of the position: a wrong URL answers it.
		if st := gpd.StatusOf(callErr); st == http.StatusBadRequest || st == http.StatusUnprocessableEntity {
			refused, callErr = callErr.Error(), nil
		}
	}
	var raised []app.Alarm
	attempts := 0
	err = s.db.Update(func(tx kv.Tx) error {
		raised = nil
		p, ok, err := getPosition(tx, code)
		if err != nil {
			return err
		}
		if !ok || p.GPD == nil {
			return s.gpdRelease(tx, code, true) // gpd_lease.go
		}
		g := p.GPD
		now := s.now()
		if callErr != nil {
			g.Attempts++
			attempts = g.Attempts
			g.LastError = callErr.Error()
			wait := min(time.Second<<min(g.Attempts-1, 16), gpdMaxBackoff)
			if ra := gpd.RetryAfterOf(callErr); ra > wait {
				wait = min(ra, gpdMaxBackoff)
			}
			g.NextTry = now.Add(wait)
			if op == gpdCreate && g.Attempts >= gpdPreparingAttempts && p.Publication == app.NoticePreparing {
				p.Publication = app.NoticeUnavailable
			}
			if err := putPosition(tx, p); err != nil {
				return err
			}
			return s.gpdRelease(tx, code, false)
		}
		g.Attempts, g.LastError, g.NextTry = 0, "", time.Time{}
		switch {
		case refused != "":
			g.Refused = refused
			p.Publication = app.NoticeRefused
			if p.State == app.NoticeValid {
				p.State, p.InvalidReason, p.InvalidAt = app.NoticeInvalid, "refused by pagoPA GPD", now
			}
			a := app.Alarm{Code: AlarmGPDRefused, At: now, Message: fmt.Sprintf("pagoPA GPD refused notice %s (account %s): %s; the notice is withdrawn, nothing is payable", code, p.AccountID, oneLineGPD(refused))}
			raised = append(raised, a)
			if err := storeAlarm(tx, a); err != nil {
				return err
			}
		case op == gpdCreate:
			g.Accepted = true
			if p.Publication != app.NoticeRefused {
				p.Publication = ""
			}
		case op == gpdInvalidate:
			g.Invalidated = true
		case op == gpdMarkPaid:
			g.MarkedPaid = true
		case !g.MarkPaid.IsZero() && !g.MarkedPaid:
			g.MarkPaid = time.Time{} // nothing more to tell GPD about the cash
		}
		if err := putPosition(tx, p); err != nil {
			return err
		}
		return s.gpdRelease(tx, code, g.next() == gpdNothing)
	})
	for _, a := range raised {
		s.log.Error("alarm", "code", a.Code, "message", a.Message)
	}
	switch {
	case err != nil:
	case callErr != nil:
		// Bounded: the first failures of a position, then one in ten
		// (its backoff reaches 5 minutes).
		if attempts <= gpdPreparingAttempts || attempts%10 == 0 {
			s.log.Warn("pagoPA GPD: call failed; will retry", "notice", code, "op", opName(op), "attempt", attempts, "err", callErr.Error())
		}
	case refused == "" && op == gpdCreate:
		s.log.Info("pagoPA GPD: position published", "notice", code, "iupd", p.IUPD)
	case op == gpdInvalidate:
		s.log.Info("pagoPA GPD: position withdrawn", "notice", code)
	case op == gpdMarkPaid:
		s.log.Info("pagoPA GPD: option marked paid (cash at the office)", "notice", code)
	}
	return err
}

func opName(op gpdOp) string {
	return [...]string{"none", "create", "invalidate", "mark paid"}[op]
}

func oneLineGPD(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	return truncateRunes(s, 400)
}

// gpdWorkOutbox works every position of the outbox whose next try is due.
func (s *Server) gpdWorkOutbox(ctx context.Context) error {
	var codes []string
	err := s.db.View(func(tx kv.Tx) error {
		return tx.Bucket(bGPDOutbox).ForEach(func(k, _ []byte) error {
			codes = append(codes, string(k))
			return nil
		})
	})
	if err != nil {
		return err
	}
	for _, code := range codes {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err := s.gpdProcess(ctx, code, false); err != nil {
			return err
		}
	}
	return nil
}

// gpdOutboxLen counts the positions GPD must still be told about, and
// those not payable for now.
func gpdOutboxLen(tx kv.Tx) (pending, unavailable int, err error) {
	err = tx.Bucket(bGPDOutbox).ForEach(func(k, _ []byte) error {
		pending++
		p, ok, err := getPosition(tx, string(k))
		if err == nil && ok && p.Publication == app.NoticeUnavailable {
			unavailable++
		}
		return err
	})
	return
}
