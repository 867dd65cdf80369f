package server

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"mensakiosk/internal/logagg"
)

// TestAnswerPanic: a handler's panic, recovered in its deferred function
// and handed to answerPanic, is answered 500 "internal"; a thousand of
// them in one log interval are one error line that counts them and shows
// the first with its path; no panic answers nothing; http.ErrAbortHandler
// is panicked again.
func TestAnswerPanic(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logs, nil))
	s := &Server{log: log, panics: logagg.New(log, time.Hour, 3, logagg.WithMessage("handler panics"), logagg.WithLevel(slog.LevelError))}
	r := httptest.NewRequest(http.MethodGet, "/v1/pull", nil)

	for range 1000 {
		rec := httptest.NewRecorder()
		func() {
			defer func() { s.answerPanic(rec, r, recover(), "panic in handler") }()
			panic("boom")
		}()
		if rec.Code != http.StatusInternalServerError || !strings.Contains(rec.Body.String(), `"internal"`) {
			t.Fatalf("after a panic: %d %s", rec.Code, rec.Body)
		}
	}
	s.panics.Close()
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if len(lines) != 1 || !strings.Contains(lines[0], `"level":"ERROR"`) || !strings.Contains(lines[0], `"count":1000`) ||
		!strings.Contains(lines[0], `/v1/pull: boom`) {
		t.Fatalf("1,000 panics logged as %d lines: %s", len(lines), logs.String())
	}

	quiet := httptest.NewRecorder()
	func() {
		defer func() { s.answerPanic(quiet, r, recover(), "panic in handler") }()
	}()
	if quiet.Code != http.StatusOK || quiet.Body.Len() != 0 {
		t.Fatalf("without a panic: %d %q", quiet.Code, quiet.Body)
	}

	var again any
	func() {
		defer func() { again = recover() }()
		func() {
			defer func() { s.answerPanic(httptest.NewRecorder(), r, recover(), "panic in handler") }()
			panic(http.ErrAbortHandler)
		}()
	}()
	if again != http.ErrAbortHandler {
		t.Fatalf("ErrAbortHandler: got %v, want it panicked again", again)
	}
}
