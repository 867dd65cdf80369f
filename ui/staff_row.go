package ui

import (
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// staffRow is a tappable line of a staff list (a pupil found, a meal to
// void, a USB stick): it looks like a button but its text is cut with an
// ellipsis when too long. Fyne's buttons cannot wrap or truncate, so a
// long pupil line or USB path on a button would widen the page past the
// kiosk's window.
type staffRow struct {
	widget.BaseWidget
	icon  fyne.Resource
	lines []*widget.Label
	onTap func()
}

// row makes a staffRow: main in body text, each of more in small text
// below it (empty ones are left out). A tap counts as activity.
func (s *StaffScreen) row(icon fyne.Resource, fn func(), main string, more ...string) *staffRow {
	r := &staffRow{icon: icon, onTap: func() {
		s.b.Touch()
		fn()
	}}
	r.lines = append(r.lines, staffRowLabel(theme.SizeNameText, main))
	for _, m := range more {
		if m != "" {
			r.lines = append(r.lines, staffRowLabel(SizeNameSmall, m))
		}
	}
	r.ExtendBaseWidget(r)
	return r
}

func staffRowLabel(size fyne.ThemeSizeName, text string) *widget.Label {
	l := newLabel(size, false)
	l.Wrapping = fyne.TextWrapOff
	l.Truncation = fyne.TextTruncateEllipsis
	l.SetText(text)
	return l
}

// Text is the row's lines joined by " · ", as a button's text would be.
func (r *staffRow) Text() string {
	var parts []string
	for _, l := range r.lines {
		parts = append(parts, l.Text)
	}
	return strings.Join(parts, " · ")
}

func (r *staffRow) Tapped(*fyne.PointEvent) {
	if r.onTap != nil {
		r.onTap()
	}
}

// MinSize is at least a touch target tall.
func (r *staffRow) MinSize() fyne.Size {
	ms := r.BaseWidget.MinSize()
	return fyne.NewSize(ms.Width, max(ms.Height, MinTouchTarget))
}

func (r *staffRow) CreateRenderer() fyne.WidgetRenderer {
	bg := canvas.NewRectangle(colorButton)
	bg.CornerRadius = theme.Size(theme.SizeNameInputRadius)
	objs := make([]fyne.CanvasObject, len(r.lines))
	for i, l := range r.lines {
		objs[i] = l
	}
	var lead fyne.CanvasObject
	if r.icon != nil {
		lead = container.NewCenter(widget.NewIcon(r.icon))
	}
	// The lines sit in the middle of the row's height, close together.
	dense := container.New(staffLinesLayout{}, objs...)
	text := container.New(layout.NewCustomPaddedLayout(0, 0, 8, 8), container.NewVBox(layout.NewSpacer(), dense, layout.NewSpacer()))
	return widget.NewSimpleRenderer(container.NewStack(bg, container.New(layout.NewCustomPaddedLayout(1, 1, 8, 0), container.NewBorder(nil, nil, lead, nil, text))))
}

// staffOneLine is body text on one line, cut with an ellipsis when too long.
func staffOneLine(text string) *widget.Label {
	return staffRowLabel(theme.SizeNameText, text)
}

// staffRowInset is what a row's lines keep of their labels' inner padding,
// tighter than counterDense, so that a row of two lines is little more
// than a touch target tall and a page of rows fits beside the keyboard.
const staffRowInset = 1

// staffLinesLayout stacks lines of text with no gap between them (a VBox
// puts the theme's padding between them), each label's own inner padding
// (the kiosk theme's, sized for buttons) trimmed to staffRowInset: the
// label is laid out that much larger than its line, its padding overlapping
// its neighbours' (a label draws no background). It replaces a theme
// override: Fyne 2.7 parses the fonts again for each override's scope, and
// keeps every text an override ever themed in a map it never empties
// (counter_tabrow.go); staff lists make new rows at every page.
type staffLinesLayout struct{}

func staffLineTrim(o fyne.CanvasObject) float32 {
	if l, ok := o.(*widget.Label); ok {
		return max(theme.CurrentForWidget(l).Size(theme.SizeNameInnerPadding)-staffRowInset, 0)
	}
	return 0
}

func (staffLinesLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	var s fyne.Size
	for _, o := range objs {
		t := staffLineTrim(o)
		ms := o.MinSize()
		s = fyne.NewSize(max(s.Width, ms.Width-2*t), s.Height+ms.Height-2*t)
	}
	return s
}

func (staffLinesLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	var y float32
	for _, o := range objs {
		t := staffLineTrim(o)
		h := o.MinSize().Height
		o.Move(fyne.NewPos(-t, y-t))
		o.Resize(fyne.NewSize(size.Width+2*t, h))
		y += h - 2*t
	}
}
