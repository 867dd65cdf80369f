package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"mensakiosk/app"
)

// placed is an object on screen with its rectangle in the window.
type placed struct {
	o        fyne.CanvasObject
	pos      fyne.Position
	size     fyne.Size
	document bool // a document's title or address
}

// placedObjects lists the visible labels and buttons under o with their
// rectangles in the window.
func placedObjects(o fyne.CanvasObject, at fyne.Position, docTexts map[string]bool, out *[]placed) {
	if o == nil || !o.Visible() {
		return
	}
	at = at.Add(o.Position())
	switch x := o.(type) {
	case *fyne.Container:
		for _, c := range x.Objects {
			placedObjects(c, at, docTexts, out)
		}
	case *container.ThemeOverride:
		placedObjects(x.Content, at, docTexts, out)
	case *refreshStop: // counter_tabrow.go
		placedObjects(x.content, at, docTexts, out)
	case *counterTapZone:
		placedObjects(x.obj, at, docTexts, out)
	case *widget.Label:
		if x.Text != "" {
			*out = append(*out, placed{o: x, pos: at, size: x.Size(), document: docTexts[x.Text]})
		}
	case *widget.Button:
		*out = append(*out, placed{o: x, pos: at, size: x.Size()})
	}
}

// settle lays the window out until it stops changing, as the real driver
// does frame after frame: a wrapping label measured before it had a width
// asks for one word a line, and the test driver lays a container out again
// only when its size changes. Each round resizes the window a pixel
// smaller and back, so every container is laid out again at sizes its
// labels now know; the rounds stop when one leaves the window as it
// found it (what it draws, test.RenderToMarkup), at most three. (In these
// tests the first round changes the window or none does: three rounds
// every time laid the home out twice as often as it needed.)
func settle(w fyne.Window, size fyne.Size) {
	before := test.RenderToMarkup(w.Canvas())
	for range 3 {
		w.Resize(size.SubtractWidthHeight(1, 1))
		w.Resize(size)
		after := test.RenderToMarkup(w.Canvas())
		if after == before {
			return
		}
		before = after
	}
}

// textBand is where a label's lines are drawn: from its top inset by its
// inner padding, as many lines as it needs at its width, even where its
// container gave it less height (the text then runs over what is below).
func textBand(p placed) (top, bottom float32) {
	l := p.o.(*widget.Label)
	inner := theme.CurrentForWidget(l).Size(theme.SizeNameInnerPadding)
	return p.pos.Y + inner, p.pos.Y + l.MinSize().Height - inner
}

// TestCounterHomeTextClearOfPagers: on the counter's home, every text
// (the news, each document's title and address) is above the pagers and
// inside the window, whatever height the window leaves them (the
// demo's 1280×720 full screen, where the demo panel narrows the screen and
// the prompt takes two lines, ran the third document under the pager),
// also with an error line above; and the pager reaches every document.
func TestCounterHomeTextClearOfPagers(t *testing.T) {
	data := fitCounterDocs()
	docTexts := map[string]bool{}
	for _, d := range data.Documents {
		docTexts[d.Title], docTexts[d.URL] = true, true
	}
	sizes := []fyne.Size{
		{Width: fitDemo720W, Height: 720},
		{Width: 1280, Height: 720},
		{Width: 1280, Height: 800},
		{Width: fitDemoW, Height: fitDemoH},
	}
	for _, size := range sizes {
		for _, withError := range []bool{false, true} {
			t.Run(fmt.Sprintf("%.0fx%.0f error=%v", size.Width, size.Height, withError), func(t *testing.T) {
				newKioskApp(t)
				// The counter on apptest, with no badge known: a badge is an error line.
				b := newCounterBackend(t, true, data)
				s := NewCounterScreen(map[string]*Catalogue{"it": MustCatalogue("it"), "en": MustCatalogue("en")}, b.c, CounterOptions{PollInterval: time.Hour})
				t.Cleanup(func() { s.Close(); s.wait() })
				s.SetSync(app.SyncStatus{Configured: true, Online: true})
				w := newSizedWindow(t, WindowContent(s.Content()), size)
				if withError {
					s.PostBadge("0A99999999")
					s.wait()
				}
				settle(w, size)
				seen := map[string]int{}
				for page := 0; ; page++ {
					var objs []placed
					placedObjects(w.Content(), fyne.Position{}, docTexts, &objs)
					var docsNext *widget.Button
					var docsNextX float32
					// The documents' pager is the one on the right; where the
					// column is narrow its buttons have no words.
					nexts := map[fyne.CanvasObject]bool{}
					for _, b := range pagerNextButtons(w.Content()) {
						nexts[b] = true
					}
					for _, p := range objs {
						if b, ok := p.o.(*widget.Button); ok && nexts[b] && p.pos.X >= docsNextX {
							docsNext, docsNextX = b, p.pos.X
						}
					}
					for _, p := range objs {
						l, ok := p.o.(*widget.Label)
						if !ok {
							continue
						}
						if p.document {
							seen[l.Text]++
						}
						top, bottom := textBand(p)
						if bottom > size.Height || top < 0 {
							t.Errorf("page %d: %q at %.0f–%.0f is outside the %.0f-high window", page+1, l.Text, top, bottom, size.Height)
						}
						for _, q := range objs {
							b, ok := q.o.(*widget.Button)
							// Across, too, the text lies inside the label's padding.
							inner := theme.CurrentForWidget(l).Size(theme.SizeNameInnerPadding)
							if !ok || q.pos.X >= p.pos.X+p.size.Width-inner || q.pos.X+q.size.Width <= p.pos.X+inner {
								continue
							}
							if top < q.pos.Y+q.size.Height && bottom > q.pos.Y {
								t.Errorf("page %d: %q (%.0f–%.0f) runs under the button %q (%.0f–%.0f)",
									page+1, l.Text, top, bottom, b.Text, q.pos.Y, q.pos.Y+q.size.Height)
							}
						}
					}
					if docsNext == nil {
						t.Fatal("no pager for the documents")
					}
					if docsNext.Disabled() || page > len(data.Documents) {
						break
					}
					test.Tap(docsNext)
					s.wait()
					settle(w, size)
				}
				for _, d := range data.Documents {
					if seen[d.Title] != 1 || seen[d.URL] != 1 {
						t.Errorf("document %q shown %d times, its address %d times: want once each", d.Title, seen[d.Title], seen[d.URL])
					}
				}
			})
		}
	}
}

// fitDemo720W is the role screen's width in the demo at a 1280×720 full
// screen: the window less the demo panel beside it (measured in the real
// window: the panel takes 276 px).
const fitDemo720W = 1004

// fitCounterDocs is the home view's data of the fit tests: long news and
// documents with long titles and addresses.
func fitCounterDocs() counterData {
	b := counterData{
		News: []app.News{{ID: "n1", Title: "Nuovo menu invernale nelle scuole dell'infanzia e primarie del Comune", Published: counterStart.Add(-48 * time.Hour),
			Body: strings.Repeat("Dal 1° dicembre entra in vigore il menu invernale approvato dalla commissione mensa. ", 4)}},
	}
	for i, title := range []string{"Regolamento del servizio di refezione scolastica del Comune", "Tariffe e fasce ISEE",
		"Modulo di richiesta dieta speciale per motivi di salute o religiosi", "Menu invernale", "Menu estivo"} {
		b.Documents = append(b.Documents, app.Document{ID: fmt.Sprint("d", i), Title: title,
			URL:       fmt.Sprintf("https://www.comune.example.it/amministrazione/servizi-scolastici/refezione/documento-%d.pdf", i),
			Published: counterStart.Add(-72 * time.Hour)})
	}
	return b
}
