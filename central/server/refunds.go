package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"mensakiosk/central/server/kv"

	"mensakiosk/app"
	"mensakiosk/central"
)

// Refunds: money the office paid back to a family out of its balance
// (the family leaves, or asks for its credit back). `central refund`
// records one: the balance goes down by the amount, on the ledger like a
// receipt's credit (so a re-import of the opening balance keeps it) and
// the account is rewritten so that every kiosk pulls the new balance; the
// yearly certificate counts it as a negative payment on its day. A second
// receipt for a notice already paid (receipt_already_paid) was never
// credited: its refund is not recorded here.

// bRefunds holds the refunds: account \0 refund id → Refund JSON.
var bRefunds = []byte("refunds")

// Refund is money paid back to a family.
type Refund struct {
	ID        string        `json:"id"`
	AccountID app.AccountID `json:"account_id"`
	// Amount is positive: what the family got back.
	Amount app.Cents `json:"amount"`
	At     time.Time `json:"at"`
	Reason string    `json:"reason"`
}

// maxRefund bounds a refund (a typo guard, like maxOpening).
const maxRefund = maxOpening

// RecordRefund records a refund of amount to account acc, once per id (id
// "" makes one from the time). The same id again with the same account
// and amount changes nothing (created false); with another account or
// amount it is refused.
func (s *Server) RecordRefund(acc app.AccountID, id string, amount app.Cents, reason string) (r Refund, created bool, err error) {
	reason = strings.TrimSpace(reason)
	now := s.now()
	if id == "" {
		id = "refund-" + now.UTC().Format("20060102T150405.000000000")
	}
	switch {
	case checkID(string(acc)) != "":
		return Refund{}, false, badRequest("account", "%s", checkID(string(acc)))
	case checkID(id) != "":
		return Refund{}, false, badRequest("id", "%s", checkID(id))
	case amount < 1 || amount > maxRefund:
		return Refund{}, false, badRequest("amount", "%d cents: a refund is from 1 to %d cents", amount, maxRefund)
	case reason == "":
		return Refund{}, false, badRequest("reason", "say why the family is refunded")
	case len(reason) > 500 || !utf8.ValidString(reason):
		return Refund{}, false, badRequest("reason", "at most 500 bytes of UTF-8")
	}
	err = s.db.Update(func(tx kv.Tx) error {
		created = false
		b, err := tx.CreateBucketIfNotExists(bRefunds)
		if err != nil {
			return err
		}
		if _, ok, err := getJSON[app.Account](tx, app.KindAccount, string(acc)); err != nil {
			return err
		} else if !ok {
			return codeErr(central.CodeUnknownAccount, "account", "unknown account %q", acc)
		}
		k := key(string(acc), id)
		if old := b.Get(k); old != nil {
			if err := json.Unmarshal(old, &r); err != nil {
				return fmt.Errorf("refund %s: stored: %w", id, err)
			}
			if r.Amount != amount {
				return badRequest("id", "refund %s was recorded for %d cents, not %d: use a new id for a new refund", id, r.Amount, amount)
			}
			return nil
		}
		c := b.Cursor()
		for ck, _ := c.First(); ck != nil; ck, _ = c.Next() {
			if strings.HasSuffix(string(ck), "\x00"+id) {
				return badRequest("id", "refund %s was recorded for another account", id)
			}
		}
		r = Refund{ID: id, AccountID: acc, Amount: amount, At: now, Reason: reason}
		if _, err := creditAccount(tx, acc, -amount, now); err != nil {
			return err
		}
		created = true
		return putJSON(b, string(k), r)
	})
	if err != nil {
		return Refund{}, false, err
	}
	if created {
		s.log.Info("refund recorded", "refund", id, "account", acc, "amount", int64(amount), "reason", reason)
	}
	return r, created, nil
}

// accountRefunds lists account acc's refunds.
func accountRefunds(tx kv.Tx, acc app.AccountID) ([]Refund, error) {
	b := tx.Bucket(bRefunds)
	if b == nil {
		return nil, nil
	}
	var out []Refund
	prefix := key(string(acc), "")
	c := b.Cursor()
	for k, v := c.Seek(prefix); k != nil && strings.HasPrefix(string(k), string(prefix)); k, v = c.Next() {
		var r Refund
		if err := json.Unmarshal(v, &r); err != nil {
			return nil, fmt.Errorf("refund %s: stored: %w", k, err)
		}
		out = append(out, r)
	}
	return out, nil
}

// adminRefunds adds POST /admin/refund?account=&amount=&reason=[&id=] →
// Refund.
func (s *Server) adminRefunds(mux *http.ServeMux) {
	mux.HandleFunc("POST /admin/refund", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		amount, err := strconv.ParseInt(q.Get("amount"), 10, 64)
		if err != nil {
			writeError(w, http.StatusBadRequest, "bad_request", "amount", "want a whole number of cents")
			return
		}
		ref, _, err := s.RecordRefund(app.AccountID(q.Get("account")), q.Get("id"), app.Cents(amount), q.Get("reason"))
		adminAnswer(w, ref, err)
	})
}

// RecordRefund records a refund (see Server.RecordRefund).
func (c *AdminClient) RecordRefund(acc app.AccountID, id string, amount app.Cents, reason string) (Refund, bool, error) {
	q := url.Values{"account": {string(acc)}, "amount": {strconv.FormatInt(int64(amount), 10)}, "reason": {reason}}
	if id != "" {
		q.Set("id", id)
	}
	var r Refund
	err := c.do(context.Background(), http.MethodPost, "/admin/refund", q, "", nil, &r)
	return r, err == nil, err
}
