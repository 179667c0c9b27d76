//go:build race

package store

// raceEnabled is true under -race, where modernc.org/sqlite runs about 26
// times slower: the largest tests shrink or skip.
const raceEnabled = true
