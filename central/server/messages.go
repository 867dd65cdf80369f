package server

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"mensakiosk/central/server/kv"

	"mensakiosk/app"
	"mensakiosk/central"
)

// Messages to families (comunicazioni): the office sends one to a family,
// a class, a school or everyone (SendMessage: `central message`, or the
// admin socket's POST /admin/messages). A counter gets the family's
// messages in its family view (Family), each with when the family read
// it; the counter reports a read as a message.read event in its push
// (pushMessageRead), which only a counter's token may send: messages are
// family data, and a canteen never sees them.

var (
	bMessages     = []byte("messages")      // id → app.Message JSON (ReadAt zero)
	bMessageReads = []byte("message_reads") // account \0 message id → read time (RFC 3339)
	// bMessageIndex finds a family's messages without reading the others:
	// audience key \0 message id → nil (see audienceKey).
	bMessageIndex = []byte("message_index")
	kMessageN     = []byte("message_n") // in bMeta: the last message number given out
	// messageBuckets are created at Open (store.go).
	messageBuckets = [][]byte{bMessages, bMessageReads, bMessageIndex}
)

// audienceKey is an audience's key in bMessageIndex: "all", "family" \0
// account, "school" \0 school, "class" \0 school \0 class (school and
// class in lower case: the office's spelling may differ from the import's
// in case only).
func audienceKey(a app.MessageAudience) []byte {
	switch a.Kind {
	case app.AudienceFamily:
		return key(app.AudienceFamily, string(a.AccountID))
	case app.AudienceSchool:
		return key(app.AudienceSchool, strings.ToLower(a.School))
	case app.AudienceClass:
		return key(app.AudienceClass, strings.ToLower(a.School), strings.ToLower(a.Class))
	}
	return []byte(app.AudienceAll)
}

// compareMessageIDs orders message ids by their number ("M…").
func compareMessageIDs(a, b string) int {
	return cmp.Or(cmp.Compare(len(a), len(b)), cmp.Compare(a, b))
}

// FamilyMessagesMax bounds the messages a family view carries (the
// newest), FamilyMessagesDays how old they may be.
const (
	FamilyMessagesMax  = 50
	FamilyMessagesDays = 366
)

// SendMessage stores a message from the office and returns it with its id
// and time. A family audience must name an existing account.
func (s *Server) SendMessage(m app.Message) (app.Message, error) {
	m.Title, m.Body, m.URL = strings.TrimSpace(m.Title), strings.TrimSpace(m.Body), strings.TrimSpace(m.URL)
	m.ID, m.ReadAt = "", time.Time{}
	if err := m.Check(); err != nil {
		return app.Message{}, &central.Error{Code: "bad_message", Message: err.Error()}
	}
	m.Sent = s.now()
	err := s.db.Update(func(tx kv.Tx) error {
		if m.Audience.Kind == app.AudienceFamily {
			if _, ok, err := getJSON[app.Account](tx, app.KindAccount, string(m.Audience.AccountID)); err != nil {
				return err
			} else if !ok {
				return &central.Error{Code: central.CodeUnknownAccount, Field: "audience",
					Message: fmt.Sprintf("unknown account %q", m.Audience.AccountID)}
			}
		}
		meta := tx.Bucket(bMeta)
		n := getU64(meta, kMessageN) + 1
		if err := meta.Put(kMessageN, u64(n)); err != nil {
			return err
		}
		m.ID = fmt.Sprintf("M%06d", n)
		data, err := json.Marshal(m)
		if err != nil {
			return err
		}
		if err := tx.Bucket(bMessageIndex).Put(key(string(audienceKey(m.Audience)), m.ID), nil); err != nil {
			return err
		}
		return tx.Bucket(bMessages).Put([]byte(m.ID), data)
	})
	if err != nil {
		return app.Message{}, err
	}
	s.log.Info("message sent", "id", m.ID, "audience", m.Audience.String(), "link", m.URL != "")
	return m, nil
}

// MessageSummary is a message as the office lists it: how many families
// read it so far.
type MessageSummary struct {
	app.Message
	Reads int `json:"reads"`
}

// Messages lists the messages sent, newest first, with their reads.
func (s *Server) Messages() ([]MessageSummary, error) {
	out := []MessageSummary{}
	err := s.db.View(func(tx kv.Tx) error {
		reads := map[string]int{}
		if err := tx.Bucket(bMessageReads).ForEach(func(k, _ []byte) error {
			reads[string(k[bytes.IndexByte(k, 0)+1:])]++
			return nil
		}); err != nil {
			return err
		}
		return forEachStored(tx.Bucket(bMessages), "message %s: stored", func(k []byte, m app.Message) error {
			out = append(out, MessageSummary{Message: m, Reads: reads[m.ID]})
			return nil
		})
	})
	slices.SortFunc(out, func(a, b MessageSummary) int { return compareMessageIDs(b.ID, a.ID) })
	return out, err
}

// familyMessages reads the messages that reach account a's family, newest
// first, each with when the family read it: through the index, the
// family's own, its children's classes' and schools', and everyone's.
func (s *Server) familyMessages(tx kv.Tx, a app.AccountID, pupils []app.PupilID) ([]app.Message, error) {
	auds := []app.MessageAudience{{Kind: app.AudienceAll}, {Kind: app.AudienceFamily, AccountID: a}}
	for _, id := range pupils {
		p, ok, err := getJSON[app.Pupil](tx, app.KindPupil, string(id))
		if err != nil {
			return nil, err
		}
		if ok {
			auds = append(auds, app.MessageAudience{Kind: app.AudienceSchool, School: p.School},
				app.MessageAudience{Kind: app.AudienceClass, School: p.School, Class: p.Class})
		}
	}
	seen := map[string]bool{}
	var ids []string
	c := tx.Bucket(bMessageIndex).Cursor()
	for _, aud := range auds {
		prefix := append(audienceKey(aud), 0)
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			if id := string(k[len(prefix):]); !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
	}
	slices.SortFunc(ids, func(x, y string) int { return compareMessageIDs(y, x) })
	oldest := s.now().AddDate(0, 0, -FamilyMessagesDays)
	reads := tx.Bucket(bMessageReads)
	msgs := tx.Bucket(bMessages)
	var out []app.Message
	for _, id := range ids {
		if len(out) == FamilyMessagesMax {
			break
		}
		raw := msgs.Get([]byte(id))
		if raw == nil {
			return nil, fmt.Errorf("message index: message %s is missing", id)
		}
		var m app.Message
		if err := json.Unmarshal(raw, &m); err != nil {
			return nil, fmt.Errorf("message %s: stored: %w", id, err)
		}
		if m.Sent.Before(oldest) {
			break // ids grow with time: the rest are older still
		}
		if r := reads.Get(key(string(a), m.ID)); r != nil {
			if t, err := time.Parse(time.RFC3339Nano, string(r)); err == nil {
				m.ReadAt = t
			}
		}
		out = append(out, m)
	}
	return out, nil
}

// pushMessageRead applies a message.read event: the first read time of a
// message by a family it reaches is kept; a repeat changes nothing.
func (p *pusher) pushMessageRead(item *ReviewItem) error {
	var r app.MessageRead
	if !decodePayload(item, &r, "message_id and account_id", func(r app.MessageRead) bool { return r.MessageID != "" && r.AccountID != "" }) {
		return nil
	}
	raw := p.tx.Bucket(bMessages).Get([]byte(r.MessageID))
	if raw == nil {
		reject(item, "unknown message %q", r.MessageID)
		return nil
	}
	var m app.Message
	if err := json.Unmarshal(raw, &m); err != nil {
		return fmt.Errorf("message %s: stored: %w", r.MessageID, err)
	}
	var ps []app.Pupil
	for _, id := range familyPupils(p.tx, r.AccountID) {
		pp, ok, err := getJSON[app.Pupil](p.tx, app.KindPupil, string(id))
		if err != nil {
			return err
		}
		if ok {
			ps = append(ps, pp)
		}
	}
	if !m.Audience.Reaches(r.AccountID, ps) {
		reject(item, "message %s is not for account %s", r.MessageID, r.AccountID)
		return nil
	}
	reads := p.tx.Bucket(bMessageReads)
	k := key(string(r.AccountID), r.MessageID)
	if reads.Get(k) != nil {
		return nil
	}
	return reads.Put(k, []byte(item.At.UTC().Format(time.RFC3339Nano)))
}

// MessageReadAt is when account a's family read message id (zero: not
// read).
func (s *Server) MessageReadAt(a app.AccountID, id string) (time.Time, error) {
	var t time.Time
	err := s.db.View(func(tx kv.Tx) error {
		if v := tx.Bucket(bMessageReads).Get(key(string(a), id)); v != nil {
			var err error
			t, err = time.Parse(time.RFC3339Nano, string(v))
			return err
		}
		return nil
	})
	return t, err
}

// adminMessages adds the messages to the admin API:
//
//	POST /admin/messages   body: app.Message (title, body, url, audience) → the message sent
//	GET  /admin/messages   → [MessageSummary...], newest first
func (s *Server) adminMessages(mux *http.ServeMux) {
	mux.HandleFunc("POST /admin/messages", func(w http.ResponseWriter, r *http.Request) {
		var m app.Message
		if !readRequest(w, r, &m) {
			return
		}
		sent, err := s.SendMessage(m)
		adminAnswer(w, sent, err)
	})
	mux.HandleFunc("GET /admin/messages", func(w http.ResponseWriter, _ *http.Request) {
		ms, err := s.Messages()
		adminAnswer(w, ms, err)
	})
}

// SendMessage sends a message through the running server.
func (c *AdminClient) SendMessage(m app.Message) (app.Message, error) {
	body, err := json.Marshal(m)
	if err != nil {
		return app.Message{}, err
	}
	var out app.Message
	err = c.do(context.Background(), http.MethodPost, "/admin/messages", nil, "application/json", body, &out)
	return out, err
}

// Messages lists the messages sent, through the running server.
func (c *AdminClient) Messages() ([]MessageSummary, error) {
	var out []MessageSummary
	err := c.do(context.Background(), http.MethodGet, "/admin/messages", nil, "", nil, &out)
	return out, err
}

// MessagesAfter answers a counter's pull of messages: those sent after
// message id after (none: from the oldest of the last FamilyMessagesDays
// days), at most limit, in the order sent. ReadAt is never set: reads are
// per family, in the family view.
func (s *Server) MessagesAfter(after string, limit int) (app.MessagePage, error) {
	if limit <= 0 || limit > central.MaxMessagesPage {
		limit = central.MaxMessagesPage
	}
	if after != "" && !validMessageID(after) {
		return app.MessagePage{}, refuse(http.StatusBadRequest, "bad_request", "after", "%q is not a message id (M followed by digits)", after)
	}
	page := app.MessagePage{Messages: []app.Message{}, Last: after, ServerTime: s.now()}
	oldest := s.now().AddDate(0, 0, -FamilyMessagesDays)
	err := s.db.View(func(tx kv.Tx) error {
		var ids []string
		if err := tx.Bucket(bMessages).ForEach(func(k, _ []byte) error {
			if id := string(k); after == "" || compareMessageIDs(id, after) > 0 {
				ids = append(ids, id)
			}
			return nil
		}); err != nil {
			return err
		}
		slices.SortFunc(ids, compareMessageIDs)
		msgs := tx.Bucket(bMessages)
		for i, id := range ids {
			if len(page.Messages) == limit {
				page.More = i < len(ids)
				break
			}
			var m app.Message
			if err := json.Unmarshal(msgs.Get([]byte(id)), &m); err != nil {
				return fmt.Errorf("message %s: stored: %w", id, err)
			}
			page.Last = id
			if m.Sent.Before(oldest) {
				continue
			}
			page.Messages = append(page.Messages, m)
		}
		return nil
	})
	return page, err
}

func validMessageID(id string) bool {
	if len(id) < 2 || id[0] != 'M' {
		return false
	}
	for _, c := range id[1:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func (s *Server) handleMessages(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		methodNotAllowed(w, "GET")
		return
	}
	q := r.URL.Query()
	limit := 0
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			writeError(w, http.StatusBadRequest, "bad_request", "limit", "want a whole number above 0")
			return
		}
		limit = n
	}
	page, err := s.MessagesAfter(q.Get("after"), limit)
	if writeAPIError(s, w, r, err) {
		return
	}
	writeJSON(w, page)
}
