package central

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"mensakiosk/app"
	"mensakiosk/app/pagopa"
)

// The counter's top-ups by pagoPA notice (app.CounterCentral).

// TopUp asks the server for a payment position (or, for an idempotency key
// used before, the same one). It is retried like the GETs: the server
// answers a repeat of the key with the notice it made the first time, so
// a retry after a lost answer never makes a second notice. The key goes in
// the body and in the Idempotency-Key header. The reply is checked: a
// notice code the system could have generated, a known state, the
// request's account and amount.
func (c *Client) TopUp(ctx context.Context, r app.TopUpRequest) (app.Notice, error) {
	op := "POST " + PathTopUps
	switch {
	case r.IdempotencyKey == "":
		return app.Notice{}, fmt.Errorf("central: %s: %w: no idempotency key", op, app.ErrBadRequest)
	case r.AccountID == "":
		return app.Notice{}, fmt.Errorf("central: %s: %w: no account", op, app.ErrBadRequest)
	case pagopa.CheckAmount(int64(r.Amount)) != nil:
		return app.Notice{}, fmt.Errorf("central: %s: %w: %w", op, app.ErrBadRequest, pagopa.CheckAmount(int64(r.Amount)))
	}
	payload, err := json.Marshal(r)
	if err != nil {
		return app.Notice{}, fmt.Errorf("central: %s: %w: %w", op, app.ErrBadRequest, err)
	}
	req := c.request(ctx, true, true).
		SetHeader("Content-Type", "application/json").
		SetHeader(HeaderIdempotencyKey, r.IdempotencyKey).
		SetBody(payload) // bytes: re-sent whole on every attempt
	body, err := c.do(ctx, req, http.MethodPost, PathTopUps)
	if err != nil {
		return app.Notice{}, notFound(err)
	}
	n, err := decodeNotice(body)
	if err == nil && (n.AccountID != r.AccountID || n.Amount != r.Amount) {
		err = fmt.Errorf("%w: notice %s is for account %q, %d cents; asked for account %q, %d cents",
			ErrMalformedReply, n.NoticeCode, n.AccountID, n.Amount, r.AccountID, r.Amount)
	}
	if err != nil {
		return app.Notice{}, c.malformed("POST", PathTopUps, err)
	}
	return n, nil
}

// Notice reads a notice's current state by its code (spaces between the
// groups of four are allowed). An unknown code wraps app.ErrNotFound (and
// app.ErrBadRequest).
func (c *Client) Notice(ctx context.Context, code string) (app.Notice, error) {
	nc, err := pagopa.ParseNoticeCode(code)
	if err != nil {
		return app.Notice{}, fmt.Errorf("central: GET %s: %w: %w", PathNotices, app.ErrBadRequest, err)
	}
	path := PathNotices + url.PathEscape(nc.Code)
	body, err := c.do(ctx, c.request(ctx, true, true), http.MethodGet, path)
	if err != nil {
		return app.Notice{}, notFound(err)
	}
	n, err := decodeNotice(body)
	if err == nil && n.NoticeCode != nc.Code {
		err = fmt.Errorf("%w: asked for notice %s, got %s", ErrMalformedReply, nc.Code, n.NoticeCode)
	}
	if err != nil {
		return app.Notice{}, c.malformed("GET", path, err)
	}
	return n, nil
}

// notFound adds app.ErrNotFound to the error of a 404 the server
// explained (unknown account or notice).
func notFound(err error) error {
	var ce *Error
	if errors.As(err, &ce) && (ce.Code == CodeUnknownAccount || ce.Code == CodeUnknownNotice) {
		return fmt.Errorf("%w: %w", app.ErrNotFound, err)
	}
	return err
}

// decodeNotice decodes and checks a notice: a code that passes the
// format check (and the strict one, since the server generates them), a
// known state, an amount pagoPA accepts, a creditor and a debtor, and a
// receipt exactly when paid.
func decodeNotice(body []byte) (app.Notice, error) {
	n, bad, err := decodeReply[app.Notice](body, "notice") // client_reply.go
	if err != nil {
		return app.Notice{}, err
	}
	if _, err := pagopa.ParseNoticeCode(n.NoticeCode); err != nil || strings.ContainsRune(n.NoticeCode, ' ') {
		return bad("notice code %q: %v", n.NoticeCode, err)
	}
	if err := pagopa.VerifyGenerated(n.NoticeCode); err != nil {
		return bad("%v", err)
	}
	switch n.State {
	case app.NoticeValid, app.NoticePaid, app.NoticeExpired, app.NoticeInvalid:
	default:
		return bad("unknown state %q", n.State)
	}
	if err := pagopa.CheckAmount(int64(n.Amount)); err != nil {
		return bad("%v", err)
	}
	if n.AccountID == "" || n.IUPD == "" || n.DebtorFiscalCode == "" {
		return bad("missing account_id, iupd or debtor_fiscal_code")
	}
	if _, err := pagopa.CheckCreditorFiscalCode(n.Creditor.FiscalCode); err != nil {
		return bad("creditor: %v", err)
	}
	if n.Creditor.Name == "" || n.Created.IsZero() {
		return bad("missing creditor name or created")
	}
	if _, err := time.Parse(time.DateOnly, string(n.DueDate)); n.DueDate != "" && err != nil {
		return bad("due_date %q: want YYYY-MM-DD", n.DueDate)
	}
	if (n.State == app.NoticePaid) != (n.Receipt != nil) {
		return bad("state %s with receipt %v", n.State, n.Receipt != nil)
	}
	return n, nil
}
