package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// Colours of the kiosk theme for the words and icons on a coloured panel
// (see tone.ink). The panels name them instead of taking a theme override
// of their own: Fyne 2.7 gives each override a theme scope with its own
// parsed fonts (megabytes each), and a new one each time it is refreshed.
const (
	colorNameInkOnDark   fyne.ThemeColorName = "mensakiosk-inkOnDark"
	colorNameInkOnAmber  fyne.ThemeColorName = "mensakiosk-inkOnAmber"
	colorNameInkOnBanner fyne.ThemeColorName = "mensakiosk-inkOnBanner"
)

// ink is the colour name of the words and icons on the tone's panel.
func (t tone) ink() fyne.ThemeColorName {
	switch t {
	case toneAmber:
		return colorNameInkOnAmber
	case toneBanner:
		return colorNameInkOnBanner
	}
	return colorNameInkOnDark
}

// panelInset is the space left around a panel's text (a label's inner
// padding in the kiosk theme is sized for buttons).
const panelInset float32 = 4

// inkText is a panel's text: wrapping words of one size and colour, with
// panelInset around them. Text is the words shown ("" hides it).
type inkText struct {
	widget.BaseWidget
	rt  *widget.RichText
	seg *widget.TextSegment
}

func newInkText(size fyne.ThemeSizeName, bold bool, ink fyne.ThemeColorName) *inkText {
	seg := &widget.TextSegment{Style: widget.RichTextStyle{ColorName: ink, SizeName: size, TextStyle: fyne.TextStyle{Bold: bold}}}
	t := &inkText{seg: seg, rt: widget.NewRichText(seg)}
	t.rt.Wrapping = fyne.TextWrapWord
	t.ExtendBaseWidget(t)
	return t
}

// Text is the words shown.
func (t *inkText) Text() string { return t.seg.Text }

// set shows text, or hides the widget when text is empty.
func (t *inkText) set(text string) {
	if text == "" {
		t.Hide()
		return
	}
	if t.seg.Text != text {
		t.seg.Text = text
		t.rt.Refresh()
	}
	t.Show()
}

// trim is how much of the rich text's inner padding lies outside the
// widget on each side.
func (t *inkText) trim() float32 {
	return max(theme.CurrentForWidget(t).Size(theme.SizeNameInnerPadding)-panelInset, 0)
}

func (t *inkText) CreateRenderer() fyne.WidgetRenderer { return &inkTextRenderer{t: t} }

type inkTextRenderer struct{ t *inkText }

func (r *inkTextRenderer) Layout(size fyne.Size) {
	tr := r.t.trim()
	r.t.rt.Move(fyne.NewPos(-tr, -tr))
	r.t.rt.Resize(size.AddWidthHeight(2*tr, 2*tr))
}

func (r *inkTextRenderer) MinSize() fyne.Size {
	tr := r.t.trim()
	return r.t.rt.MinSize().SubtractWidthHeight(2*tr, 2*tr)
}

func (r *inkTextRenderer) Refresh()                     { r.t.rt.Refresh() }
func (r *inkTextRenderer) Objects() []fyne.CanvasObject { return []fyne.CanvasObject{r.t.rt} }
func (r *inkTextRenderer) Destroy()                     {}
