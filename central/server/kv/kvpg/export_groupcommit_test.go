package kvpg

// QueuedUpdates is how many Updates wait for d's group committer.
func QueuedUpdates(d *DB) int { return len(d.gc.reqs) }
