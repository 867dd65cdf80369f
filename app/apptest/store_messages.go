package apptest

import (
	"slices"
	"time"

	"mensakiosk/app"
)

// messageCopy is the kiosk's copy of the office's messages
// (app.MessageCache): what the last pulls brought, the id to ask after
// next, and the server's time of the last pull.
type messageCopy struct {
	ms   []app.Message
	last string
	asOf time.Time
}

// MessageCache returns the kiosk's copy of the office's messages.
func (s *Store) MessageCache() ([]app.Message, string, time.Time, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.st.msgs.ms), s.st.msgs.last, s.st.msgs.asOf, nil
}

// PutMessages adds a pull's messages to the copy (one with an id the copy
// holds replaces it) and keeps last and asOf.
func (s *Store) PutMessages(ms []app.Message, last string, asOf time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range stored(ms) {
		if i := slices.IndexFunc(s.st.msgs.ms, func(h app.Message) bool { return h.ID == m.ID }); i >= 0 {
			s.st.msgs.ms[i] = m
		} else {
			s.st.msgs.ms = append(s.st.msgs.ms, m)
		}
	}
	s.st.msgs.last, s.st.msgs.asOf = last, asOf
	return nil
}

var _ app.MessageCache = (*Store)(nil)
