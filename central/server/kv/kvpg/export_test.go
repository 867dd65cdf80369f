package kvpg

// WithoutWriteBuffer is opts with every write sent at once (the write
// buffer's benchmark).
func WithoutWriteBuffer(opts Options) Options {
	opts.flushEvery = 1
	return opts
}
