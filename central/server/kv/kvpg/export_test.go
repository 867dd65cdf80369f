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

// QMany is the statement of Bucket.Prefetch.
const QMany = qMany

// TopPath is the encoded path of the top-level bucket name.
func TopPath(name []byte) []byte { return childPath([]byte{}, name) }
