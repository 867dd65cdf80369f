package ui

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// DemoTag marks what a demo badge shows off; the panel prints it, translated,
// after the entry's label ("Marco R. 3B · dieta").
type DemoTag string

// The demo tags, each a catalogue key.
const (
	DemoTagDiet       DemoTag = "demo.tag.diet"
	DemoTagBlocked    DemoTag = "demo.tag.blocked"
	DemoTagBland      DemoTag = "demo.tag.bland"
	DemoTagCancelled  DemoTag = "demo.tag.cancelled"
	DemoTagLowBalance DemoTag = "demo.tag.low_balance"
	DemoTagNegative   DemoTag = "demo.tag.negative"
	DemoTagUnknown    DemoTag = "demo.tag.unknown"
	DemoTagGarbled    DemoTag = "demo.tag.garbled"
	// DemoTagUnplug and DemoTagReplug mark entries that pull the demo reader
	// out and plug it back in, to show the reader state and the automatic
	// reconnection.
	DemoTagUnplug DemoTag = "demo.tag.unplug"
	DemoTagReplug DemoTag = "demo.tag.replug"
	// DemoTagNetCut and DemoTagNetRestore mark entries that cut the link to
	// the central server and restore it, to show the sync state going
	// offline, the events waiting and the catch-up.
	DemoTagNetCut     DemoTag = "demo.tag.net_cut"
	DemoTagNetRestore DemoTag = "demo.tag.net_restore"
	// DemoTagStaff marks a staff badge; the entry's Detail is its PIN.
	DemoTagStaff DemoTag = "demo.tag.staff"
	// DemoTagFamilyCode marks a pupil at the counter; the entry's Detail is
	// the codice fiscale and the family access code to type.
	DemoTagFamilyCode DemoTag = "demo.tag.family_code"
	// DemoTagMarkPaid marks the entry that pays the newest notice still to
	// be paid, standing in for the receipt pagoPA would send.
	DemoTagMarkPaid DemoTag = "demo.tag.mark_paid"
)

// DemoEntry is one button of the demo reader panel: what it says and the
// frame the wiring writes into the demo reader when it is tapped.
type DemoEntry struct {
	// Label is data, shown as it is: a pupil's first name, surname initial
	// and class ("Marco R. 3B"); empty for the unknown-badge and garbled
	// entries, which their tag describes.
	Label string
	Tags  []DemoTag
	// Frame is the reader's bytes for this badge; the panel does not look
	// at them.
	Frame []byte
	// Detail is data shown after the tags: a demo staff member's PIN, a
	// pupil's codice fiscale and family access code.
	Detail string
}

// DemoUnknown is the entry for a well-formed badge that is on no roster.
func DemoUnknown(frame []byte) DemoEntry {
	return DemoEntry{Tags: []DemoTag{DemoTagUnknown}, Frame: frame}
}

// DemoGarbled is the entry for a frame the decoder must reject.
func DemoGarbled(frame []byte) DemoEntry {
	return DemoEntry{Tags: []DemoTag{DemoTagGarbled}, Frame: frame}
}

// DemoUnplug is the entry that pulls the demo reader out (no frame).
func DemoUnplug() DemoEntry { return DemoEntry{Tags: []DemoTag{DemoTagUnplug}} }

// DemoReplug is the entry that plugs the demo reader back in (no frame).
func DemoReplug() DemoEntry { return DemoEntry{Tags: []DemoTag{DemoTagReplug}} }

// DemoNetCut is the entry that cuts the link to the central server (no
// frame).
func DemoNetCut() DemoEntry { return DemoEntry{Tags: []DemoTag{DemoTagNetCut}} }

// DemoNetRestore is the entry that restores the link to the central server
// (no frame).
func DemoNetRestore() DemoEntry { return DemoEntry{Tags: []DemoTag{DemoTagNetRestore}} }

// Is reports whether the entry carries tag t.
func (e DemoEntry) Is(t DemoTag) bool {
	for _, x := range e.Tags {
		if x == t {
			return true
		}
	}
	return false
}

// DefaultDemoPerPage is how many demo badges a page of the panel shows.
const DefaultDemoPerPage = 12

// DemoPanel is the demo mode's stand-in for a badge reader: one button per
// demo badge, in pages turned by buttons (the desktop driver has no touch
// scrolling). It knows nothing of ports: tapping a button calls onTap with
// the entry, and the wiring writes entry.Frame into the demo reader.
type DemoPanel struct {
	tr      *Catalogue
	entries []DemoEntry
	onTap   func(DemoEntry)
	perPage int
	page    int

	root       *container.ThemeOverride
	buttons    []*widget.Button
	grid       *fyne.Container
	prev, next *widget.Button
	pageLabel  *widget.Label
}

// NewDemoPanel builds the panel for entries; onTap runs on the UI goroutine
// and must not block (start a goroutine for slow writes).
func NewDemoPanel(tr *Catalogue, entries []DemoEntry, onTap func(DemoEntry)) *DemoPanel {
	if tr == nil {
		tr = MustCatalogue(DefaultLanguage)
	}
	p := &DemoPanel{tr: tr, entries: entries, onTap: onTap}
	title := widget.NewLabel(tr.T("demo.title"))
	title.TextStyle = fyne.TextStyle{Bold: true}
	title.SizeName = theme.SizeNameSubHeadingText
	hint := widget.NewLabel(tr.T("demo.hint"))
	hint.Wrapping = fyne.TextWrapWord
	p.grid = container.NewVBox()
	p.prev = widget.NewButtonWithIcon(tr.T("demo.prev"), theme.NavigateBackIcon(), func() { p.SetPage(p.page - 1) })
	p.next = widget.NewButtonWithIcon(tr.T("demo.next"), theme.NavigateNextIcon(), func() { p.SetPage(p.page + 1) })
	p.next.IconPlacement = widget.ButtonIconTrailingText
	p.pageLabel = widget.NewLabel("")
	p.pageLabel.Alignment = fyne.TextAlignCenter
	paging := container.NewVBox(p.pageLabel, container.NewGridWithColumns(2, p.prev, p.next))
	bg := canvas.NewRectangle(colorHeader)
	edge := canvas.NewRectangle(colorLine)
	edge.SetMinSize(fyne.NewSize(3, 1))
	body := container.NewBorder(container.NewVBox(title, hint), paging, nil, nil, p.grid)
	p.root = container.NewThemeOverride(container.NewBorder(nil, nil, edge, nil,
		container.NewStack(bg, container.NewPadded(body))), compactTheme{})
	p.SetPerPage(DefaultDemoPerPage)
	return p
}

// Content returns the panel's root object, for CanteenScreen.SetSidePanel.
func (p *DemoPanel) Content() fyne.CanvasObject { return p.root }

// SetPerPage sets how many buttons a page shows (at least 1) and goes back
// to the first page.
func (p *DemoPanel) SetPerPage(n int) {
	p.perPage = max(n, 1)
	p.buttons = p.buttons[:0]
	for range p.perPage {
		b := widget.NewButton("", nil)
		b.Alignment = widget.ButtonAlignLeading
		p.buttons = append(p.buttons, b)
	}
	objs := make([]fyne.CanvasObject, len(p.buttons))
	for i, b := range p.buttons {
		objs[i] = b
	}
	p.grid.Objects = objs
	p.SetPage(0)
	p.root.Refresh()
}

// Pages returns the number of pages.
func (p *DemoPanel) Pages() int { return max(1, (len(p.entries)+p.perPage-1)/p.perPage) }

// Page returns the page shown, from 0.
func (p *DemoPanel) Page() int { return p.page }

// SetPage shows page n (from 0), clamped to the pages there are.
func (p *DemoPanel) SetPage(n int) {
	p.page = min(max(n, 0), p.Pages()-1)
	first := p.page * p.perPage
	for i, b := range p.buttons {
		k := first + i
		if k >= len(p.entries) {
			b.Hide()
			continue
		}
		e := p.entries[k]
		b.SetText(p.EntryText(e))
		b.OnTapped = func() {
			if p.onTap != nil {
				p.onTap(e)
			}
		}
		b.Show()
	}
	p.pageLabel.SetText(p.tr.T("demo.page", p.page+1, p.Pages()))
	if p.page > 0 {
		p.prev.Enable()
	} else {
		p.prev.Disable()
	}
	if p.page < p.Pages()-1 {
		p.next.Enable()
	} else {
		p.next.Disable()
	}
	p.grid.Refresh()
}

// EntryText is what an entry's button says: its label and its tags,
// translated ("Marco R. 3B · dieta, in bianco").
func (p *DemoPanel) EntryText(e DemoEntry) string {
	tags := make([]string, len(e.Tags))
	for i, t := range e.Tags {
		tags[i] = p.tr.T(string(t))
	}
	parts := make([]string, 0, 2)
	for _, x := range []string{e.Label, strings.Join(tags, ", ")} {
		if x != "" {
			parts = append(parts, x)
		}
	}
	text := demoWrap(strings.Join(parts, " · "), demoLineRunes)
	if e.Detail != "" { // on its own line: the panel stays narrow
		text += "\n" + e.Detail
	}
	return text
}

// demoLineRunes is about what fits on a line of the panel's buttons (which
// cannot wrap by themselves) at its ~420 px width.
const demoLineRunes = 34

// demoWrap breaks text over two lines at the space nearest its middle when
// it is longer than n runes, so that a long entry does not widen the panel.
func demoWrap(text string, n int) string {
	r := []rune(text)
	if len(r) <= n {
		return text
	}
	best := -1
	for i, c := range r {
		if c == ' ' && (best < 0 || abs(i-len(r)/2) < abs(best-len(r)/2)) {
			best = i
		}
	}
	if best < 0 {
		return text
	}
	return string(r[:best]) + "\n" + string(r[best+1:])
}

func abs(x int) int { return max(x, -x) }
