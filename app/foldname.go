package app

import (
	"strings"
	"unicode"
)

// FoldName folds a name for search and sorting: lower case, accents
// dropped, only letters and digits kept ("D'Angelo" → "dangelo",
// "Nicolò" → "nicolo").
func FoldName(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if f, ok := foldAccent[r]; ok {
			r = f
		}
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

var foldAccent = func() map[rune]rune {
	m := map[rune]rune{}
	for base, accented := range map[rune]string{
		'a': "àáâãäåā", 'e': "èéêëē", 'i': "ìíîïī", 'o': "òóôõöøō", 'u': "ùúûüū",
		'c': "çćč", 'n': "ñń", 's': "šś", 'z': "žźż", 'y': "ýÿ", 'l': "ł", 'r': "ř", 'd': "đ", 'g': "ğ",
	} {
		for _, r := range accented {
			m[r] = base
		}
	}
	return m
}()
