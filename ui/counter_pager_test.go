package ui

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"mensakiosk/app"
)

// pagerParts tells whether c is a pager (two buttons and one label:
// previous, the page, next) and returns its label and its next button.
func pagerParts(c *fyne.Container) (*widget.Label, *widget.Button, bool) {
	l, _, next, ok := pagerButtons(c)
	return l, next, ok
}

// pagerButtons is pagerParts with the previous button too.
func pagerButtons(c *fyne.Container) (*widget.Label, *widget.Button, *widget.Button, bool) {
	if len(c.Objects) != 3 {
		return nil, nil, nil, false
	}
	var buttons []*widget.Button
	var label *widget.Label
	for _, ch := range c.Objects {
		switch x := ch.(type) {
		case *widget.Button:
			buttons = append(buttons, x)
		case *widget.Label:
			label = x
		}
	}
	if len(buttons) != 2 || label == nil || !label.Visible() {
		return nil, nil, nil, false
	}
	return label, buttons[0], buttons[1], true
}

// pagerLabels returns the labels of the pagers under o.
func pagerLabels(o fyne.CanvasObject) []*widget.Label {
	var out []*widget.Label
	walk(o, func(o fyne.CanvasObject) {
		if c, ok := o.(*fyne.Container); ok {
			if l, _, ok := pagerParts(c); ok {
				out = append(out, l)
			}
		}
	})
	return out
}

// renderedText is the text a label draws: its rich text's segments as the
// renderer cut them (an ellipsis where the text did not fit).
func renderedText(l *widget.Label) string {
	var b strings.Builder
	var walk func(o fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if o == nil || !o.Visible() {
			return
		}
		switch x := o.(type) {
		case *canvas.Text:
			b.WriteString(x.Text)
		case *fyne.Container:
			for _, c := range x.Objects {
				walk(c)
			}
		case fyne.Widget:
			for _, c := range test.WidgetRenderer(x).Objects() {
				walk(c)
			}
		}
	}
	walk(l)
	return b.String()
}

// pageNumber is a pager's page: "2 / 5", "2/5", "Pagina 2 di 5".
var pageNumber = regexp.MustCompile(`\d+ ?(/|di|of) ?\d+`)

// checkPagersReadable fails when a pager under o draws less than its
// whole page label, or none is found.
func checkPagersReadable(t *testing.T, name string, o fyne.CanvasObject, want int) {
	t.Helper()
	labels := pagerLabels(o)
	if len(labels) < want {
		t.Fatalf("%s: %d pagers on screen, want %d", name, len(labels), want)
	}
	for _, l := range labels {
		if !pageNumber.MatchString(l.Text) {
			continue // a row of two buttons and a label that is no pager (the year's choice)
		}
		if got := renderedText(l); got != l.Text {
			t.Errorf("%s: the pager shows %q for its page %q (%.0f wide)", name, got, l.Text, l.Size().Width)
		}
	}
}

// TestCounterPagersShowTheirPage: the counter home's two columns (news,
// documents) keep their page number readable however narrow the column:
// beside the demo panel at 1280×720 and 1280×800 the words of the buttons
// left the page label an ellipsis. Turning the pages keeps it readable.
func TestCounterPagersShowTheirPage(t *testing.T) {
	sizes := []fyne.Size{{Width: fitDemo720W, Height: 720}, {Width: fitDemo720W, Height: 800}}
	for _, sc := range fitScreens {
		sizes = append(sizes, sc.size())
	}
	for _, size := range sizes {
		t.Run(fmt.Sprintf("%.0fx%.0f", size.Width, size.Height), func(t *testing.T) {
			newKioskApp(t)
			s := NewCounterScreen(map[string]*Catalogue{"it": MustCatalogue("it"), "en": MustCatalogue("en")}, newCounterBackend(t, true, fitCounterDocs()).c,
				CounterOptions{PollInterval: time.Hour})
			t.Cleanup(func() { s.Close(); s.wait() })
			s.SetSync(app.SyncStatus{Configured: true, Online: true})
			w := newSizedWindow(t, WindowContent(s.Content()), size)
			s.wait()
			settle(w, size)
			checkPagersReadable(t, "home", w.Content(), 2)
			for _, b := range pagerNextButtons(w.Content()) {
				if !b.Disabled() {
					test.Tap(b)
					s.wait()
					settle(w, size)
				}
			}
			checkPagersReadable(t, "home, second pages", w.Content(), 2)
		})
	}
}

// pagerNextButtons are the pagers' "next" buttons, with or without
// their words.
func pagerNextButtons(o fyne.CanvasObject) []*widget.Button {
	var out []*widget.Button
	walk(o, func(o fyne.CanvasObject) {
		if c, ok := o.(*fyne.Container); ok {
			if _, next, ok := pagerParts(c); ok {
				out = append(out, next)
			}
		}
	})
	return out
}
