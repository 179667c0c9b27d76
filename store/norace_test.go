//go:build !race

package store

// raceEnabled is false without -race.
const raceEnabled = false
