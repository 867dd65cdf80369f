package kvpg

// WithoutWriteBuffer is opts with every write sent at once (the write
// buffer's benchmark).
func WithoutWriteBuffer(opts Options) Options {
	opts.flushEvery = 1
	return opts
}

// WithoutTurns is opts with the retried runs of an Update taking no write
// turn (only the serializable transaction and the retries).
func WithoutTurns(opts Options) Options {
	opts.noTurns = true
	return opts
}
