package app

import (
	"context"
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

// MessagesCentral is the central server's messages pull. The counter's
// central (central.Client) implements it.
type MessagesCentral interface {
	Messages(ctx context.Context, after string, limit int) (MessagePage, error)
}

// MessageCache is the kiosk store's copy of the office's messages.
// *storage.Store implements it.
type MessageCache interface {
	MessageCache() (ms []Message, last string, asOf time.Time, err error)
	PutMessages(ms []Message, last string, asOf time.Time) error
}

// messagePagesPerPull bounds one pull of messages (a page holds up to
// 500): a kiosk that starts with a year of messages to fetch gets them
// over its first few families, each identification waiting for at most
// this many pages.
const messagePagesPerPull = 4

// PullMessages brings the kiosk's copy of the office's messages up to
// date (the ones sent since the last pull, at most messagePagesPerPull
// pages of them), and returns how many came. The
// counter calls it each time it loads a family view from the server, so
// the copy is as fresh as the last family served online.
func (c *Counter) PullMessages(ctx context.Context) (int, error) {
	mc, ok := c.central.(MessagesCentral)
	cache, ok2 := c.store.(MessageCache)
	if !ok || !ok2 {
		return 0, nil
	}
	if !c.Online() {
		return 0, ErrOffline
	}
	_, last, _, err := cache.MessageCache()
	if err != nil {
		return 0, err
	}
	n := 0
	for range messagePagesPerPull {
		p, err := mc.Messages(ctx, last, 0)
		if err != nil {
			return n, err
		}
		if p.Last == "" {
			p.Last = last
		}
		if err := cache.PutMessages(p.Messages, p.Last, p.ServerTime); err != nil {
			return n, err
		}
		n += len(p.Messages)
		last = p.Last
		if !p.More {
			break
		}
	}
	return n, nil
}

// withCachedMessages adds to a family view built offline the messages of
// the kiosk's copy that reach the family and that the view lacks (the
// view's own keep their reading times), newest first. It returns the
// copy's time, or zero when it added nothing.
func (c *Counter) withCachedMessages(v *FamilyView, pupils []Pupil) time.Time {
	cache, ok := c.store.(MessageCache)
	if !ok {
		return time.Time{}
	}
	ms, _, asOf, err := cache.MessageCache()
	if err != nil {
		c.log.Error("counter: cached messages not read", "err", err)
		return time.Time{}
	}
	have := map[string]bool{}
	for _, m := range v.Messages {
		have[m.ID] = true
	}
	added := false
	oldest := c.clock.Now().AddDate(0, 0, -366)
	for _, m := range ms {
		if !have[m.ID] && m.Sent.After(oldest) && m.Audience.Reaches(v.Account.ID, pupils) {
			v.Messages = append(v.Messages, m)
			added = true
		}
	}
	if !added {
		return time.Time{}
	}
	slices.SortStableFunc(v.Messages, func(a, b Message) int { return b.Sent.Compare(a.Sent) })
	return asOf
}
