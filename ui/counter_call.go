package ui

import "context"

// callLocked clears the footer's error and runs call on its own goroutine
// (startLocked); on the UI goroutine, done gets its result, or the footer
// says its error.
func callLocked[T any](s *CounterScreen, call func(context.Context) (T, error), done func(T)) {
	s.errText = ""
	s.startLocked(func(ctx context.Context) func() {
		v, err := call(ctx)
		return func() {
			if err != nil {
				s.errText = s.errorText(err)
				return
			}
			done(v)
		}
	})
}
