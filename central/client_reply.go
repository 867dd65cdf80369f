package central

import "fmt"

// decodeReply decodes a reply body into a T (decodeJSON) and gives with it
// the reply's rejection: bad(format, a...) is an ErrMalformedReply that
// names the reply (what) and says what is wrong with it.
func decodeReply[T any](body []byte, what string) (v T, bad func(format string, a ...any) (T, error), err error) {
	bad = func(format string, a ...any) (T, error) {
		var zero T
		return zero, fmt.Errorf("%w: %s: %s", ErrMalformedReply, what, fmt.Sprintf(format, a...))
	}
	if err := decodeJSON(body, &v); err != nil {
		var zero T
		return zero, bad, err
	}
	return v, bad, nil
}
