package app

import (
	"errors"
	"slices"
	"time"
)

// The counter's side of the messages (messages.go): the family's unread
// messages after identification, and marking them read. A read is
// written to the kiosk's outbox as a message.read event (pushed by the sync
// engine, queued while the server is unreachable) and into the cached
// family view, so that neither an offline visit nor the next one before
// the push shows the message as unread again.

// EventAppender writes outbox events in one transaction. *storage.Store
// implements it; a counter whose store does not cannot mark messages read.
type EventAppender interface {
	AppendEvents(evs ...OutboxEvent) error
}

// ErrNoOutbox: the counter's store cannot queue events.
var ErrNoOutbox = errors.New("counter: this store has no outbox for message reads")

// readsKept bounds how long a read made here is applied to views from the
// server that do not show it yet (the push is usually seconds away).
const readsKept = 24 * time.Hour

func readKey(acc AccountID, id string) string { return string(acc) + "\x00" + id }

// applyReadsLocked marks read, in a view just loaded, the messages read
// here that the view does not show as read yet.
func (c *Counter) applyReadsLocked(f *Family) {
	now := c.clock.Now()
	for k, at := range c.reads {
		if now.Sub(at) > readsKept {
			delete(c.reads, k)
		}
	}
	for i := range f.Messages {
		m := &f.Messages[i]
		if at, ok := c.reads[readKey(f.Account.ID, m.ID)]; ok && m.ReadAt.IsZero() {
			m.ReadAt = at
		}
	}
}

// Unread returns the current family's unread messages, newest first.
func (c *Counter) Unread() []Message {
	f, ok := c.Current()
	if !ok {
		return nil
	}
	var out []Message
	for _, m := range f.Messages {
		if m.Unread() {
			out = append(out, m)
		}
	}
	return out
}

// MarkRead records that the current family read the messages ids (the
// ones already read are skipped) and returns the family as it now stands.
func (c *Counter) MarkRead(ids ...string) (Family, error) {
	f, ok := c.Current()
	if !ok {
		return Family{}, ErrNotIdentified
	}
	out, ok := c.store.(EventAppender)
	if !ok {
		return Family{}, ErrNoOutbox
	}
	now := c.clock.Now()
	var evs []OutboxEvent
	var marked []string
	for _, m := range f.Messages {
		if !m.Unread() || !slices.Contains(ids, m.ID) || slices.Contains(marked, m.ID) {
			continue
		}
		e, err := NewMessageReadEvent(f.Account.ID, m.ID, now)
		if err != nil {
			return Family{}, err
		}
		evs = append(evs, e)
		marked = append(marked, m.ID)
	}
	if len(evs) == 0 {
		return f, nil
	}
	if err := out.AppendEvents(evs...); err != nil {
		c.log.Error("counter: message reads not queued", "account_id", string(f.Account.ID), "err", err)
		return Family{}, err
	}
	c.log.Info("counter: messages read", "account_id", string(f.Account.ID), "messages", len(evs))
	c.mu.Lock()
	if c.reads == nil {
		c.reads = map[string]time.Time{}
	}
	for _, id := range marked {
		c.reads[readKey(f.Account.ID, id)] = now
	}
	if c.family != nil && c.family.Account.ID == f.Account.ID {
		c.applyReadsLocked(c.family)
		f = *c.family
	}
	c.mu.Unlock()
	// The cached view too, for a visit while the server is unreachable.
	if v, ok, err := c.store.FamilyCache(f.Account.ID); err == nil && ok {
		changed := false
		for i := range v.Messages {
			if slices.Contains(marked, v.Messages[i].ID) && v.Messages[i].ReadAt.IsZero() {
				v.Messages[i].ReadAt, changed = now, true
			}
		}
		if changed {
			if err := c.store.PutFamilyCache(v); err != nil {
				c.log.Error("counter: cached view not updated with the reads", "account_id", string(f.Account.ID), "err", err)
			}
		}
	} else if err != nil {
		c.log.Error("counter: cached view not read", "account_id", string(f.Account.ID), "err", err)
	}
	return f, nil
}
