package ui

import (
	"strings"
	"unicode/utf8"

	"fyne.io/fyne/v2"

	"mensakiosk/app"
)

// The home's news page the way the documents do (docsColumn): the place
// kept is the first character shown, not a page number. The page size
// changes with the room (a resize, the scale, an error line coming and
// going, a short last page that fits more), and a page number would then
// point at other text: the reader would lose their place, or skip some.

// counterNewsPlace is where the news page shown starts: the news item
// (by id, so that news arriving at a sync do not move the reader) and a
// byte offset in its trimmed body; or, for a page reached backwards, where
// it ends (end), so that the page before ends where the one the reader
// left starts whatever size it gets. The zero place is the first page.
type counterNewsPlace struct {
	set bool
	end bool
	id  string
	at  int
}

// counterNewsPage is the page shown at a place: the news item, the part of
// its body, the places of the pages before and after it (nil: none) and
// its number among count pages (at this page size).
type counterNewsPage struct {
	n            app.News
	body         string
	prev, next   *counterNewsPlace
	index, count int
}

// counterNewsPageAt is the page of at most chars bytes of body at place p
// among news (not empty).
func counterNewsPageAt(news []app.News, p counterNewsPlace, chars int) counterNewsPage {
	i, at, anchorEnd := 0, 0, false
	if p.set {
		for j, n := range news {
			if n.ID == p.id {
				i, at, anchorEnd = j, p.at, p.end
				break
			}
		}
	}
	body := strings.TrimSpace(news[i].Body)
	// An offset past a body changed by a sync is its end; an offset in a
	// word is that word's start.
	at = max(0, min(at, len(body)))
	for at > 0 && at < len(body) && body[at-1] != ' ' {
		at--
	}
	if at == len(body) && at > 0 {
		anchorEnd = true // the last page
	}
	var shown string
	end := at
	if anchorEnd && at > 0 {
		at = counterBackPage(body, end, chars)
		shown = strings.TrimSpace(body[at:end])
	} else {
		shown = counterSplitText(body[at:], chars)[0]
		end = at + strings.Index(body[at:], shown) + len(shown)
	}
	for end < len(body) && body[end] == ' ' {
		end++
	}
	pg := counterNewsPage{n: news[i], body: shown}
	for j := range news {
		switch {
		case j < i:
			pg.index += len(counterSplitText(news[j].Body, chars))
		case j > i:
			pg.count += len(counterSplitText(news[j].Body, chars))
		}
	}
	for back := at; back > 0; back = counterBackPage(body, back, chars) {
		pg.index++
	}
	pg.count += pg.index + 1
	if end < len(body) {
		pg.count += len(counterSplitText(body[end:], chars))
		pg.next = &counterNewsPlace{set: true, id: news[i].ID, at: end}
	} else if i+1 < len(news) {
		pg.next = &counterNewsPlace{set: true, id: news[i+1].ID}
	}
	if at > 0 {
		pg.prev = &counterNewsPlace{set: true, end: true, id: news[i].ID, at: at}
	} else if i > 0 {
		pg.prev = &counterNewsPlace{set: true, end: true, id: news[i-1].ID, at: len(strings.TrimSpace(news[i-1].Body))}
	}
	return pg
}

// counterBackPage is where the page that ends before offset p of body
// starts: at most chars bytes back, at the start of a word where it can
// (a word longer than a page is cut at a rune boundary).
func counterBackPage(body string, p, chars int) int {
	text := strings.TrimRight(body[:p], " ")
	if len(text) <= chars {
		return 0
	}
	start := len(text) - chars
	if i := strings.IndexByte(text[start:], ' '); i >= 0 {
		start += i + 1
	} else {
		for start < len(text) && !utf8.RuneStart(text[start]) {
			start++
		}
	}
	for start < len(text) && text[start] == ' ' {
		start++
	}
	return start
}

// newsPager turns the home's news from page pg: each button keeps the
// place of the page it goes to.
func (s *CounterScreen) newsPager(pg counterNewsPage) fyne.CanvasObject {
	to := func(p *counterNewsPlace) func() {
		if p == nil {
			return nil
		}
		return func() { s.newsAt = *p }
	}
	return s.pagerTo(to(pg.prev), to(pg.next), counterPageOf(pg.index, pg.count), counterPageShort(pg.index, pg.count))
}
