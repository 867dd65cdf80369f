package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"mensakiosk/central/server/kv"

	"mensakiosk/app"
	"mensakiosk/app/pagopa"
	"mensakiosk/central"
)

// Payment positions (specs/pagopa.md, "Payment positions"). A parent at
// the counter asks for a top-up; the server creates a position (GPD's debt
// position) with a notice code it generates, the counter shows the notice,
// the parent pays it anywhere, and pagoPA's receipt (receipts.go) marks it
// paid and credits the family once.
//
// Notice codes never repeat for the Comune. The IUV base is allocated as
// max(last base + 1, the clock in hundredths of a second since 1970) and
// stored in the same transaction as the position: the counter alone
// guards a running database (and a clock set back), the clock guards a
// database restored from an old backup, whose counter is behind codes
// already handed out (they were issued at earlier hundredths, unless the
// server issued more than 100 notices a second for a while before the
// backup was taken).

// Buckets of the positions.
var (
	bPositions  = []byte("positions")   // notice code → position JSON
	bTopUpKeys  = []byte("topup_keys")  // idempotency key → notice code
	bAccNotices = []byte("acc_notices") // account \0 notice code → nil
	kIUVBase    = []byte("iuv_base")    // meta: last IUV base given out

	// topUpBuckets are made by init with the others.
	topUpBuckets = [][]byte{bPositions, bTopUpKeys, bAccNotices, bReceipts, bCredits, bReceiptTokens, bReceiptTokenNames}
)

// position is a stored payment position: the notice and what the server
// keeps besides.
type position struct {
	app.Notice
	IdempotencyKey string `json:"idempotency_key"`
	// KioskID is the kiosk that asked for it ("" from the admin socket).
	KioskID string `json:"kiosk_id,omitempty"`
	// InvalidReason and InvalidAt: why and when the office withdrew it.
	InvalidReason string    `json:"invalid_reason,omitempty"`
	InvalidAt     time.Time `json:"invalid_at,omitzero"`
	// GPD is what pagoPA's GPD knows of it (gpd_publish.go); nil when the
	// server had no GPD when it was made.
	GPD *gpdState `json:"gpd,omitempty"`
}

// maxIdempotencyKey bounds an idempotency key's length.
const maxIdempotencyKey = 128

// noticeDay is the calendar day now in the Comune's time zone
// (Options.Location).
func (s *Server) noticeDay() app.Day {
	return app.Day(s.now().In(s.zone()).Format(time.DateOnly))
}

func (s *Server) zone() *time.Location {
	if s.loc != nil {
		return s.loc
	}
	return time.UTC
}

// current applies expiry: a valid position past its due date reads as
// expired. Paid and invalid positions stay as they are.
func current(p position, today app.Day) position {
	if p.State == app.NoticeValid && p.DueDate != "" && today > p.DueDate {
		p.State = app.NoticeExpired
	}
	return p
}

func getPosition(tx kv.Tx, code string) (position, bool, error) {
	v := tx.Bucket(bPositions).Get([]byte(code))
	if v == nil {
		return position{}, false, nil
	}
	var p position
	if err := json.Unmarshal(v, &p); err != nil {
		return position{}, false, fmt.Errorf("position %s: stored: %w", code, err)
	}
	return p, true, nil
}

func putPosition(tx kv.Tx, p position) error {
	data, err := json.Marshal(p)
	if err != nil {
		return err
	}
	return tx.Bucket(bPositions).Put([]byte(p.NoticeCode), data)
}

func codeErr(code, field, format string, args ...any) *central.Error {
	return &central.Error{Code: code, Field: field, Message: fmt.Sprintf(format, args...)}
}

// checkTopUp refuses a malformed request before the database is touched.
func (s *Server) checkTopUp(r app.TopUpRequest) error {
	cfg := s.pagopa.cfg
	if msg := checkID(string(r.AccountID)); msg != "" {
		return badRequest("account_id", "%s", msg)
	}
	switch k := r.IdempotencyKey; {
	case k == "":
		return badRequest("idempotency_key", "missing: a retry must be recognisable")
	case len(k) > maxIdempotencyKey:
		return badRequest("idempotency_key", "longer than %d bytes", maxIdempotencyKey)
	case checkID(k) != "":
		return badRequest("idempotency_key", "%s", checkID(k))
	}
	if r.Amount < cfg.MinCents || r.Amount > cfg.MaxCents {
		return badRequest("amount", "%d cents: a top-up is from %d to %d cents", r.Amount, cfg.MinCents, cfg.MaxCents)
	}
	return nil
}

// CreateTopUp creates a payment position for a family's top-up, or returns
// the one created before for the same idempotency key (created is then
// false). A reused key with another account or amount is refused
// (central.CodeIdempotencyConflict). Errors meant for the caller are
// *central.Error.
func (s *Server) CreateTopUp(kioskID string, r app.TopUpRequest) (n app.Notice, created bool, err error) {
	if err := s.checkTopUp(r); err != nil {
		return app.Notice{}, false, err
	}
	cfg := s.pagopa.cfg
	err = s.db.Update(func(tx kv.Tx) error {
		created = false
		keys := tx.Bucket(bTopUpKeys)
		if code := keys.Get([]byte(r.IdempotencyKey)); code != nil {
			p, ok, err := getPosition(tx, string(code))
			if err != nil {
				return err
			}
			if !ok {
				return fmt.Errorf("idempotency key %q names notice %s, which is missing", r.IdempotencyKey, code)
			}
			if p.AccountID != r.AccountID || p.Amount != r.Amount {
				return codeErr(central.CodeIdempotencyConflict, "idempotency_key",
					"the key was used for a top-up of %d cents to account %s (notice %s), not %d cents to account %s: use a new key for a new top-up",
					p.Amount, p.AccountID, p.NoticeCode, r.Amount, r.AccountID)
			}
			n = current(p, s.noticeDay()).Notice
			return nil
		}
		acc, ok, err := getJSON[app.Account](tx, app.KindAccount, string(r.AccountID))
		if err != nil {
			return err
		}
		if !ok {
			return codeErr(central.CodeUnknownAccount, "account_id", "unknown account %q", r.AccountID)
		}
		if strings.TrimSpace(acc.HolderFiscalCode) == "" {
			return codeErr(central.CodeNoDebtor, "account_id",
				"account %s has no holder_fiscal_code: the notice must name its debtor; import the holder's codice fiscale", r.AccountID)
		}
		code, err := s.allocateCode(tx)
		if err != nil {
			return err
		}
		now := s.now()
		day, _ := time.ParseInLocation(time.DateOnly, string(s.noticeDay()), s.zone())
		iuv := code[1:]
		p := position{
			Notice: app.Notice{
				IUPD:             cfg.Creditor.FiscalCode + "-" + iuv,
				NoticeCode:       code,
				AccountID:        r.AccountID,
				DebtorFiscalCode: strings.ToUpper(strings.TrimSpace(acc.HolderFiscalCode)),
				DebtorName:       truncateRunes(strings.TrimSpace(acc.Holder), 70),
				Amount:           r.Amount,
				Subject:          cfg.Subject,
				DueDate:          app.Day(day.AddDate(0, 0, cfg.DueDays).Format(time.DateOnly)),
				State:            app.NoticeValid,
				Created:          now,
				Creditor:         cfg.Creditor,
			},
			IdempotencyKey: r.IdempotencyKey,
			KioskID:        kioskID,
		}
		if err := s.gpdNew(tx, &p); err != nil { // gpd_publish.go
			return err
		}
		if err := putPosition(tx, p); err != nil {
			return err
		}
		created = true
		n = p.Notice
		return errors.Join(keys.Put([]byte(r.IdempotencyKey), []byte(code)),
			tx.Bucket(bAccNotices).Put(key(string(r.AccountID), code), nil))
	})
	if err != nil {
		return app.Notice{}, false, err
	}
	if created {
		s.log.Info("payment position created", "notice", n.NoticeCode, "account", n.AccountID, "amount", int64(n.Amount), "due", n.DueDate, "kiosk", kioskID)
	}
	n = s.gpdPublishNow(n) // gpd_publish.go: payable once pagoPA holds it
	return n, created, nil
}

// allocateCode gives out the next IUV base and makes its notice code.
func (s *Server) allocateCode(tx kv.Tx) (string, error) {
	meta := tx.Bucket(bMeta)
	last := getU64(meta, kIUVBase)
	base := max(last+1, uint64(max(s.now().UnixMilli()/10, 0)))
	for {
		code, err := pagopa.NewNoticeCode(s.pagopa.segregation, base)
		if err != nil {
			return "", fmt.Errorf("notice code for IUV base %d: %w", base, err)
		}
		// A code held already (another segregation's history, a clock far
		// behind) is skipped, never reissued.
		if tx.Bucket(bPositions).Get([]byte(code)) == nil {
			return code, meta.Put(kIUVBase, u64(base))
		}
		base++
	}
}

func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// Notice returns a position's notice by its code, its state current
// (expiry applied). An unknown code is central.CodeUnknownNotice.
func (s *Server) Notice(code string) (app.Notice, error) {
	var n app.Notice
	err := s.db.View(func(tx kv.Tx) error {
		p, ok, err := getPosition(tx, code)
		if err != nil {
			return err
		}
		if !ok {
			return codeErr(central.CodeUnknownNotice, "notice_code", "no notice %q", code)
		}
		n = current(p, s.noticeDay()).Notice
		return nil
	})
	return n, err
}

// FamilyNotices lists the notices issued to an account, newest first, with
// their states current (expiry applied). An account without notices (or
// unknown) has none.
func (s *Server) FamilyNotices(a app.AccountID) ([]app.Notice, error) {
	var out []app.Notice
	err := s.db.View(func(tx kv.Tx) error {
		out = out[:0]
		today := s.noticeDay()
		prefix := key(string(a), "")
		c := tx.Bucket(bAccNotices).Cursor()
		for k, _ := c.Seek(prefix); k != nil && strings.HasPrefix(string(k), string(prefix)); k, _ = c.Next() {
			code := string(k[len(prefix):])
			p, ok, err := getPosition(tx, code)
			if err != nil {
				return err
			}
			if !ok {
				return fmt.Errorf("account %s: notice %s is missing", a, code)
			}
			out = append(out, current(p, today).Notice)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(out, func(x, y app.Notice) int {
		if c := y.Created.Compare(x.Created); c != 0 {
			return c
		}
		return strings.Compare(y.NoticeCode, x.NoticeCode)
	})
	return out, nil
}

// ExpireNotices persists the expiry of the valid positions past their due
// date (reads apply it anyway) and returns how many it changed.
func (s *Server) ExpireNotices() (int, error) {
	n := 0
	err := s.db.Update(func(tx kv.Tx) error {
		n = 0
		today := s.noticeDay()
		var expired []position
		err := forEachStored(tx.Bucket(bPositions), "position %s: stored", func(k []byte, p position) error {
			if c := current(p, today); c.State != p.State {
				expired = append(expired, c)
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, p := range expired {
			if err := putPosition(tx, p); err != nil {
				return err
			}
		}
		n = len(expired)
		return nil
	})
	if n > 0 {
		s.log.Info("notices expired", "count", n)
	}
	return n, err
}

// InvalidateNotice withdraws a notice (the office's decision): it can no
// longer be paid. A paid notice cannot be withdrawn
// (central.CodeAlreadyPaid); withdrawing one withdrawn before changes
// nothing.
func (s *Server) InvalidateNotice(code, reason string) (app.Notice, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return app.Notice{}, badRequest("reason", "say why the notice is withdrawn")
	}
	if len(reason) > 500 || !utf8.ValidString(reason) {
		return app.Notice{}, badRequest("reason", "at most 500 bytes of UTF-8")
	}
	if nc, err := pagopa.ParseNoticeCode(code); err == nil {
		code = nc.Code
	}
	var n app.Notice
	changed := false
	err := s.db.Update(func(tx kv.Tx) error {
		changed = false
		p, ok, err := getPosition(tx, code)
		if err != nil {
			return err
		}
		if !ok {
			return codeErr(central.CodeUnknownNotice, "notice_code", "no notice %q", code)
		}
		switch p.State {
		case app.NoticePaid:
			return codeErr(central.CodeAlreadyPaid, "notice_code", "notice %s was paid (receipt %s): a paid notice cannot be withdrawn", code, receiptID(p))
		case app.NoticeInvalid:
			n = p.Notice
			return nil
		}
		p.State, p.InvalidReason, p.InvalidAt = app.NoticeInvalid, reason, s.now()
		changed = true
		n = p.Notice
		if p.GPD != nil { // withdrawn on pagoPA too: gpd_publish.go
			p.GPD.Invalidate = true
			if err := s.gpdQueue(tx, &p); err != nil {
				return err
			}
		}
		return putPosition(tx, p)
	})
	if changed {
		s.log.Info("notice invalidated", "notice", code, "reason", reason)
		s.gpdKick()
	}
	return n, err
}

func receiptID(p position) string {
	if p.Receipt == nil {
		return "?"
	}
	return p.Receipt.ReceiptID
}
