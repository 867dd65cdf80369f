package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"mensakiosk/central/server/kv"

	"mensakiosk/app"
	"mensakiosk/app/pagopa"
	"mensakiosk/central"
)

// Receipts. pagoPA tells the creditor that a notice was paid with a
// receipt (receipt id, notice code, amount, payment time, PSP). The
// reference server takes it on POST /v1/receipts (a receipts token only,
// never a kiosk's), or from the office's `central paid`, or in-process
// (the demo): all three are RecordReceipt.
//
// Money received is never lost: every receipt with a new id is stored,
// whatever its fate, and the office is alarmed of anything unusual. A
// notice is credited to its family exactly once, in the transaction that
// marks it paid, through one ledger entry keyed by the notice code.

var (
	bReceipts          = []byte("receipts")            // receipt id → storedReceipt JSON
	bCredits           = []byte("credits")             // notice code → credit JSON: the family's credit, once
	bReceiptTokens     = []byte("receipt_tokens")      // sha256(token) → name
	bReceiptTokenNames = []byte("receipt_token_names") // name → sha256(token)
)

// Alarm codes of receipts (for the office: `central alarms`).
const (
	// AlarmReceiptUnknownNotice: a receipt for a notice the server never
	// issued; kept, nothing credited.
	AlarmReceiptUnknownNotice = "receipt_unknown_notice"
	// AlarmReceiptAlreadyPaid: a second receipt (another id) for a paid
	// notice: the family paid twice; kept, not credited, to refund.
	AlarmReceiptAlreadyPaid = "receipt_already_paid"
	// AlarmReceiptAmount: the amount paid differs from the notice's; the
	// amount paid is credited.
	AlarmReceiptAmount = "receipt_amount_mismatch"
	// AlarmReceiptNotPayable: a receipt for an expired or withdrawn
	// notice; recorded and credited all the same.
	AlarmReceiptNotPayable = "receipt_not_payable"
	// AlarmReceiptNoAccount: the notice's account is gone; the credit is
	// on its ledger, which a re-import of the account picks up.
	AlarmReceiptNoAccount = "receipt_no_account"
)

// Outcomes of a stored receipt.
const (
	outcomeCredited    = "credited"
	outcomeUnknown     = "unknown_notice"
	outcomeAlreadyPaid = "already_paid"
)

// storedReceipt is a receipt as kept, with what became of it.
type storedReceipt struct {
	app.Receipt
	ReceivedAt time.Time     `json:"received_at"`
	Outcome    string        `json:"outcome"`
	AccountID  app.AccountID `json:"account_id,omitempty"`
}

// credit is a notice's ledger entry: the amount credited to the account.
type credit struct {
	ReceiptID string        `json:"receipt_id"`
	AccountID app.AccountID `json:"account_id"`
	Amount    app.Cents     `json:"amount"`
	At        time.Time     `json:"at"`
}

const maxPSP = 140

// checkReceipt refuses a malformed receipt; the notice code comes back
// normalised (spaces between groups removed).
func checkReceipt(r *app.Receipt) error {
	if msg := checkID(r.ReceiptID); msg != "" {
		return badRequest("receipt_id", "%s", msg)
	}
	nc, err := pagopa.ParseNoticeCode(r.NoticeCode)
	if err != nil {
		return badRequest("notice_code", "%v", err)
	}
	r.NoticeCode = nc.Code
	if err := pagopa.CheckAmount(int64(r.Amount)); err != nil {
		return badRequest("amount", "%v", err)
	}
	if r.PaidAt.IsZero() {
		return badRequest("paid_at", "missing")
	}
	r.PSP = strings.TrimSpace(r.PSP)
	switch {
	case r.PSP == "":
		return badRequest("psp", "missing (the payment service provider's name)")
	case len(r.PSP) > maxPSP || !utf8.ValidString(r.PSP) || checkID(r.PSP) != "":
		return badRequest("psp", "at most %d bytes of printable UTF-8", maxPSP)
	}
	return nil
}

// RecordReceipt records pagoPA's receipt for a notice: the notice becomes
// PAID and its family is credited the amount paid, exactly once, in one
// transaction. The same receipt again answers the same and credits
// nothing more. What the receipt cannot settle is answered with a
// *central.Error, and the receipt is kept and the office alarmed all the
// same: a notice never issued (central.CodeUnknownNotice), a notice paid
// already by another receipt (central.CodeAlreadyPaid). An amount unlike
// the notice's, or a notice expired or withdrawn, is credited as paid,
// with an alarm. A receipt id seen before for another notice is refused
// (central.CodeReceiptConflict).
func (s *Server) RecordReceipt(r app.Receipt) (app.Notice, error) {
	n, _, err := s.recordReceipt(r)
	return n, err
}

// recordReceipt is RecordReceipt; again is true for a receipt recorded
// before (by this server or, on one database, another).
func (s *Server) recordReceipt(r app.Receipt) (_ app.Notice, again bool, _ error) {
	if err := checkReceipt(&r); err != nil {
		return app.Notice{}, false, err
	}
	var (
		n       app.Notice
		raised  []app.Alarm
		outcome error // the caller's answer, with the transaction committed
		dup     bool
	)
	err := s.db.Update(func(tx kv.Tx) error {
		n, raised, outcome, dup = app.Notice{}, nil, nil, false
		rb := tx.Bucket(bReceipts)
		if old := rb.Get([]byte(r.ReceiptID)); old != nil {
			dup = true
			var st storedReceipt
			if err := json.Unmarshal(old, &st); err != nil {
				return fmt.Errorf("receipt %s: stored: %w", r.ReceiptID, err)
			}
			if st.NoticeCode != r.NoticeCode {
				return codeErr(central.CodeReceiptConflict, "receipt_id", "receipt %s was recorded for notice %s, not %s", r.ReceiptID, st.NoticeCode, r.NoticeCode)
			}
			switch st.Outcome {
			case outcomeUnknown:
				return codeErr(central.CodeUnknownNotice, "notice_code", "no notice %s: the receipt is kept for the office", r.NoticeCode)
			case outcomeAlreadyPaid:
				return codeErr(central.CodeAlreadyPaid, "notice_code", "notice %s was paid by another receipt: this receipt is kept for the office (refund)", r.NoticeCode)
			}
			p, ok, err := getPosition(tx, r.NoticeCode)
			if err != nil {
				return err
			}
			if !ok {
				return fmt.Errorf("receipt %s credited notice %s, which is missing", r.ReceiptID, r.NoticeCode)
			}
			n = p.Notice
			return nil
		}
		now := s.now()
		st := storedReceipt{Receipt: r, ReceivedAt: now}
		alarm := func(code, format string, args ...any) error {
			a := app.Alarm{Code: code, At: now, Message: fmt.Sprintf(format, args...)}
			raised = append(raised, a)
			return storeAlarm(tx, a)
		}
		p, ok, err := getPosition(tx, r.NoticeCode)
		switch {
		case err != nil:
			return err
		case !ok:
			st.Outcome = outcomeUnknown
			outcome = codeErr(central.CodeUnknownNotice, "notice_code", "no notice %s: the receipt is kept for the office", r.NoticeCode)
			if err := alarm(AlarmReceiptUnknownNotice, "receipt %s (%s, %d cents, paid %s) is for notice %s, which this server never issued: kept, nothing credited",
				r.ReceiptID, r.PSP, r.Amount, r.PaidAt.UTC().Format(time.RFC3339), r.NoticeCode); err != nil {
				return err
			}
			return putJSON(rb, r.ReceiptID, st)
		case p.State == app.NoticePaid:
			st.Outcome, st.AccountID = outcomeAlreadyPaid, p.AccountID
			outcome = codeErr(central.CodeAlreadyPaid, "notice_code", "notice %s was paid by another receipt: this receipt is kept for the office (refund)", r.NoticeCode)
			if err := alarm(AlarmReceiptAlreadyPaid, "notice %s (account %s) was paid twice: receipt %s credited it, receipt %s (%s, %d cents) is not credited: refund it",
				r.NoticeCode, p.AccountID, receiptID(p), r.ReceiptID, r.PSP, r.Amount); err != nil {
				return err
			}
			return putJSON(rb, r.ReceiptID, st)
		}
		if state := current(p, s.noticeDay()).State; state != app.NoticeValid {
			if err := alarm(AlarmReceiptNotPayable, "notice %s (account %s) was %s when receipt %s arrived: recorded and credited all the same",
				r.NoticeCode, p.AccountID, state, r.ReceiptID); err != nil {
				return err
			}
		}
		if r.Amount != p.Amount {
			if err := alarm(AlarmReceiptAmount, "notice %s (account %s) was for %d cents, receipt %s paid %d: the amount paid is credited",
				r.NoticeCode, p.AccountID, p.Amount, r.ReceiptID, r.Amount); err != nil {
				return err
			}
		}
		cb := tx.Bucket(bCredits)
		if cb.Get([]byte(r.NoticeCode)) != nil {
			return fmt.Errorf("notice %s: credited before but not marked paid", r.NoticeCode)
		}
		found, err := creditAccount(tx, p.AccountID, r.Amount, now)
		if err != nil {
			return err
		}
		if !found {
			if err := alarm(AlarmReceiptNoAccount, "notice %s was paid (receipt %s, %d cents) but account %s is gone: the credit waits on its ledger for the account's re-import",
				r.NoticeCode, r.ReceiptID, r.Amount, p.AccountID); err != nil {
				return err
			}
		}
		rc := r
		p.State, p.Receipt = app.NoticePaid, &rc
		st.Outcome, st.AccountID = outcomeCredited, p.AccountID
		n = p.Notice
		return errors.Join(putPosition(tx, p), putJSON(rb, r.ReceiptID, st),
			putJSON(cb, r.NoticeCode, credit{ReceiptID: r.ReceiptID, AccountID: p.AccountID, Amount: r.Amount, At: now}))
	})
	if err != nil {
		return app.Notice{}, false, err
	}
	for _, a := range raised {
		s.log.Error("alarm", "code", a.Code, "message", a.Message)
	}
	switch {
	case dup:
		s.log.Info("receipt again", "receipt", r.ReceiptID, "notice", r.NoticeCode)
	case outcome == nil:
		s.log.Info("notice paid", "receipt", r.ReceiptID, "notice", r.NoticeCode, "account", n.AccountID, "amount", int64(r.Amount), "psp", r.PSP)
	}
	return n, dup, outcome
}

// creditAccount adds amount to the account's balance (as a negative
// charge on its ledger, so a re-import of the opening balance keeps it)
// and rewrites the account record at a new revision, so that every kiosk
// pulls the new balance. found is false when the account record is gone:
// the ledger still takes the credit.
func creditAccount(tx kv.Tx, acc app.AccountID, amount app.Cents, now time.Time) (found bool, err error) {
	opening, charged, _ := getLedger(tx, acc)
	charged -= amount
	if err := putLedger(tx, acc, opening, charged); err != nil {
		return false, err
	}
	rec, ok, err := getJSON[app.Account](tx, app.KindAccount, string(acc))
	if err != nil || !ok {
		return false, err
	}
	rec.Balance, rec.BalanceAsOf = opening-charged, now
	data, err := json.Marshal(rec)
	if err != nil {
		return false, err
	}
	_, _, err = putRecord(tx, app.KindAccount, string(acc), data)
	return true, err
}

func putJSON(b kv.Bucket, k string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.Put([]byte(k), data)
}

// storeAlarm appends an alarm for the office.
func storeAlarm(tx kv.Tx, a app.Alarm) error {
	data, err := json.Marshal(a)
	if err != nil {
		return err
	}
	meta := tx.Bucket(bMeta)
	n := getU64(meta, kAlarmN) + 1
	return errors.Join(meta.Put(kAlarmN, u64(n)), tx.Bucket(bAlarms).Put(u64(n), data))
}

// --- receipts tokens

// CreateReceiptToken makes a token that may only post receipts (POST
// /v1/receipts): the one the Comune's pagoPA connector uses. It is shown
// once; only its SHA-256 is stored. A new token for the same name replaces
// the previous one. Receipts tokens and kiosk tokens are kept apart: a
// kiosk token cannot post receipts, a receipts token cannot pull or push.
func (s *Server) CreateReceiptToken(name string) (string, error) {
	if !ValidKioskID(name) {
		return "", fmt.Errorf("receipts token name %q: want 1 to 64 letters, digits, '.', '_' or '-'", name)
	}
	token, err := s.newToken()
	if err != nil {
		return "", err
	}
	err = s.db.Update(func(tx kv.Tx) error {
		return receiptTokens.put(tx, name, tokenHash(token), []byte(name))
	})
	if err != nil {
		return "", err
	}
	s.log.Info("receipts token created", "name", name)
	return token, nil
}

// RevokeReceiptToken revokes a receipts token.
func (s *Server) RevokeReceiptToken(name string) error { return s.revokeToken(receiptTokens, name) }

// receiptsTokenName returns the name of a receipts token, or "".
func (s *Server) receiptsTokenName(token string) (string, error) {
	var name string
	err := s.db.View(func(tx kv.Tx) error {
		name = string(tx.Bucket(bReceiptTokens).Get(tokenHash(token)))
		return nil
	})
	return name, err
}
