package listener

import (
	"crypto/sha256"
	"sync"
)

// dedup remembers the last size body hashes in a ring, so memory stays
// bounded however long the listener runs.
type dedup struct {
	mu   sync.Mutex
	set  map[[sha256.Size]byte]struct{}
	ring [][sha256.Size]byte
	next int
	full bool
}

func newDedup(size int) *dedup {
	return &dedup{set: make(map[[sha256.Size]byte]struct{}), ring: make([][sha256.Size]byte, size)}
}

// seen reports whether h is among the remembered hashes, and remembers it.
func (d *dedup) seen(h [sha256.Size]byte) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, ok := d.set[h]; ok {
		return true
	}
	if d.full {
		delete(d.set, d.ring[d.next])
	}
	d.ring[d.next] = h
	d.set[h] = struct{}{}
	d.next++
	if d.next == len(d.ring) {
		d.next, d.full = 0, true
	}
	return false
}
