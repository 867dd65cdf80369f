package kvpg

// WithoutWriteBuffer is opts with every write sent at once (the write
// buffer's benchmark).
func WithoutWriteBuffer(opts Options) Options {
	opts.flushEvery = 1
	return opts
}

// WithoutTurns is opts with no run of an Update taking the write turn
// (only the serializable transaction and the retries).
func WithoutTurns(opts Options) Options {
	opts.OptimisticWrites, opts.noTurns = true, true
	return opts
}
