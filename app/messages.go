package app

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Messages to families (comunicazioni, PRODUCT.md §8): the office sends a
// message to one family, a class, a school or everyone; the counter shows a
// family's unread messages right after identification and keeps them in a
// tab; the server records when the family read each one. A message reaches
// the kiosk inside the family view (so it is cached in the kiosk's store
// with it and shown offline with its as-of time); a read is an outbox
// event (EventMessageRead), so that one made offline is queued and pushed
// like the kiosk's other events.

// Message audiences.
const (
	AudienceFamily = "family"
	AudienceClass  = "class"
	AudienceSchool = "school"
	AudienceAll    = "all"
)

// Limits of a message's fields.
const (
	MaxMessageTitle = 120
	MaxMessageBody  = 2000
	MaxMessageURL   = 500
)

// MessageAudience says whom a message is for: one family (AccountID), a
// class of a school (School and Class), a school (School), or everyone.
type MessageAudience struct {
	Kind      string    `json:"kind"`
	AccountID AccountID `json:"account_id,omitempty"`
	School    string    `json:"school,omitempty"`
	Class     string    `json:"class,omitempty"`
}

// Reaches reports whether the audience includes the family of account acc
// with these children.
func (a MessageAudience) Reaches(acc AccountID, pupils []Pupil) bool {
	switch a.Kind {
	case AudienceAll:
		return true
	case AudienceFamily:
		return a.AccountID == acc
	case AudienceSchool:
		for _, p := range pupils {
			if strings.EqualFold(p.School, a.School) {
				return true
			}
		}
	case AudienceClass:
		for _, p := range pupils {
			if strings.EqualFold(p.School, a.School) && strings.EqualFold(p.Class, a.Class) {
				return true
			}
		}
	}
	return false
}

// String is the audience as the office writes it: family:ID,
// class:SCHOOL/CLASS, school:SCHOOL, all.
func (a MessageAudience) String() string {
	switch a.Kind {
	case AudienceFamily:
		return "family:" + string(a.AccountID)
	case AudienceClass:
		return "class:" + a.School + "/" + a.Class
	case AudienceSchool:
		return "school:" + a.School
	}
	return a.Kind
}

// ParseAudience reads an audience as String writes it.
func ParseAudience(s string) (MessageAudience, error) {
	kind, rest, _ := strings.Cut(strings.TrimSpace(s), ":")
	rest = strings.TrimSpace(rest)
	switch kind {
	case AudienceAll:
		if rest != "" {
			return MessageAudience{}, fmt.Errorf("audience %q: \"all\" takes nothing after it", s)
		}
		return MessageAudience{Kind: AudienceAll}, nil
	case AudienceFamily:
		if rest == "" {
			return MessageAudience{}, fmt.Errorf("audience %q: want family:ACCOUNT_ID", s)
		}
		return MessageAudience{Kind: AudienceFamily, AccountID: AccountID(rest)}, nil
	case AudienceSchool:
		if rest == "" {
			return MessageAudience{}, fmt.Errorf("audience %q: want school:SCHOOL", s)
		}
		return MessageAudience{Kind: AudienceSchool, School: rest}, nil
	case AudienceClass:
		school, class, ok := strings.Cut(rest, "/")
		school, class = strings.TrimSpace(school), strings.TrimSpace(class)
		if !ok || school == "" || class == "" {
			return MessageAudience{}, fmt.Errorf("audience %q: want class:SCHOOL/CLASS", s)
		}
		return MessageAudience{Kind: AudienceClass, School: school, Class: class}, nil
	}
	return MessageAudience{}, fmt.Errorf("audience %q: want family:ID, class:SCHOOL/CLASS, school:SCHOOL or all", s)
}

// Message is a communication from the office (comunicazione). In a family
// view ReadAt is when that family read it (zero: not yet).
type Message struct {
	ID       string          `json:"id"`
	Title    string          `json:"title"`
	Body     string          `json:"body"`
	URL      string          `json:"url,omitempty"`
	Sent     time.Time       `json:"sent"`
	Audience MessageAudience `json:"audience"`
	ReadAt   time.Time       `json:"read_at,omitzero"`
}

// Unread reports whether the family has not read the message.
func (m Message) Unread() bool { return m.ReadAt.IsZero() }

// Check says what is wrong with a message the office writes (its id and
// time are the server's).
func (m Message) Check() error {
	switch {
	case strings.TrimSpace(m.Title) == "":
		return errors.New("message: the title is empty")
	case len(m.Title) > MaxMessageTitle:
		return fmt.Errorf("message: the title is longer than %d bytes", MaxMessageTitle)
	case len(m.Body) > MaxMessageBody:
		return fmt.Errorf("message: the text is longer than %d bytes", MaxMessageBody)
	case len(m.URL) > MaxMessageURL:
		return fmt.Errorf("message: the link is longer than %d bytes", MaxMessageURL)
	}
	if m.URL != "" {
		if err := CheckLink(m.URL); err != nil {
			return fmt.Errorf("message: %w", err)
		}
	}
	if err := m.Audience.Check(); err != nil {
		return fmt.Errorf("message: %w", err)
	}
	return nil
}

// Check says what is wrong with an audience: a kind it does not know, or
// the family, school or class it lacks.
func (a MessageAudience) Check() error {
	blank := func(s string) bool { return strings.TrimSpace(s) == "" }
	switch a.Kind {
	case AudienceAll:
		if a.AccountID != "" || a.School != "" || a.Class != "" {
			return errors.New("audience all names no family, school or class")
		}
	case AudienceFamily:
		if blank(string(a.AccountID)) {
			return errors.New("audience family: the account is missing")
		}
	case AudienceSchool:
		if blank(a.School) {
			return errors.New("audience school: the school is missing")
		}
	case AudienceClass:
		if blank(a.School) || blank(a.Class) {
			return errors.New("audience class: the school or the class is missing")
		}
	default:
		return fmt.Errorf("audience %q: want family, class, school or all", a.Kind)
	}
	return nil
}

// CheckLink accepts an absolute http or https address (what a phone opens
// from a QR code).
func CheckLink(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("link %q: want an absolute http(s) address", s)
	}
	return nil
}

// EventMessageRead is the outbox event of a family reading a message at
// the counter: payload MessageRead, the event's time the reading time.
const EventMessageRead = "message.read"

// MessageRead is the payload of a message.read event.
type MessageRead struct {
	MessageID string    `json:"message_id"`
	AccountID AccountID `json:"account_id"`
}

// NewMessageReadEvent makes the outbox event of a family reading a
// message at at.
func NewMessageReadEvent(acc AccountID, messageID string, at time.Time) (OutboxEvent, error) {
	if acc == "" || messageID == "" {
		return OutboxEvent{}, errors.New("message read: account and message are required")
	}
	id, err := NewEventID()
	if err != nil {
		return OutboxEvent{}, err
	}
	raw, err := json.Marshal(MessageRead{MessageID: messageID, AccountID: acc})
	if err != nil {
		return OutboxEvent{}, err
	}
	return OutboxEvent{ID: id, Kind: EventMessageRead, At: at.UTC(), Payload: raw}, nil
}

// MessagePage is a page of the office's messages as a counter pulls them
// (GET /v1/messages): in the order sent, after the id the counter holds.
type MessagePage struct {
	Messages []Message `json:"messages"`
	// Last is the id to ask after next ("" when the page is empty and
	// the counter held none).
	Last       string    `json:"last"`
	More       bool      `json:"more"`
	ServerTime time.Time `json:"server_time"`
}
