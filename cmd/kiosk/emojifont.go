//go:build no_emoji

package main

// Fyne 2.7 parses its bundled colour emoji font (EmojiOneColor, 4 MB) once
// for every text style it draws (regular, bold) in every theme scope,
// beside the text font and the system's font for the language: in the
// canteen soak it was about 8 MiB of the kiosk's 17 MiB of parsed fonts,
// the largest part of its live Go heap. Fyne's no_emoji build tag leaves
// the font out; the Makefile builds every kiosk with it (KIOSK_TAGS). The
// kiosk's texts have no emoji (the catalogue's symbols, ⌫ ⇧ ●, come from
// the system's fonts either way), and a rare emoji in a dish's name is
// still drawn, from the system's fonts (Fyne falls back to them for any
// character its own fonts lack).
const emojiFont = "none (no_emoji)"
