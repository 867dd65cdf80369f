package central

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"mensakiosk/app"
)

// TestClientAbsenceChecksReply: the client refuses a bad request before
// sending it, and an answer whose bookings are not cancelled days of the
// span asked for is malformed (a server that did something else).
func TestClientAbsenceChecksReply(t *testing.T) {
	reply := `{"bookings":[{"pupil_id":"P1","day":"2025-03-11","cancelled":true,"bland":false}]}`
	var got string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got = r.Method + " " + r.URL.Path + " " + string(b)
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, reply)
	}))
	defer srv.Close()
	c, err := NewClient(ClientConfig{BaseURL: srv.URL, Token: "t", Retries: -1})
	if err != nil {
		t.Fatal(err)
	}
	req := app.AbsenceRequest{AccountID: "A1", From: "2025-03-11", To: "2025-03-12"}
	rep, err := c.Absence(t.Context(), req)
	if err != nil || len(rep.Bookings) != 1 || !strings.HasPrefix(got, "POST "+PathAbsences+` {"account_id":"A1"`) {
		t.Fatalf("absence: %+v %v (sent %s)", rep, err, got)
	}
	for _, bad := range []string{
		`{"bookings":[{"pupil_id":"P1","day":"2025-03-20","cancelled":true,"bland":false}]}`,
		`{"bookings":[{"pupil_id":"P1","day":"2025-03-11","cancelled":false,"bland":true}]}`,
	} {
		reply = bad
		if _, err := c.Absence(t.Context(), req); !errors.Is(err, ErrMalformedReply) {
			t.Errorf("%s: %v", bad, err)
		}
	}
	got = ""
	for _, r := range []app.AbsenceRequest{{From: "2025-03-11", To: "2025-03-12"}, {AccountID: "A1", From: "2025-03-12", To: "2025-03-11"}, {AccountID: "A1", From: "11/03/2025", To: "2025-03-12"}} {
		if _, err := c.Absence(t.Context(), r); !errors.Is(err, app.ErrBadRequest) || got != "" {
			t.Errorf("%+v: %v, sent %q", r, err, got)
		}
	}
}
