package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// bigIcon is a theme icon drawn in colour ink at size px.
func bigIcon(res fyne.Resource, ink fyne.ThemeColorName, px float32) *canvas.Image {
	img := canvas.NewImageFromResource(theme.NewColoredResource(res, ink))
	img.FillMode = canvas.ImageFillContain
	img.SetMinSize(fyne.NewSquareSize(px))
	return img
}

func setIcon(img *canvas.Image, res fyne.Resource, ink fyne.ThemeColorName) {
	img.Resource = theme.NewColoredResource(res, ink)
	img.Refresh()
}

func newLabel(size fyne.ThemeSizeName, bold bool) *widget.Label {
	l := widget.NewLabel("")
	l.SizeName = size
	l.TextStyle = fyne.TextStyle{Bold: bold}
	l.Wrapping = fyne.TextWrapWord
	return l
}

// setText sets a label's text and shows it, or hides it when text is empty.
func setText(l *widget.Label, text string) {
	if text == "" {
		l.Hide()
		return
	}
	l.SetText(text)
	l.Show()
}

// panel is a coloured block: a signal colour, a big icon and words in the
// colour that contrasts with it. The result, error and banner views are
// panels; notes are small panels.
//
// A panel has no theme override of its own: its words and icons name the
// tone's ink colour (tone.ink) and keep panelInset around them.
type panel struct {
	root  *fyne.Container
	bg    *canvas.Rectangle
	ink   fyne.ThemeColorName
	icon  *canvas.Image
	title *inkText
	lines []*inkText
	small *inkText
	box   *fyne.Container
}

// newPanel makes a panel with room for a title, n lines and a small line
// (for staff details). iconPx is the icon's side; titleSize and lineSize the
// theme sizes of the title and of the lines.
func newPanel(t tone, iconPx float32, titleSize, lineSize fyne.ThemeSizeName, n int) *panel {
	p := &panel{ink: t.ink()}
	p.bg = canvas.NewRectangle(t.theme().bg)
	p.bg.CornerRadius = 12
	p.icon = bigIcon(theme.InfoIcon(), p.ink, iconPx)
	p.title = newInkText(titleSize, true, p.ink)
	texts := []fyne.CanvasObject{layout.NewSpacer(), p.title}
	for range n {
		l := newInkText(lineSize, lineSize != SizeNameSmall, p.ink)
		p.lines = append(p.lines, l)
		texts = append(texts, l)
	}
	p.small = newInkText(SizeNameSmall, false, p.ink)
	texts = append(texts, p.small, layout.NewSpacer())
	p.box = container.New(layout.NewCustomPaddedVBoxLayout(lineGap), texts...)
	body := container.NewBorder(nil, nil, container.NewCenter(p.icon), nil, p.box)
	inner := container.NewPadded(body)
	switch {
	case t == toneBanner: // keep clear of the thick border
		inner = container.New(layout.NewCustomPaddedLayout(12, 12, 18, 18), body)
	case n == 0: // a note: one line
		inner = container.New(layout.NewCustomPaddedLayout(4, 4, 8, 8), body)
	}
	p.root = container.NewStack(p.bg, inner)
	return p
}

// set fills the panel: icon, title, lines (empty ones and missing ones are
// hidden) and the small line.
func (p *panel) set(icon fyne.Resource, title string, lines []string, small string) {
	setIcon(p.icon, icon, p.ink)
	p.title.set(title)
	for i, l := range p.lines {
		text := ""
		if i < len(lines) {
			text = lines[i]
		}
		l.set(text)
	}
	p.small.set(small)
	relayout(p.box)
}

// relayout lays c out again after its children changed visibility or size
// and asks for a repaint, without Container.Refresh: that would refresh
// every widget inside, theme overrides included, and those re-measure all
// the texts of the screen (tens of milliseconds per tap).
func relayout(c *fyne.Container) {
	if c.Layout != nil {
		c.Layout.Layout(c.Objects, c.Size())
	}
	canvas.Refresh(c)
}

// note is a one-line panel: an amber or red strip with an icon, for
// modifiers such as "low balance".
func newNote(t tone, icon fyne.Resource, text string) *panel {
	p := newPanel(t, noteIconPx, SizeNameNote, SizeNameNote, 0)
	p.bg.CornerRadius = 8
	p.set(icon, text, nil, "")
	return p
}

// noteIconPx is a note's icon side.
const noteIconPx float32 = 44

// resultGap is the space between the blocks of the result view, lineGap
// the space between the lines of a panel.
const (
	resultGap float32 = 8
	lineGap   float32 = 2
)

// fillLayout stacks its objects top to bottom like a VBox, skipping hidden
// ones; the filler takes the height left, never less than zero. Its minimum
// height leaves the filler out, so that a crowded result (a banner and
// several notes on a small display) overlaps instead of forcing the window
// beyond the screen or laying out negative sizes.
type fillLayout struct{ filler fyne.CanvasObject }

func (l fillLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	// Wrapped text is as tall as its width makes it: give every block the
	// full width first, then measure.
	for _, o := range objs {
		if o.Visible() && o.Size().Width != size.Width {
			o.Resize(fyne.NewSize(size.Width, o.MinSize().Height))
		}
	}
	fixed, n := float32(0), 0
	for _, o := range objs {
		if !o.Visible() {
			continue
		}
		n++
		if o != l.filler {
			fixed += o.MinSize().Height
		}
	}
	left := max(0, size.Height-fixed-resultGap*float32(max(n-1, 0)))
	y := float32(0)
	for _, o := range objs {
		if !o.Visible() {
			continue
		}
		h := o.MinSize().Height
		if o == l.filler {
			h = left
		}
		o.Move(fyne.NewPos(0, y))
		o.Resize(fyne.NewSize(size.Width, h))
		y += h + resultGap
	}
}

func (l fillLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var min fyne.Size
	n := 0
	for _, o := range objs {
		if !o.Visible() {
			continue
		}
		n++
		m := o.MinSize()
		min.Width = max(min.Width, m.Width)
		if o != l.filler {
			min.Height += m.Height
		}
	}
	min.Height += resultGap * float32(max(n-1, 0))
	return min
}

// promptLayout centres the idle prompt's icon and words vertically. When
// the notes below leave too little room for both (a reader down, the
// service closed and sync alarms at once, on a small display), it leaves
// the icon out rather than let the notes cover the words. Its minimum
// height is the words' alone.
type promptLayout struct{ icon fyne.CanvasObject }

func (l promptLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	fits := l.height(objs, true) <= size.Height
	y := max(0, (size.Height-l.height(objs, fits))/2)
	for _, o := range objs {
		if !o.Visible() {
			continue
		}
		if o == l.icon && !fits {
			o.Move(fyne.NewPos(0, 0))
			o.Resize(fyne.NewSize(0, 0))
			continue
		}
		h := o.MinSize().Height
		o.Move(fyne.NewPos(0, y))
		o.Resize(fyne.NewSize(size.Width, h))
		y += h + resultGap
	}
}

// height is the height of the visible objects stacked with gaps, the icon
// included or not.
func (l promptLayout) height(objs []fyne.CanvasObject, icon bool) float32 {
	h, n := float32(0), 0
	for _, o := range objs {
		if !o.Visible() || o == l.icon && !icon {
			continue
		}
		h += o.MinSize().Height
		n++
	}
	return h + resultGap*float32(max(n-1, 0))
}

func (l promptLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var min fyne.Size
	for _, o := range objs {
		if o.Visible() {
			min.Width = max(min.Width, o.MinSize().Width)
		}
	}
	min.Height = l.height(objs, false)
	return min
}
