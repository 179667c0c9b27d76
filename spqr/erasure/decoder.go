package erasure

import (
	"encoding/binary"
	"slices"
)

// point is one received value of a lane's polynomial: f(x) = y.
type point struct {
	x, y gf
}

// Decoder rebuilds one message of a known length from its chunks, given in
// any order, with losses and duplicates. Its memory is bounded: a lane
// keeps at most twice as many points as it has message elements, whatever
// chunks it is given.
type Decoder struct {
	length int
	// pts[p] holds lane p's points, sorted by x, with distinct x.
	pts [lanes][]point
}

// NewDecoder returns a Decoder for a message of messageLen bytes. The length
// must be even and at most [MaxMessageLen]; otherwise the error wraps
// [ErrMessageLength].
func NewDecoder(messageLen int) (*Decoder, error) {
	if err := checkLen(messageLen); err != nil {
		return nil, err
	}
	return &Decoder{length: messageLen}, nil
}

// MessageLen returns the length in bytes of the message being decoded.
func (d *Decoder) MessageLen() int {
	return d.length
}

// need returns how many points lane p needs: its number of elements.
func (d *Decoder) need(p int) int {
	return laneLen(d.length/2, p)
}

// Add takes in a chunk. A lane keeps the chunk's point if its position is
// below the lane's element count (it may spare an interpolation) or while
// the lane has fewer points than it needs; a point at a position the lane
// already has is ignored, so the first value for a position wins. This is
// Signal's rule, and it bounds a lane at twice its element count.
func (d *Decoder) Add(c Chunk) {
	x := gf(c.Index)
	for p := range lanes {
		need, pts := d.need(p), d.pts[p]
		if int(x) >= need && len(pts) >= need {
			continue
		}
		i, found := slices.BinarySearchFunc(pts, x, func(q point, x gf) int { return int(q.x) - int(x) })
		if found {
			continue
		}
		if pts == nil {
			pts = make([]point, 0, need)
		}
		y := gf(binary.BigEndian.Uint16(c.Data[2*p:]))
		d.pts[p] = slices.Insert(pts, i, point{x, y})
	}
}

// Message returns the rebuilt message and true once every lane has as many
// points as it has elements; before that it returns nil and false. Each
// call rebuilds the message afresh into a new slice.
func (d *Decoder) Message() ([]byte, bool) {
	for p := range lanes {
		if len(d.pts[p]) < d.need(p) {
			return nil, false
		}
	}
	out := make([]byte, d.length)
	for p := range lanes {
		d.decodeLane(p, out)
	}
	return out, true
}

// decodeLane writes lane p's elements into out: each from the lane's point
// at its position when there is one, and otherwise from the polynomial
// through the lane's needed number of points of lowest position.
func (d *Decoder) decodeLane(p int, out []byte) {
	need, pts := d.need(p), d.pts[p]
	var xs, coef [maxLaneLen]gf
	interpolated := false
	k := 0 // pts[k] is the first point with x >= j
	for j := range need {
		for k < len(pts) && int(pts[k].x) < j {
			k++
		}
		var y gf
		if k < len(pts) && int(pts[k].x) == j {
			y = pts[k].y
		} else {
			if !interpolated {
				for i, q := range pts[:need] {
					xs[i], coef[i] = q.x, q.y
				}
				newtonCoefficients(xs[:need], coef[:need])
				interpolated = true
			}
			y = newtonEval(xs[:need], coef[:need], gf(j))
		}
		binary.BigEndian.PutUint16(out[2*(lanes*j+p):], uint16(y))
	}
}
