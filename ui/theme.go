package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// Sizes of the kiosk theme beyond Fyne's own, used by the screens through
// widget.Label.SizeName. Their names are not catalogue keys.
const (
	SizeNameResultTitle fyne.ThemeSizeName = "mensakiosk-resultTitle"
	SizeNameResultText  fyne.ThemeSizeName = "mensakiosk-resultText"
	SizeNameBannerTitle fyne.ThemeSizeName = "mensakiosk-bannerTitle"
	SizeNameBannerText  fyne.ThemeSizeName = "mensakiosk-bannerText"
	SizeNamePrompt      fyne.ThemeSizeName = "mensakiosk-prompt"
	SizeNameHeader      fyne.ThemeSizeName = "mensakiosk-header"
	SizeNameNote        fyne.ThemeSizeName = "mensakiosk-note"
	SizeNameSmall       fyne.ThemeSizeName = "mensakiosk-small"
)

// MinTouchTarget is the smallest side of anything meant to be touched.
const MinTouchTarget float32 = 64

// The palette: dark on light, and each signal colour with the text colour
// that contrasts with it (all pairs ≥ 6:1, WCAG AAA for large text).
var (
	colorPaper       = color.NRGBA{R: 0xff, G: 0xff, B: 0xff, A: 0xff}
	colorInk         = color.NRGBA{R: 0x10, G: 0x10, B: 0x10, A: 0xff}
	colorMuted       = color.NRGBA{R: 0x40, G: 0x40, B: 0x40, A: 0xff}
	colorLine        = color.NRGBA{R: 0x30, G: 0x30, B: 0x30, A: 0xff}
	colorButton      = color.NRGBA{R: 0xe3, G: 0xe6, B: 0xea, A: 0xff}
	colorHeader      = color.NRGBA{R: 0xee, G: 0xf0, B: 0xf3, A: 0xff}
	colorPrimary     = color.NRGBA{R: 0x0b, G: 0x3d, B: 0x91, A: 0xff}
	colorGreen       = color.NRGBA{R: 0x1b, G: 0x5e, B: 0x20, A: 0xff}
	colorAmber       = color.NRGBA{R: 0xff, G: 0xc1, B: 0x07, A: 0xff}
	colorRed         = color.NRGBA{R: 0xb7, G: 0x1c, B: 0x1c, A: 0xff}
	colorBanner      = color.NRGBA{R: 0x4a, G: 0x14, B: 0x8c, A: 0xff}
	colorBannerInk   = color.NRGBA{R: 0xff, G: 0xeb, B: 0x3b, A: 0xff}
	colorOnDark      = colorPaper
	colorOnAmber     = color.NRGBA{R: 0x00, G: 0x00, B: 0x00, A: 0xff}
	colorTextGreen   = colorGreen
	colorTextRed     = colorRed
	colorTextAmber   = color.NRGBA{R: 0x7a, G: 0x4f, B: 0x00, A: 0xff}
	colorTransparent = color.NRGBA{A: 0}
)

// kioskTheme is the big-touch, high-contrast light theme of the kiosk.
type kioskTheme struct{}

// KioskTheme returns the kiosk's theme: light, high contrast, large text
// and padding so that buttons are at least MinTouchTarget pixels tall, large
// icons. It ignores the system's dark/light variant. The screens of this
// package apply it to themselves; cmd/kiosk should also set it as the app's
// theme (a.Settings().SetTheme(ui.KioskTheme())) for dialogs and the
// window background.
func KioskTheme() fyne.Theme { return kioskTheme{} }

func (kioskTheme) Color(n fyne.ThemeColorName, _ fyne.ThemeVariant) color.Color {
	switch n {
	case theme.ColorNameBackground, theme.ColorNameInputBackground, theme.ColorNameMenuBackground,
		theme.ColorNameOverlayBackground:
		return colorPaper
	case theme.ColorNameForeground:
		return colorInk
	case theme.ColorNameHeaderBackground:
		return colorHeader
	case theme.ColorNameButton:
		return colorButton
	case theme.ColorNameDisabledButton:
		return colorHeader
	case theme.ColorNameDisabled, theme.ColorNamePlaceHolder:
		return colorMuted
	case theme.ColorNameInputBorder, theme.ColorNameSeparator:
		return colorLine
	case theme.ColorNamePrimary, theme.ColorNameHyperlink, theme.ColorNameFocus:
		return colorPrimary
	case theme.ColorNameForegroundOnPrimary, theme.ColorNameForegroundOnError, theme.ColorNameForegroundOnSuccess:
		return colorOnDark
	case theme.ColorNameForegroundOnWarning:
		return colorOnAmber
	case theme.ColorNameSuccess:
		return colorTextGreen
	case theme.ColorNameError:
		return colorTextRed
	case theme.ColorNameWarning:
		return colorTextAmber
	case theme.ColorNameHover:
		return color.NRGBA{R: 0x0b, G: 0x3d, B: 0x91, A: 0x30}
	case theme.ColorNamePressed:
		return color.NRGBA{R: 0x0b, G: 0x3d, B: 0x91, A: 0x60}
	case theme.ColorNameSelection:
		return color.NRGBA{R: 0x0b, G: 0x3d, B: 0x91, A: 0x40}
	case theme.ColorNameShadow:
		return color.NRGBA{A: 0x66}
	case theme.ColorNameScrollBar:
		return color.NRGBA{A: 0x99}
	case theme.ColorNameScrollBarBackground:
		return colorTransparent
	case colorNameInkOnDark:
		return colorOnDark
	case colorNameInkOnAmber:
		return colorOnAmber
	case colorNameInkOnBanner:
		return colorBannerInk
	}
	return theme.DefaultTheme().Color(n, theme.VariantLight)
}

func (kioskTheme) Font(s fyne.TextStyle) fyne.Resource { return theme.DefaultTheme().Font(s) }

func (kioskTheme) Icon(n fyne.ThemeIconName) fyne.Resource { return theme.DefaultTheme().Icon(n) }

func (kioskTheme) Size(n fyne.ThemeSizeName) float32 {
	switch n {
	case theme.SizeNameText:
		return 24
	case theme.SizeNameCaptionText:
		return 20
	case theme.SizeNameSubHeadingText:
		return 30
	case theme.SizeNameHeadingText:
		return 40
	case theme.SizeNamePadding:
		return 8
	case theme.SizeNameInnerPadding:
		// Button height = text line (about 32) + 2 × inner padding ≥ 64.
		return 16
	case theme.SizeNameLineSpacing:
		return 6
	case theme.SizeNameInlineIcon:
		return 32
	case theme.SizeNameInputBorder:
		return 3
	case theme.SizeNameInputRadius, theme.SizeNameSelectionRadius:
		return 8
	case theme.SizeNameSeparatorThickness:
		return 2
	case theme.SizeNameScrollBar:
		return 24
	case theme.SizeNameScrollBarSmall:
		return 8
	case SizeNameResultTitle:
		return 56
	case SizeNameResultText:
		return 34
	case SizeNameBannerTitle:
		return 50
	case SizeNameBannerText:
		return 34
	case SizeNamePrompt:
		return 60
	case SizeNameHeader:
		return 32
	case SizeNameNote:
		return 27
	case SizeNameSmall:
		return 22
	}
	return theme.DefaultTheme().Size(n)
}

// toneTheme is the kiosk theme over a coloured panel: its background and the
// text and icon colour that contrasts with it.
type toneTheme struct {
	fyne.Theme
	bg, fg color.Color
}

func (t toneTheme) Color(n fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	switch n {
	case theme.ColorNameBackground:
		return t.bg
	case theme.ColorNameForeground, theme.ColorNameDisabled, theme.ColorNamePlaceHolder:
		return t.fg
	}
	return t.Theme.Color(n, v)
}

func (t toneTheme) Size(n fyne.ThemeSizeName) float32 {
	return denseTheme{t.Theme}.Size(n)
}

// denseTheme is a theme with tight padding inside labels, for the blocks of
// text that are read, not touched (the header, the footer, the panels).
//
// Overrides never change SizeNamePadding: containers read it from the
// rendering theme only while a ThemeOverride lays them out, and from the
// app's theme when they are laid out again on their own (relayout,
// Container.Refresh), so a different value would make layouts jump.
type denseTheme struct{ fyne.Theme }

func (t denseTheme) Size(n fyne.ThemeSizeName) float32 {
	switch n {
	case theme.SizeNameInnerPadding:
		return 4
	}
	return t.Theme.Size(n)
}

// tone is a panel's signal colour. Colour is never the only signal: every
// panel also has an icon and words.
type tone int

const (
	toneGreen tone = iota
	toneAmber
	toneRed
	toneBanner
)

func (t tone) theme() toneTheme {
	switch t {
	case toneGreen:
		return toneTheme{Theme: kioskTheme{}, bg: colorGreen, fg: colorOnDark}
	case toneAmber:
		return toneTheme{Theme: kioskTheme{}, bg: colorAmber, fg: colorOnAmber}
	case toneRed:
		return toneTheme{Theme: kioskTheme{}, bg: colorRed, fg: colorOnDark}
	default:
		return toneTheme{Theme: kioskTheme{}, bg: colorBanner, fg: colorBannerInk}
	}
}

// compactTheme is the kiosk theme a little smaller, for the demo reader
// panel beside the canteen screen (operated by the presenter, not pupils).
type compactTheme struct{ kioskTheme }

func (t compactTheme) Size(n fyne.ThemeSizeName) float32 {
	switch n {
	case theme.SizeNameText:
		return 17
	case theme.SizeNameInnerPadding:
		return 7
	case theme.SizeNameInlineIcon:
		return 22
	}
	return t.kioskTheme.Size(n)
}
