package server

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"mensakiosk/app"
	"mensakiosk/app/pagopa"
	"mensakiosk/central"
)

// The office's pagoPA operations, on the admin socket as offline:
//
//	POST /admin/paid?notice=CODE[&psp=NAME&receipt=ID&amount=CENTS]  200: app.Notice
//	POST /admin/invalidate?notice=CODE&reason=TEXT                  200: app.Notice
//	GET  /admin/notices?account=ID                                  200: [app.Notice...]
//	POST /admin/receipts-token?name=NAME                            200: {"kiosk":NAME,"token":T}
//
// Errors answer 422 with the operation's code (unknown_notice,
// already_paid, ...) and message.

// OfficePSP is the PSP named by a receipt the office records by hand.
const OfficePSP = "Ufficio (registrazione manuale)"

// MarkPaid records a receipt for a notice on the office's word (`central
// paid`), standing in for pagoPA's: psp "" is OfficePSP, receiptID ""
// is "office-<code>" (so that running it twice credits once), amount 0 is
// the notice's amount. The payment time is now.
func (s *Server) MarkPaid(code, psp, receiptID string, amount app.Cents) (app.Notice, error) {
	if nc, err := pagopa.ParseNoticeCode(code); err == nil {
		code = nc.Code // RecordReceipt refuses what does not parse
	}
	if amount == 0 {
		n, err := s.Notice(code)
		if err != nil {
			return app.Notice{}, err
		}
		amount = n.Amount
	}
	if psp == "" {
		psp = OfficePSP
	}
	if receiptID == "" {
		receiptID = "office-" + code
	}
	n, err := s.RecordReceipt(app.Receipt{ReceiptID: receiptID, NoticeCode: code, Amount: amount, PaidAt: s.now(), PSP: psp})
	if err == nil {
		err = s.gpdCashPaid(code, receiptID) // gpd_payments.go: marked paid on pagoPA too
	}
	return n, err
}

// adminPagoPA adds the pagoPA operations to the admin API.
func (s *Server) adminPagoPA(mux *http.ServeMux) {
	mux.HandleFunc("POST /admin/paid", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		var amount app.Cents
		if v := q.Get("amount"); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n <= 0 {
				writeError(w, http.StatusBadRequest, "bad_request", "amount", "want a whole number of cents above 0")
				return
			}
			amount = app.Cents(n)
		}
		n, err := s.MarkPaid(q.Get("notice"), q.Get("psp"), q.Get("receipt"), amount)
		adminAnswer(w, n, err)
	})
	mux.HandleFunc("POST /admin/invalidate", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		n, err := s.InvalidateNotice(q.Get("notice"), q.Get("reason"))
		adminAnswer(w, n, err)
	})
	mux.HandleFunc("GET /admin/notices", func(w http.ResponseWriter, r *http.Request) {
		ns, err := s.FamilyNotices(app.AccountID(r.URL.Query().Get("account")))
		if ns == nil {
			ns = []app.Notice{}
		}
		adminAnswer(w, ns, err)
	})
	mux.HandleFunc("POST /admin/receipts-token", func(w http.ResponseWriter, r *http.Request) {
		name := r.URL.Query().Get("name")
		tok, err := s.CreateReceiptToken(name)
		adminAnswer(w, AdminToken{Kiosk: name, Token: tok}, err)
	})
}

func adminAnswer(w http.ResponseWriter, v any, err error) {
	var ce *central.Error
	if errors.As(err, &ce) {
		writeError(w, http.StatusUnprocessableEntity, ce.Code, ce.Field, ce.Message)
		return
	}
	answer(w, v, err)
}

// MarkPaid records a receipt on the office's word (see Server.MarkPaid).
func (c *AdminClient) MarkPaid(code, psp, receiptID string, amount app.Cents) (app.Notice, error) {
	q := url.Values{"notice": {code}}
	if psp != "" {
		q.Set("psp", psp)
	}
	if receiptID != "" {
		q.Set("receipt", receiptID)
	}
	if amount != 0 {
		q.Set("amount", strconv.FormatInt(int64(amount), 10))
	}
	var n app.Notice
	err := c.do(context.Background(), http.MethodPost, "/admin/paid", q, "", nil, &n)
	return n, err
}

// InvalidateNotice withdraws a notice (see Server.InvalidateNotice).
func (c *AdminClient) InvalidateNotice(code, reason string) (app.Notice, error) {
	var n app.Notice
	err := c.do(context.Background(), http.MethodPost, "/admin/invalidate", url.Values{"notice": {code}, "reason": {reason}}, "", nil, &n)
	return n, err
}

// FamilyNotices lists an account's notices (see Server.FamilyNotices).
func (c *AdminClient) FamilyNotices(a app.AccountID) ([]app.Notice, error) {
	var ns []app.Notice
	err := c.do(context.Background(), http.MethodGet, "/admin/notices", url.Values{"account": {string(a)}}, "", nil, &ns)
	return ns, err
}

// CreateReceiptToken makes a receipts token (see Server.CreateReceiptToken).
func (c *AdminClient) CreateReceiptToken(name string) (string, error) {
	var t AdminToken
	err := c.do(context.Background(), http.MethodPost, "/admin/receipts-token", url.Values{"name": {name}}, "", nil, &t)
	return t.Token, err
}
