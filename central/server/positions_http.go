package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"mensakiosk/app"
	"mensakiosk/central"
)

// HTTP of the top-ups (kiosk token) and of the receipts (receipts token):
// see central/wire_topup.go and openapi.yaml.

// servePagoPA answers the kiosk's top-up paths; false when r is for none
// of them.
func (s *Server) servePagoPA(w http.ResponseWriter, r *http.Request, kiosk string) bool {
	switch {
	case r.URL.Path == central.PathTopUps:
		if r.Method != http.MethodPost {
			methodNotAllowed(w, "POST")
			return true
		}
		s.handleTopUp(w, r, kiosk)
	case strings.HasPrefix(r.URL.Path, central.PathNotices):
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			methodNotAllowed(w, "GET, HEAD")
			return true
		}
		code, err := url.PathUnescape(strings.TrimPrefix(r.URL.EscapedPath(), central.PathNotices))
		if err != nil || code == "" || strings.Contains(code, "/") {
			writeError(w, http.StatusNotFound, "not_found", "", "no such path: "+r.URL.Path)
			return true
		}
		n, err := s.Notice(code)
		s.answerPagoPA(w, r, n, err, http.StatusOK)
	default:
		return false
	}
	return true
}

func (s *Server) handleTopUp(w http.ResponseWriter, r *http.Request, kiosk string) {
	var req app.TopUpRequest
	if !readPagoPABody(w, r, &req) {
		return
	}
	if h := r.Header.Get(central.HeaderIdempotencyKey); h != "" {
		switch req.IdempotencyKey {
		case "":
			req.IdempotencyKey = h
		case h:
		default:
			writeError(w, http.StatusBadRequest, "bad_request", "idempotency_key", "the Idempotency-Key header and the body's idempotency_key differ")
			return
		}
	}
	n, created, err := s.CreateTopUp(kiosk, req)
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	s.answerPagoPA(w, r, n, err, status)
}

// serveReceipts answers POST /v1/receipts: only with a receipts token.
func (s *Server) serveReceipts(w http.ResponseWriter, r *http.Request) {
	h := r.Header.Get("Authorization")
	scheme, token, found := strings.Cut(h, " ")
	token = strings.TrimSpace(token)
	if !found || !strings.EqualFold(scheme, "Bearer") || token == "" {
		w.Header().Set("WWW-Authenticate", `Bearer realm="mensakiosk-receipts"`)
		writeError(w, http.StatusUnauthorized, "unauthorized", "", "a receipts token is required: Authorization: Bearer <token>")
		return
	}
	name, err := s.receiptsTokenName(token)
	if err != nil {
		s.internal(w, r, err)
		return
	}
	if name == "" {
		kiosk, _, err := s.kioskFor(token)
		if err != nil {
			s.internal(w, r, err)
			return
		}
		if kiosk != "" {
			// Logged with the other refusals, in bounded volume (http.go).
			writeError(w, http.StatusForbidden, central.CodeForbidden, "", "a kiosk token (kiosk "+kiosk+") cannot post receipts: use a receipts token (central token -receipts NAME)")
			return
		}
		w.Header().Set("WWW-Authenticate", `Bearer realm="mensakiosk-receipts", error="invalid_token"`)
		writeError(w, http.StatusUnauthorized, "unauthorized", "", "unknown or revoked token")
		return
	}
	if r.Method != http.MethodPost {
		methodNotAllowed(w, "POST")
		return
	}
	var rc app.Receipt
	if !readPagoPABody(w, r, &rc) {
		return
	}
	n, err := s.RecordReceipt(rc)
	s.answerPagoPA(w, r, n, err, http.StatusOK)
}

// readPagoPABody reads and decodes a small JSON body (64 KiB at most),
// answering the error itself.
func readPagoPABody(w http.ResponseWriter, r *http.Request, v any) bool {
	return readJSONBody(w, r, 64<<10, "the body exceeds 64 KiB", v)
}

// pagoPAStatus is the HTTP status of a top-up or receipt error code.
func pagoPAStatus(code string) int {
	switch code {
	case central.CodeUnknownAccount, central.CodeUnknownNotice:
		return http.StatusNotFound
	case central.CodeIdempotencyConflict, central.CodeAlreadyPaid, central.CodeReceiptConflict:
		return http.StatusConflict
	case central.CodeNoDebtor:
		return http.StatusUnprocessableEntity
	case central.CodeForbidden:
		return http.StatusForbidden
	}
	return http.StatusBadRequest
}

func (s *Server) answerPagoPA(w http.ResponseWriter, r *http.Request, n app.Notice, err error, status int) {
	var ce *central.Error
	switch {
	case errors.As(err, &ce):
		writeError(w, pagoPAStatus(ce.Code), ce.Code, ce.Field, ce.Message)
	case err != nil:
		s.internal(w, r, fmt.Errorf("%s: %w", r.URL.Path, err))
	default:
		if status == http.StatusCreated {
			w.Header().Set("Location", central.PathNotices+n.NoticeCode)
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Cache-Control", "no-store")
			w.WriteHeader(status)
			_ = json.NewEncoder(w).Encode(n)
			return
		}
		writeJSON(w, n)
	}
}
